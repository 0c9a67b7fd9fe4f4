from django.core.management.base import BaseCommand

from gongzhi.cases.sweep import sweep


class Command(BaseCommand):
    help = "Flag overdue cases, escalate those past their reply deadline, warn of those due soon."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-escalate", action="store_true", help="flag overdue cases but do not escalate them"
        )

    def handle(self, *args, **options):
        result = sweep(auto_escalate=not options["no_escalate"])
        self.stdout.write(
            f"overdue={result.overdue} escalated={result.escalated} due_soon_notices={result.due_soon_notices}"
        )
