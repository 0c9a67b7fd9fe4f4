"""`gongzhi roles grant|revoke USERNAME ROLE`: the operator's way, at the server's command line, to
make a deployment's first security administrator (after that, roles are granted on the 账号与角色
page). The same checks as the page (三员分立), and audited with the actor "system"."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts import services
from gongzhi.accounts.models import Role, User
from gongzhi.core.errors import DomainError


class Command(BaseCommand):
    help = "授予或撤销角色：gongzhi roles grant|revoke 用户名 角色（" + "、".join(Role.values) + "）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["grant", "revoke"])
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args, action: str, username: str, role: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有账号“{username}”。")
        act = services.grant_role if action == "grant" else services.revoke_role
        try:
            act(actor=None, user=user, role=role)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{username}: {'、'.join(User.objects.get(pk=user.pk).role_labels) or '—'}")
