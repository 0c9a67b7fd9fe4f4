"""`gongzhi apitoken create USERNAME [--name N] [--days D]`, `apitoken list`, `apitoken revoke PREFIX`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.accounts.models import User
from gongzhi.core.errors import DomainError
from gongzhi.open311 import services
from gongzhi.open311.models import ApiToken


class Command(BaseCommand):
    help = "Issue, list and revoke staff tokens for the REST API at /api/."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token for a staff account and print it")
        create.add_argument("username")
        create.add_argument("--name", default="api")
        create.add_argument("--days", type=int, default=365, help="validity in days (0: no expiry)")
        sub.add_parser("list")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "create":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"no such user: {options['username']}")
            try:
                token, secret = services.issue_token(
                    user=user, name=options["name"], days=options["days"] or None
                )
            except DomainError as error:
                raise CommandError(error.message) from error
            self.stderr.write(f"token {token.prefix} for {user.username}")
            self.stdout.write(secret)
        elif action == "list":
            for token in ApiToken.objects.select_related("user"):
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(f"{token.prefix}\t{token.user.username}\t{state}\t{token.name}")
        else:
            token = ApiToken.objects.filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError(f"no token with prefix {options['prefix']}")
            services.revoke_token(token=token)
            self.stdout.write(f"revoked {token.prefix}")
