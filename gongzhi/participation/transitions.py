"""The one action table of participation: for each machine (suggestion, topic, meeting, list
item, project), each action's label, permission and moves (from state → to state). Services
check moves here; pages and the API offer what `actions_from` returns; tests walk it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.errors import InvalidTransition
from gongzhi.participation.models import (
    BallotStatus as B,
)
from gongzhi.participation.models import (
    ItemStatus as I,
)
from gongzhi.participation.models import (
    MeetingStatus as M,
)
from gongzhi.participation.models import (
    ProjectStage as P,
)
from gongzhi.participation.models import (
    SuggestionStatus as S,
)
from gongzhi.participation.models import (
    TopicStatus as T,
)


@dataclass(frozen=True)
class Act:
    label: object
    permission: str
    moves: dict[str, str]


_OPEN = (S.PUBLISHED, S.TRIAGE)

SUGGESTION: dict[str, Act] = {
    "approve": Act(
        gettext_lazy("审核通过并公开"), "participation.suggestion.moderate", {S.PENDING: S.PUBLISHED}
    ),
    # A hidden (reported) suggestion that fails the review is declined: it never shows again.
    "decline": Act(
        gettext_lazy("审核不通过"),
        "participation.suggestion.moderate",
        {S.PENDING: S.DECLINED, S.HIDDEN: S.DECLINED},
    ),
    # A support keeps the state unless it reaches the campaign's threshold (then → triage).
    "support": Act(gettext_lazy("附议"), "", {S.PUBLISHED: S.PUBLISHED, S.TRIAGE: S.TRIAGE}),
    "triage": Act(gettext_lazy("进入分办"), "participation.suggestion.triage", {S.PUBLISHED: S.TRIAGE}),
    "to_case": Act(
        gettext_lazy("转为工单"), "participation.suggestion.triage", {s: S.TO_CASE for s in _OPEN}
    ),
    "to_topic": Act(
        gettext_lazy("转为议题"), "participation.suggestion.triage", {s: S.TO_TOPIC for s in _OPEN}
    ),
    "merge": Act(gettext_lazy("合并"), "participation.suggestion.triage", {s: S.MERGED for s in _OPEN}),
    "refer": Act(gettext_lazy("转交单位"), "participation.suggestion.triage", {s: S.REFERRED for s in _OPEN}),
    "draft_answer": Act(
        gettext_lazy("起草答复"),
        "participation.suggestion.triage",
        {S.PUBLISHED: S.PUBLISHED, S.TRIAGE: S.TRIAGE, S.REFERRED: S.REFERRED},
    ),
    "publish_answer": Act(
        gettext_lazy("审定并公开答复"),
        "participation.suggestion.answer",
        {S.PUBLISHED: S.ANSWERED, S.TRIAGE: S.ANSWERED, S.REFERRED: S.ANSWERED},
    ),
    "reject": Act(
        gettext_lazy("不予采纳"), "participation.suggestion.triage", {s: S.REJECTED for s in _OPEN}
    ),
    "withdraw": Act(
        gettext_lazy("撤回"), "", {S.PENDING: S.WITHDRAWN, S.PUBLISHED: S.WITHDRAWN, S.HIDDEN: S.WITHDRAWN}
    ),
    # A report keeps the state unless it reaches the campaign's report threshold (then → hidden).
    "report": Act(gettext_lazy("举报"), "", {S.PUBLISHED: S.PUBLISHED, S.TRIAGE: S.TRIAGE}),
    "hide": Act(gettext_lazy("举报达到门槛，隐藏待复核"), "", {s: S.HIDDEN for s in _OPEN}),
    # Back to the state it was hidden from (`Suggestion.hidden_from`: published or triage).
    "restore": Act(
        gettext_lazy("复核后恢复公开"), "participation.suggestion.moderate", {S.HIDDEN: S.PUBLISHED}
    ),
}

TOPIC: dict[str, Act] = {
    "screen": Act(gettext_lazy("确定议题"), "participation.topic.manage", {T.PROPOSED: T.SCREENED}),
    "schedule": Act(
        gettext_lazy("安排会议"),
        "participation.topic.manage",
        {T.SCREENED: T.SCHEDULED, T.SCHEDULED: T.SCHEDULED, T.DEFERRED: T.SCHEDULED},
    ),
    "deliberate": Act(gettext_lazy("完成协商"), "participation.topic.manage", {T.SCHEDULED: T.DELIBERATED}),
    "resolve": Act(gettext_lazy("形成决议"), "participation.topic.manage", {T.DELIBERATED: T.RESOLVED}),
    "defer": Act(
        gettext_lazy("暂缓"),
        "participation.topic.manage",
        {T.DELIBERATED: T.DEFERRED, T.SCREENED: T.DEFERRED},
    ),
    "drop": Act(
        gettext_lazy("不予立项"),
        "participation.topic.manage",
        {T.PROPOSED: T.DROPPED, T.DELIBERATED: T.DROPPED, T.DEFERRED: T.DROPPED},
    ),
    "execute": Act(gettext_lazy("进入执行"), "participation.topic.manage", {T.RESOLVED: T.IN_EXECUTION}),
    "evaluate": Act(gettext_lazy("评议"), "participation.topic.manage", {T.IN_EXECUTION: T.EVALUATED}),
    "close": Act(gettext_lazy("办结"), "participation.topic.manage", {T.EVALUATED: T.CLOSED}),
}

MEETING: dict[str, Act] = {
    "sign_in": Act(gettext_lazy("签到"), "participation.meeting.run", {M.PLANNED: M.PLANNED, M.HELD: M.HELD}),
    "motion": Act(gettext_lazy("表决"), "participation.meeting.run", {M.PLANNED: M.HELD, M.HELD: M.HELD}),
    "hold": Act(gettext_lazy("会议召开完毕"), "participation.meeting.run", {M.PLANNED: M.HELD}),
    "publish": Act(gettext_lazy("签发并公开纪要"), "participation.meeting.sign_off", {M.HELD: M.PUBLISHED}),
    "cancel": Act(gettext_lazy("取消会议"), "participation.meeting.run", {M.PLANNED: M.CANCELLED}),
}

_WORKING = (I.PLANNED, I.IN_PROGRESS)
ITEM: dict[str, Act] = {
    "start": Act(gettext_lazy("开始推进"), "participation.item.progress", {I.PLANNED: I.IN_PROGRESS}),
    "progress": Act(
        gettext_lazy("更新进度"),
        "participation.item.progress",
        {I.PLANNED: I.IN_PROGRESS, I.IN_PROGRESS: I.IN_PROGRESS},
    ),
    "block": Act(gettext_lazy("标记受阻"), "participation.item.progress", {s: I.BLOCKED for s in _WORKING}),
    "unblock": Act(gettext_lazy("恢复推进"), "participation.item.progress", {I.BLOCKED: I.IN_PROGRESS}),
    "finish": Act(gettext_lazy("完成"), "participation.item.progress", {s: I.DONE for s in _WORKING}),
    "verify": Act(gettext_lazy("居民验收"), "participation.item.verify", {I.DONE: I.VERIFIED}),
    "close": Act(gettext_lazy("销项"), "participation.item.verify", {I.VERIFIED: I.CLOSED}),
    "reopen": Act(
        gettext_lazy("重新打开"),
        "participation.item.verify",
        {I.DONE: I.IN_PROGRESS, I.VERIFIED: I.IN_PROGRESS, I.CLOSED: I.IN_PROGRESS},
    ),
}

_LIVE = [s for s in P.values if s not in (P.DONE, P.SHELVED)]
PROJECT: dict[str, Act] = {
    "incubate": Act(gettext_lazy("进入孵化"), "participation.project.manage", {P.IDEA: P.INCUBATION}),
    "design": Act(gettext_lazy("形成方案与预算"), "participation.project.manage", {P.INCUBATION: P.DESIGN}),
    "review": Act(gettext_lazy("评审打分"), "participation.project.manage", {P.DESIGN: P.REVIEW}),
    "publicise": Act(gettext_lazy("公示"), "participation.project.manage", {P.REVIEW: P.NOTICE}),
    "vote": Act(gettext_lazy("组织居民投票"), "participation.project.manage", {P.NOTICE: P.VOTE}),
    "build": Act(
        gettext_lazy("开始实施"), "participation.project.manage", {P.NOTICE: P.BUILD, P.VOTE: P.BUILD}
    ),
    "hand_over": Act(gettext_lazy("移交管护"), "participation.project.manage", {P.BUILD: P.HANDOVER}),
    "evaluate": Act(gettext_lazy("开始评估"), "participation.project.manage", {P.HANDOVER: P.EVALUATION}),
    "finish": Act(gettext_lazy("评估完成"), "participation.project.manage", {P.EVALUATION: P.DONE}),
    "shelve": Act(gettext_lazy("搁置"), "participation.project.manage", {s: P.SHELVED for s in _LIVE}),
}

BALLOT: dict[str, Act] = {
    "open": Act(gettext_lazy("开始投票"), "participation.ballot.manage", {B.DRAFT: B.OPEN}),
    "close": Act(gettext_lazy("截止投票"), "participation.ballot.manage", {B.OPEN: B.CLOSED}),
    "publish": Act(gettext_lazy("公布结果"), "participation.ballot.manage", {B.CLOSED: B.PUBLISHED}),
    "cancel": Act(
        gettext_lazy("取消票决"), "participation.ballot.manage", {B.DRAFT: B.CANCELLED, B.OPEN: B.CANCELLED}
    ),
}

MACHINES: dict[str, dict[str, Act]] = {
    "suggestion": SUGGESTION,
    "topic": TOPIC,
    "meeting": MEETING,
    "item": ITEM,
    "project": PROJECT,
    "ballot": BALLOT,
}

_STATES = {"suggestion": S, "topic": T, "meeting": M, "item": I, "project": P, "ballot": B}


def allowed(machine: str, state: str, action: str) -> bool:
    return state in MACHINES[machine][action].moves


def target(machine: str, state: str, action: str) -> str:
    act = MACHINES[machine][action]
    try:
        return act.moves[state]
    except KeyError:
        label = _STATES[machine](state).label
        raise InvalidTransition(
            _("当前状态为“%(state)s”，不能执行“%(action)s”。") % {"state": label, "action": act.label}
        ) from None


def actions_from(machine: str, state: str) -> list[str]:
    return [name for name, act in MACHINES[machine].items() if state in act.moves]


def permission(machine: str, action: str) -> str:
    return MACHINES[machine][action].permission
