"""Remind the neighbourhood and the housing office before each committee deadline (run daily)."""

from django.core.management.base import BaseCommand

from gongzhi.committees.sweep import remind


class Command(BaseCommand):
    help = "业委会各环节到期前提醒居委和房管部门，逾期再提醒一次（幂等，可每天运行）。"

    def handle(self, *args, **options):
        self.stdout.write(f"notices={remind()}")
