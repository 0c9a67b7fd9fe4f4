"""Categories and the words of generated cases."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

from gongzhi.cases.models import Category, Tier
from gongzhi.demo.generate.plan import Progress

# First-level shares measured on the development data's messages/labelled.csv (2,487 labelled citizen
# messages; counted once, copied here because the product never reads development data at run time).
LABELLED_MIX = {
    "城乡建设": 541,
    "劳动和社会保障": 538,
    "教育文体": 426,
    "商贸旅游": 325,
    "卫生计生": 255,
    "环境保护": 247,
    "交通运输": 155,
}

# The built-in two-level tree used when the database has no categories. Second-level names follow
# the government taxonomy (the development data's messages/taxonomy.csv); each leaf carries a few title
# patterns ({place} is replaced by the location) and the department that usually handles it.
BUILTIN_TREE: dict[str, list[tuple[str, str, list[str]]]] = {
    "城乡建设": [
        (
            "安全隐患",
            "城管中队",
            ["{place}楼道堆放杂物存在消防隐患", "{place}电动车飞线充电", "{place}外墙瓷砖脱落"],
        ),
        (
            "小区管理",
            "房管办",
            ["{place}物业不作为，垃圾无人清运", "{place}电梯经常故障", "{place}地下车库漏水"],
        ),
        ("城管执法", "城管中队", ["{place}违章搭建", "{place}占道经营", "{place}夜间施工扰民"]),
        ("市政设施", "城管中队", ["{place}路灯不亮", "{place}窨井盖破损", "{place}人行道地砖松动"]),
    ],
    "劳动和社会保障": [
        ("劳动纠纷", "司法所", ["{place}附近工地拖欠工资", "{place}商户未签劳动合同"]),
        ("社会保险", "社区事务受理中心", ["{place}居民咨询医保转移", "{place}居民养老金发放问题"]),
        ("社会救助", "社区事务受理中心", ["{place}独居老人需要帮扶", "{place}困难家庭申请救助"]),
    ],
    "教育文体": [
        ("教育", "社区事务受理中心", ["{place}附近学校门口交通拥堵", "{place}校外培训机构扰民"]),
        ("文体设施", "绿化市容所", ["{place}健身器材损坏", "{place}广场舞噪音扰民"]),
    ],
    "商贸旅游": [
        ("市场监管", "市场监管所", ["{place}商户价格欺诈", "{place}餐饮店油烟扰民", "{place}无证经营"]),
        ("消费维权", "市场监管所", ["{place}预付卡商家跑路", "{place}超市出售过期食品"]),
    ],
    "卫生计生": [
        ("公共卫生", "环卫所", ["{place}鼠害严重", "{place}垃圾房异味", "{place}蚊虫滋生"]),
        ("医疗服务", "社区事务受理中心", ["{place}社区卫生服务站排队时间长", "{place}家庭医生签约咨询"]),
    ],
    "环境保护": [
        ("噪声污染", "环保所", ["{place}空调外机噪音", "{place}酒吧夜间噪音"]),
        ("环境卫生", "环卫所", ["{place}垃圾分类桶满溢", "{place}绿化带积存垃圾", "{place}犬只粪便无人清理"]),
        ("绿化", "绿化市容所", ["{place}树木遮挡采光", "{place}绿化被毁种菜"]),
    ],
    "交通运输": [
        ("停车管理", "派出所", ["{place}机动车乱停放", "{place}共享单车堆积", "{place}占用消防通道停车"]),
        ("道路交通", "派出所", ["{place}路口信号灯故障", "{place}公交站台破损"]),
    ],
}
DETAILS = [
    "已经持续一段时间，多次向物业反映未果，希望有关部门尽快处理。",
    "影响居民正常生活，老人和孩子出行不便，请求上门查看。",
    "周边居民意见很大，存在安全隐患，恳请尽快解决。",
    "昨天晚上又出现了，拍了照片，请网格员来现场看一下。",
    "希望相关部门重视，给居民一个答复。",
]
REPLIES = [
    "已现场查看并处置完毕，已与反映人沟通。",
    "已联系物业整改，整改完成并复查。",
    "已责令当事人限期整改，现已整改到位。",
    "已协调相关部门处理，问题已解决。",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
SOURCES = [("hotline", 45), ("web", 20), ("patrol", 20), ("visit", 10), ("listening", 3), ("suggestion", 2)]


@dataclass
class CategoryPick:
    ids: list[int]
    cumulative: list[float]
    titles: dict[int, list[str]]
    department: dict[int, str]

    def pick(self, rng: random.Random) -> int:
        return self.ids[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def ensure_categories(progress: Progress) -> CategoryPick:
    if not Category.objects.filter(parent__isnull=False, active=True).exists():
        try:  # the curated tree, where the cases app ships one
            from gongzhi.cases.categories import load_categories  # type: ignore[import-not-found]

            load_categories()
            progress("类别：已载入 gongzhi.cases.categories 的类别表")
        except (ImportError, TypeError) as exc:
            progress(f"类别：使用内置的两级类别（{type(exc).__name__}）")
    if not Category.objects.filter(parent__isnull=False, active=True).exists():
        _create_builtin_categories()
    leaves = list(Category.objects.filter(parent__isnull=False, active=True).select_related("parent"))
    by_top: dict[int, list[Category]] = {}
    for leaf in leaves:
        by_top.setdefault(leaf.parent_id, []).append(leaf)
    median = sorted(LABELLED_MIX.values())[len(LABELLED_MIX) // 2]
    titles_builtin = {leaf: titles for top in BUILTIN_TREE.values() for leaf, _u, titles in top}
    ids, cumulative, titles, department = [], [], {}, {}
    total = 0.0
    for group in by_top.values():
        weight = LABELLED_MIX.get(group[0].parent.name, median) / len(group)
        for leaf in group:
            total += weight
            ids.append(leaf.pk)
            cumulative.append(total)
            titles[leaf.pk] = titles_builtin.get(leaf.name) or [f"{{place}}{leaf.name}问题"]
            department[leaf.pk] = leaf.default_unit_name
    return CategoryPick(ids, cumulative, titles, department)


def _create_builtin_categories() -> None:
    for i, (top_name, leaves) in enumerate(BUILTIN_TREE.items(), start=1):
        top = Category.objects.create(code=f"G{i:02d}", name=top_name, sort=i)
        for j, (name, unit, _titles) in enumerate(leaves, start=1):
            Category.objects.create(
                code=f"G{i:02d}{j:02d}",
                name=name,
                parent=top,
                default_unit_name=unit,
                default_tier=Tier.NEIGHBOURHOOD,
                sort=j,
            )
