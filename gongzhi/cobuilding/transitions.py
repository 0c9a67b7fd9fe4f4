"""The action tables of co-building's workflows: needs, resources, projects and map places.
Each action: the permission it needs, the states it may start from and the state it leads to
(None: decided by the service, e.g. a claim leaves a need partly or fully claimed). Services,
pages, the API and the tests read these tables, so what is offered and what is allowed agree."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.cobuilding.models import NeedState, PlaceState, ProjectState, ResourceState
from gongzhi.core.errors import InvalidTransition


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    permission: str
    sources: tuple[str, ...]
    target: str | None


def _table(*actions: Action) -> dict[str, Action]:
    return {action.name: action for action in actions}


N = NeedState
NEED_ACTIONS = _table(
    Action("publish", gettext_lazy("发布"), "need.manage", (N.DRAFT,), N.PUBLISHED),
    Action("claim", gettext_lazy("认领"), "need.claim", (N.PUBLISHED, N.PARTLY_CLAIMED), None),
    Action("release", gettext_lazy("放弃认领"), "need.claim", (N.PARTLY_CLAIMED, N.CLAIMED), None),
    Action(
        "to_project",
        gettext_lazy("纳入项目"),
        "project.manage",
        (N.PUBLISHED, N.PARTLY_CLAIMED, N.CLAIMED),
        N.IN_PROJECT,
    ),
    Action(
        "deliver",
        gettext_lazy("办结"),
        "need.manage",
        (N.PARTLY_CLAIMED, N.CLAIMED, N.IN_PROJECT),
        N.DELIVERED,
    ),
    Action("evaluate", gettext_lazy("评价"), "need.manage", (N.DELIVERED,), N.EVALUATED),
    Action(
        "withdraw", gettext_lazy("撤回"), "need.manage", (N.DRAFT, N.PUBLISHED, N.PARTLY_CLAIMED), N.WITHDRAWN
    ),
    Action("expire", gettext_lazy("过期"), "need.manage", (N.PUBLISHED, N.PARTLY_CLAIMED), N.EXPIRED),
    # Editing after creation keeps the state, except that a changed quantity re-decides whether
    # a claimed need is claimed in part or in full.
    Action(
        "edit",
        gettext_lazy("修改"),
        "need.manage",
        (N.DRAFT, N.PUBLISHED, N.PARTLY_CLAIMED, N.CLAIMED),
        None,
    ),
    # Taken out of a project it is edited in: back to what its claims make it.
    Action("from_project", gettext_lazy("移出项目"), "project.manage", (N.IN_PROJECT,), None),
)

R = ResourceState
RESOURCE_ACTIONS = _table(
    Action("activate", gettext_lazy("审核上架"), "resource.manage", (R.OFFERED,), R.ACTIVE),
    Action("use", gettext_lazy("使用"), "need.claim", (R.ACTIVE, R.COMMITTED), None),
    Action(
        "exhaust", gettext_lazy("下架"), "resource.manage", (R.OFFERED, R.ACTIVE, R.COMMITTED), R.EXHAUSTED
    ),
    Action("edit", gettext_lazy("修改"), "resource.offer", (R.OFFERED, R.ACTIVE, R.COMMITTED), None),
)

P = ProjectState
PROJECT_ACTIONS = _table(
    Action("sign", gettext_lazy("签约"), "project.manage", (P.PROPOSED,), P.SIGNED),
    Action("start", gettext_lazy("开始实施"), "project.manage", (P.SIGNED,), P.IN_PROGRESS),
    Action("progress", gettext_lazy("更新进度"), "project.manage", (P.IN_PROGRESS,), P.IN_PROGRESS),
    Action("complete", gettext_lazy("完成"), "project.manage", (P.IN_PROGRESS,), P.COMPLETED),
    Action("evaluate", gettext_lazy("评估"), "project.manage", (P.COMPLETED,), P.EVALUATED),
    Action("edit", gettext_lazy("修改"), "project.manage", (P.PROPOSED, P.SIGNED, P.IN_PROGRESS), None),
)

S = PlaceState
PLACE_ACTIONS = _table(
    Action(
        "verify", gettext_lazy("实地核验"), "place.verify", (S.NOMINATED, S.SUSPENDED, S.VERIFIED), S.VERIFIED
    ),
    Action("publish", gettext_lazy("上图发布"), "place.publish", (S.VERIFIED,), S.PUBLISHED),
    Action("recheck", gettext_lazy("复核"), "place.verify", (S.PUBLISHED,), S.PUBLISHED),
    Action("suspend", gettext_lazy("暂停展示"), "place.publish", (S.PUBLISHED, S.VERIFIED), S.SUSPENDED),
    Action(
        "retire",
        gettext_lazy("撤点"),
        "place.publish",
        (S.NOMINATED, S.VERIFIED, S.PUBLISHED, S.SUSPENDED),
        S.RETIRED,
    ),
)

TABLES = {
    "need": NEED_ACTIONS,
    "resource": RESOURCE_ACTIONS,
    "project": PROJECT_ACTIONS,
    "place": PLACE_ACTIONS,
}


def check(table: dict[str, Action], state: str, name: str) -> Action:
    action = table[name]
    if state not in action.sources:
        raise InvalidTransition(
            _("当前状态下不能“%(action)s”。") % {"action": action.label},
            details={"state": state, "action": name},
        )
    return action


def available(table: dict[str, Action], state: str) -> list[Action]:
    return [action for action in table.values() if state in action.sources]
