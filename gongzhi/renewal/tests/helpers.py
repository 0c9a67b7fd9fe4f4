import datetime as dt
import io

from openpyxl import Workbook

from gongzhi.renewal import services
from gongzhi.territory.models import Area
from gongzhi.territory.services import create_area


def project_with(side, n: int = 10, *, kind: str = "old_area"):
    leader = side.users["leader"]
    block = Area.objects.filter(parent=side.estate, kind="building").first() or create_area(
        code=f"{side.estate.code}-B1", name="1号楼", kind="building", parent=side.estate
    )
    project = services.create_project(actor=leader, area=side.estate, name="延庆路110弄旧改", kind=kind)
    certificates = [
        services.add_certificate(
            actor=leader, project=project, area=block, number=f"沪房地徐字{i:04d}号", holders=f"户主{i}"
        )
        for i in range(1, n + 1)
    ]
    return project, certificates


def open_signing(side, project, opens_on=dt.date(2026, 3, 1), closes_on=dt.date(2026, 6, 30)):
    leader = side.users["leader"]
    services.open_round(actor=leader, project=project, number=1, opens_on=opens_on, closes_on=closes_on)
    return leader


HEADER = ["证号*", "类型", "楼栋*", "权利人/承租人*", "户数", "人数", "楼层", "房屋", "包保干部"]
FULL_HEADER = [*HEADER, "一户一策", "难点"]


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ["沪房地字0001号", "产权证", "A-E1-B3", "张建国、李秀英", 1, 3, 1, "101室", "a_gridworker"],
    ["公房承租凭证0002号", "承租凭证", "3号楼", "王芳", "2", "4", "1", "3号楼102室", ""],
    ["沪房地字0003号", "", "3号楼", "赵强", None, None, 2, "201室", None],
]
