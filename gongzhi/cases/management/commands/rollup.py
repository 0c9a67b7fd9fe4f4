import time

from django.core.management.base import BaseCommand, CommandError

from gongzhi.cases import rollup


class Command(BaseCommand):
    help = (
        "The dashboards' monthly rollup of finished cases: `rebuild` recomputes it from the cases "
        "(after a bulk load or a restore), `check` compares it with the cases and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "check"])
        parser.add_argument(
            "--subdistrict", type=int, action="append", help="only this subdistrict's id (repeatable)"
        )

    def handle(self, *args, **options):
        began = time.perf_counter()
        subdistricts = options["subdistrict"]
        if options["action"] == "rebuild":
            buckets = rollup.rebuild(subdistricts)
            self.stdout.write(f"rebuilt {buckets} buckets in {time.perf_counter() - began:.1f} s")
            return
        problems = rollup.check(subdistricts)
        for line in problems[:50]:
            self.stdout.write(line)
        if problems:
            raise CommandError(f"汇总表与工单不一致：{len(problems)} 处（运行 gongzhi rollup rebuild 修复）")
        self.stdout.write(f"rollup matches the cases ({time.perf_counter() - began:.1f} s)")
