from django.core.management.base import BaseCommand, CommandError

from gongzhi.cases.models import Status
from gongzhi.core.errors import DomainError
from gongzhi.demo.builder import DEFAULT_CASES, build_demo
from gongzhi.demo.people import DEMO_PASSWORD
from gongzhi.territory.models import Area


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

    def handle(self, *args, **options):
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
        rows = [("用户名", "角色", "管辖范围", "密码")]
        accounts = result.all_accounts if options["verbosity"] >= 2 else result.main_accounts
        for user in accounts:
            rows.append((user.username, "、".join(user.role_labels), str(user.scope), DEMO_PASSWORD))
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            self.stdout.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        others = len(result.all_accounts) - len(result.main_accounts)
        if others and options["verbosity"] < 2:
            self.stdout.write(
                f"另有 {others} 个账号（各居委、部门、网格、网格工作站、物业），密码相同；加 -v 2 列出全部。"
            )
        self.stdout.write(self.style.SUCCESS("演示数据已生成。"))
