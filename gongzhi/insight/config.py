"""Every weight and threshold of insight, with the defaults a deployment overrides in settings.

`GONGZHI_INSIGHT = {"index": {...}, "supervision": {...}}` in settings is merged over DEFAULTS
key by key (one level deep), so a deployment changes one weight without restating the rest."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, dict[str, Any]] = {
    # 居民互动指数 (docs/insight.md): reach, depth and responsiveness, each normalised to 0..1,
    # combined as 100 × the weighted mean of the parts.
    "index": {
        "part_weights": {"reach": 0.4, "depth": 0.3, "responsiveness": 0.3},
        # Weight of one interaction of each kind in "depth" (weighted interactions per 100 households).
        "interaction_weights": {
            "report": 1.0,  # a case reported by a resident
            "rating": 0.5,  # a rating given to a closed case
            "visit": 0.5,  # a household visited (the resident received the grid worker)
            "suggestion": 2.0,  # participation
            "support": 0.5,  # participation: supporting a suggestion
            "deliberation": 2.0,  # participation: a deliberation attended
            "volunteer_hour": 1.0,  # volunteers
            "event": 1.0,  # events: an event attended
        },
        # Depth at which the depth part counts as full (weighted interactions per 100 households).
        "depth_target": 50.0,
    },
    "report": {
        # 热点诉求 in the weekly report: the grid's cases of this many days up to the report's
        # "now" are grouped by the text app (gongzhi.text.hot); groups of at least `hot_min_size`
        # with a case in the week are listed, at most `hot_limit`, reading at most `hot_max_cases`.
        "hot_window_days": 28,
        "hot_min_size": 2,
        "hot_limit": 5,
        "hot_max_cases": 2000,
    },
    "cockpit": {
        # The three rates' targets drawn against today's, this week's and this month's figures.
        "targets": {"response_rate": 0.95, "resolution_rate": 0.90, "satisfaction_rate": 0.90},
        "refresh_seconds": 30,
    },
    "supervision": {
        "repeat_min_reports": 3,  # rule 1: same address and category, at least this many …
        "repeat_window_days": 30,  # … within this many days
        # Category codes (a leaf's own code or its parent's) that require a site visit before
        # closure (rules 2 and 3); empty means every category. Default: 社区治理, 城乡建设, 环境保护.
        "site_visit_categories": ["16", "01", "04"],
        "fast_close_hours": 2,  # rule 3: closed sooner than this after dispatch
        "unsatisfied_min": 2,  # rule 4
        "bounce_min": 3,  # rule 5: assigned/returned at least this many times
        "overdue_k": 2.0,  # rule 6: overdue share above median + k·σ of peers
        "overdue_min_cases": 5,  # rule 6: units with fewer cases in the window are not judged
        "overdue_window_days": 90,
        "reply_similarity": 0.8,  # rule 7: cosine similarity of reply texts
        "reply_min_chars": 20,  # rule 7: shorter replies are set phrases, not copy-paste
        "reveal_factor": 3.0,  # rule 10: reveals/exports in the last week above factor × the weekly median
        "reveal_min": 10,  # rule 10: and at least this many
        # rule 9: points given by one member of staff in one ISO week …
        "points_night_start": 22,  # … at night, local hours [start, end) across midnight …
        "points_night_end": 6,
        "points_night_min": 5,  # … at least this many entries at night
        "points_bunch_min": 8,  # … or of at least this many entries
        "points_bunch_share": 0.6,  # … this share to one volunteer
        "lookback_days": 90,  # how far back the case rules look
    },
}


def get(section: str) -> dict[str, Any]:
    merged = copy.deepcopy(DEFAULTS[section])
    override = getattr(settings, "GONGZHI_INSIGHT", {}).get(section, {})
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
