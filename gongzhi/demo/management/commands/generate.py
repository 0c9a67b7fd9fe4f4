"""`gongzhi generate`: fill the database with synthetic subdistricts, staff and cases."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.demo.generate import Plan, generate


class Command(BaseCommand):
    help = "生成大规模模拟数据（街道、网格、楼栋、单位、工作人员、工单及其处置过程），用于性能测试和试用。"

    def add_arguments(self, parser):
        parser.add_argument("--subdistricts", type=int, default=2, help="街道数（默认 2）")
        parser.add_argument("--cases", type=int, default=1000, help="工单数（默认 1000）")
        parser.add_argument("--residents", type=int, default=0, help="实有人口数（另生成房屋、户、单位）")
        parser.add_argument("--years", type=float, default=5.0, help="工单分布的年数（默认 5）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子，同一种子生成同样的数据")
        parser.add_argument("--grids", type=int, default=12, help="每个街道的网格数（默认 12）")
        parser.add_argument("--buildings", type=int, default=8, help="每个居民区的楼栋数（默认 8）")
        parser.add_argument("--prefix", default="GEN", help="区域编码和用户名的前缀（默认 GEN）")
        parser.add_argument("--chunk", type=int, default=20_000, help="每个事务写入的工单数")
        parser.add_argument(
            "--fan-out-from",
            type=int,
            default=0,
            help="城市规模（仅 PostgreSQL）：只在前 N 个街道模拟工单，再用 SQL 复制到其余街道（默认 0：不复制）",
        )
        parser.add_argument(
            "--no-fan-out-events", action="store_true", help="复制时只复制工单，不复制事件（省磁盘和时间）"
        )
        parser.add_argument("--password", default="", help="生成的工作人员的密码（默认不可登录）")

    def handle(self, *args, **options):
        if options["subdistricts"] < 1 or options["cases"] < 0:
            raise CommandError("街道数至少为 1，工单数不能为负。")
        plan = Plan(
            subdistricts=options["subdistricts"],
            cases=options["cases"],
            residents=options["residents"],
            years=options["years"],
            seed=options["seed"],
            grids=options["grids"],
            buildings=options["buildings"],
            prefix=options["prefix"],
            chunk=max(1000, options["chunk"]),
            password=options["password"],
            fan_out_from=options["fan_out_from"],
            fan_out_events=not options["no_fan_out_events"],
        )
        quiet = options["verbosity"] == 0

        def progress(line: str) -> None:
            if not quiet:
                self.stdout.write(line)
                self.stdout.flush()

        try:
            generate(plan, progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
