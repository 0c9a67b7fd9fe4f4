"""`gongzhi audit verify`: walks the SM3 chains of the audit trail and the access log and names
the first bad row (exit status 1), or says each is intact."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts import chain
from gongzhi.accounts.models import AccessLog, AuditEvent


class Command(BaseCommand):
    help = "审计记录防篡改校验：gongzhi audit verify"

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options) -> None:
        results = [chain.verify(AuditEvent), chain.verify(AccessLog)]
        bad = [r for r in results if not r.ok]
        for result in results:
            (self.stderr if not result.ok else self.stdout).write(str(result))
        if bad:
            raise CommandError(f"audit chain broken: {bad[0]}")
