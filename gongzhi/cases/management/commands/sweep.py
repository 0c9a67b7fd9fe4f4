import time

from django.core.management.base import BaseCommand

from gongzhi.cases.sweep import sweep
from gongzhi.core.sweeps import run_all


class Command(BaseCommand):
    help = (
        "Flag overdue cases, escalate those past their reply deadline, warn of those due soon; then run "
        "every app's registered sweep (care check-ins, list deadlines, committee terms, …). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-escalate", action="store_true", help="flag overdue cases but do not escalate them"
        )
        parser.add_argument("--every", type=int, default=0, help="keep running, sweeping every N seconds")

    def handle(self, *args, **options):
        while True:
            result = sweep(auto_escalate=not options["no_escalate"])
            self.stdout.write(
                f"overdue={result.overdue} escalated={result.escalated} "
                f"due_soon_notices={result.due_soon_notices} messages_retried={result.messages_retried}"
            )
            for name, outcome in run_all().items():
                self.stdout.write(f"{name}: {outcome}")
            if not options["every"]:
                return
            time.sleep(options["every"])
