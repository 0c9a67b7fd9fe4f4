from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.models import Role, User
from gongzhi.cases.models import Status
from gongzhi.core.errors import DomainError
from gongzhi.demo.builder import DEFAULT_CASES, build_demo
from gongzhi.demo.people import DEMO_PASSWORD
from gongzhi.territory.models import Area, AreaKind


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = (
        "Build the demo (two Shanghai subdistricts, units, accounts, categories, cases) on an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any area exists")
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed (the same seed, the same demo)"
        )
        parser.add_argument("--cases", type=int, default=DEFAULT_CASES, help="about how many cases to make")
        parser.add_argument(
            "--accounts",
            action="store_true",
            help="list the demo accounts of the database as it is (one per role and subdistrict; -v 2: all)",
        )

    def handle(self, *args, **options):
        if options["accounts"]:
            self._table(list_accounts(everyone=options["verbosity"] >= 2))
            return
        if Area.objects.exists():
            if options["if_empty"]:
                self.stdout.write("数据库中已有数据，保留现有数据，不再生成演示数据。")
                return
            raise CommandError("数据库中已有区域数据：演示数据只能生成在空数据库上（或加 --if-empty 跳过）。")
        try:
            result = build_demo(seed=options["seed"], cases=options["cases"], stdout=self.stdout)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for module in result.extensions:
            self.stdout.write(f"扩展：{module}")
        statuses = ", ".join(f"{Status(s).label} {n}" for s, n in sorted(result.statuses.items()))
        self.stdout.write(f"工单状态：{statuses}")
        self.stdout.write("")
        self._table(result.all_accounts if options["verbosity"] >= 2 else result.main_accounts)
        others = len(result.all_accounts) - len(result.main_accounts)
        if others and options["verbosity"] < 2:
            self.stdout.write(
                f"另有 {others} 个账号（各居委、部门、网格、网格工作站、物业），密码相同；加 -v 2 列出全部。"
            )
        self.stdout.write(self.style.SUCCESS("演示数据已生成。"))

    def _table(self, accounts: list[User]) -> None:
        rows = [("用户名", "角色", "管辖范围", "密码")]
        for user in accounts:
            rows.append((user.username, "、".join(user.role_labels), str(user.scope), DEMO_PASSWORD))
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            self.stdout.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())


def list_accounts(*, everyone: bool = False) -> list[User]:
    """The demo's logins read from the database: per subdistrict, the first account of each role
    (in the order of the roles), or every active account. The password is the demo's unless
    someone changed it."""
    users = list(
        User.objects.filter(is_active=True).select_related("scope").prefetch_related("groups").order_by("pk")
    )
    if everyone:
        return users
    chosen: list[User] = []
    for subdistrict in Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("pk"):
        for role in Role.values:
            # The account named after the role first (handler, not the centre's 中心 login).
            candidates = sorted(
                (
                    u
                    for u in users
                    if u.scope and u.scope.path.startswith(subdistrict.path) and role in u.role_codes
                ),
                key=lambda u, role=role: (not u.username.startswith(role), u.pk),
            )
            first = candidates[0] if candidates else None
            if first is not None and first not in chosen:
                chosen.append(first)
    return chosen
