"""`gongzhi apikey create NAME [--subdistrict CODE] [--rate N]`, `apikey list`, `apikey revoke PREFIX`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.open311 import services
from gongzhi.open311.models import ApiKey
from gongzhi.territory.selectors import subdistricts


class Command(BaseCommand):
    help = "Issue, list and revoke Open311 client keys (颁发、列出、吊销 Open311 接口密钥)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a key and print it (shown once)")
        create.add_argument("name")
        create.add_argument("--subdistrict", default="", help="subdistrict code (default: the first)")
        create.add_argument("--rate", type=int, default=60, help="requests per minute")
        sub.add_parser("list", help="list keys")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "create":
            qs = subdistricts().order_by("code")
            area = qs.filter(code=options["subdistrict"]).first() if options["subdistrict"] else qs.first()
            if area is None:
                raise CommandError(f"no such subdistrict: {options['subdistrict'] or '(none exists)'}")
            if options["rate"] < 1:
                raise CommandError("--rate must be at least 1")
            key, secret = services.issue_key(
                name=options["name"], subdistrict=area, actor=None, rate_limit=options["rate"]
            )
            self.stderr.write(f"key {key.prefix} for {key.name}, subdistrict {area.code} {area.name}")
            self.stdout.write(secret)
        elif action == "list":
            for key in ApiKey.objects.select_related("subdistrict"):
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
                self.stdout.write(
                    f"{key.prefix}\t{key.subdistrict.code}\t{key.rate_limit}/min\t{state}\t{used}\t{key.name}"
                )
        else:
            key = ApiKey.objects.filter(prefix=options["prefix"]).first()
            if key is None:
                raise CommandError(f"no key with prefix {options['prefix']}")
            services.revoke_key(key=key, actor=None)
            self.stdout.write(f"revoked {key.prefix} ({key.name})")
