"""Tell owners of overdue list tasks, and escalate long-overdue ones to the leaders (idempotent)."""

from django.core.management.base import BaseCommand

from gongzhi.participation.services import sweep_overdue


class Command(BaseCommand):
    help = "清单任务超期提醒与升级（可重复运行）"

    def handle(self, *args, **options) -> None:
        made = sweep_overdue()
        self.stdout.write(f"participation sweep: {made} notices")
