"""The import templates' columns (Chinese headers, keys, required marks) per kind."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from gongzhi.registry.models import (
    DwellingUse,
    IdType,
    LivingStatus,
    OrganizationKind,
    RegistrationType,
    Relation,
)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""


COLUMNS: dict[str, list[Column]] = {
    "dwellings": [
        Column("area_code", "楼栋编码", True, "平台中楼栋（或小区）的编码"),
        Column("room", "房号", True, "如 3号502室"),
        Column("address", "地址", False, "完整门牌地址；不填则用“楼栋名+房号”"),
        Column("use", "房屋用途", False, "、".join(str(n) for _c, n in DwellingUse.choices)),
        Column("floor_area", "建筑面积", False, "平方米，数字"),
        Column("owner_name", "产权人/房东", False, ""),
        Column("owner_phone", "产权人/房东电话", False, "11 位手机号或固定电话"),
        Column("note", "备注", False, ""),
    ],
    "residents": [
        Column("area_code", "楼栋编码", True, "平台中楼栋（或小区）的编码"),
        Column("room", "房号", True, "房屋不存在时自动登记"),
        Column("household", "户号", False, "同一房屋内多户时区分，默认 1"),
        Column("name", "姓名", True, ""),
        Column(
            "id_type", "证件类型", False, "、".join(str(n) for _c, n in IdType.choices) + "；默认居民身份证"
        ),
        Column("id_number", "证件号码", True, "18 位身份证号（校验位检查）；请设为文本格式"),
        Column("phone", "联系电话", False, "11 位手机号或固定电话"),
        Column(
            "registration_type", "户籍类型", False, "、".join(str(n) for _c, n in RegistrationType.choices)
        ),
        Column("living_status", "居住状态", False, "、".join(str(n) for _c, n in LivingStatus.choices)),
        Column("relation", "与户主关系", False, "、".join(str(n) for _c, n in Relation.choices)),
        Column("moved_in_on", "迁入日期", False, "如 2024-03-01"),
        Column("moved_out_on", "迁出日期", False, "已迁出时填写"),
        Column("tags", "标签", False, "本街道已有的标签名，多个用“、”分隔"),
        Column("note", "备注", False, ""),
    ],
    "organizations": [
        Column("area_code", "区域编码", True, "单位所在网格、居民区、小区或楼栋的编码"),
        Column("name", "名称", True, ""),
        Column("kind", "类型", True, "、".join(str(n) for _c, n in OrganizationKind.choices)),
        Column("credit_code", "统一社会信用代码", False, "18 位（校验位检查）；有则按此匹配"),
        Column("address", "地址", False, ""),
        Column("lng", "经度", False, "WGS84"),
        Column("lat", "纬度", False, "WGS84"),
        Column("contact_name", "联系人", False, ""),
        Column("contact_phone", "联系电话", False, ""),
        Column("party_covered", "党组织覆盖", False, "是/否"),
        Column("party_organization", "所属党组织", False, "本街道党组织的名称"),
        Column("employees", "从业人数", False, "整数"),
        Column("note", "备注", False, ""),
    ],
}
KINDS = tuple(COLUMNS)
KIND_LABELS = {
    "residents": gettext_lazy("实有人口"),
    "dwellings": gettext_lazy("实有房屋"),
    "organizations": gettext_lazy("单位"),
}
