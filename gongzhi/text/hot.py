"""Hot issues: groups of reports about the same thing in the same place, ranked by size, growth
and public support. Pure Python + scikit-learn (no Django).

Texts become TF-IDF vectors of character 2–3-grams (place names such as "丽发新城" and the
problem, "搅拌站", are both runs of characters); reports are grouped by average-linkage
agglomerative clustering on cosine distance, so a group is held together by all its members and
does not chain through one loose pair. Optionally only reports in the same place key (a
subdistrict, a map cell) may share a group.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from gongzhi.text.classify import Words, normalise

# Words that say nothing about which issue it is.
STOP = set(
    [
        "问题",
        "请求",
        "反映",
        "关于",
        "投诉",
        "咨询",
        "建议",
        "希望",
        "要求",
        "请问",
        "什么",
        "为什么",
        "怎么",
        "如何",
        "能否",
        "是否",
        "相关",
        "部门",
        "政府",
        "领导",
        "小区",
        "居民",
        "业主",
        "我们",
        "你们",
        "他们",
        "一个",
        "没有",
        "可以",
        "进行",
        "情况",
        "现在",
        "已经",
        "严重",
        "解决",
        "尽快",
        "何时",
        "能不能",
        "还是",
        "A市",
        "市民",
        "一下",
        "这个",
        "那个",
        "给予",
        "处理",
        "整改",
    ]
)
_NOISE = re.compile(r"^[\dA-Za-z]+$")


@dataclass
class Item:
    id: Hashable
    title: str
    text: str
    when: dt.datetime | None = None
    support: int = 0
    place: Hashable = None


@dataclass
class Cluster:
    ids: list[Hashable]
    terms: list[str]
    size: int
    recent: int
    support: int
    first: dt.datetime | None
    last: dt.datetime | None
    score: float = 0.0
    members: list[Item] = field(default_factory=list)


def _vectors(texts: Sequence[str]) -> sp.csr_matrix:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32)
    x = vec.fit_transform([normalise(t) for t in texts]).tocsc()
    df = np.diff(x.indptr)
    cols = np.nonzero((df >= 2) & (df <= max(20, 0.05 * x.shape[0])))[0]
    return x[:, cols].tocsr()


def _groups(x: sp.csr_matrix, threshold: float) -> list[list[int]]:
    """Average-linkage groups with mean similarity ≥ threshold (components of the similarity
    graph first, so the dense clustering only ever sees one component at a time)."""
    from scipy.sparse.csgraph import connected_components
    from sklearn.cluster import AgglomerativeClustering

    n = x.shape[0]
    sims = (x @ x.T).tocsr()
    graph = sims.multiply(sims >= threshold)
    _, comp = connected_components(graph, directed=False)
    groups: list[list[int]] = []
    for c in np.unique(comp):
        members = np.nonzero(comp == c)[0]
        if len(members) < 2:
            continue
        if len(members) == 2:
            groups.append(members.tolist())
            continue
        dense = sims[members][:, members].toarray()
        dist = np.clip(1.0 - dense, 0.0, None)
        np.fill_diagonal(dist, 0.0)
        labels = AgglomerativeClustering(
            n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1.0 - threshold
        ).fit_predict(dist)
        for lab in np.unique(labels):
            sub = members[labels == lab]
            if len(sub) >= 2:
                groups.append(sub.tolist())
    assert all(i < n for g in groups for i in g)
    return groups


def _merge(x: sp.csr_matrix, groups: list[list[int]], at: float) -> list[list[int]]:
    """Join groups whose centroids are at least `at` similar (average linkage sometimes splits
    one issue told in two ways, e.g. "捆绑销售车位" from buyers and from railway staff)."""
    from scipy.sparse.csgraph import connected_components

    if len(groups) < 2:
        return groups
    cent = sp.vstack([sp.csr_matrix(x[g].mean(axis=0)) for g in groups]).tocsr()
    norms = np.sqrt(np.asarray(cent.multiply(cent).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    cent = sp.diags(1.0 / norms) @ cent
    sims = (cent @ cent.T).tocsr()
    _, comp = connected_components(sims.multiply(sims >= at), directed=False)
    merged: dict[int, list[int]] = {}
    for g, c in zip(groups, comp, strict=True):
        merged.setdefault(int(c), []).extend(g)
    return list(merged.values())


def top_terms(
    titles_in: Sequence[str], all_titles_df: Counter, n_titles: int, words: Words, k: int = 5
) -> list[str]:
    counts: Counter = Counter()
    for t in titles_in:
        counts.update(
            {w for w in words(normalise(t)) if len(w) >= 2 and w not in STOP and not _NOISE.match(w)}
        )
    scored = [
        (c * math.log((1 + n_titles) / (1 + all_titles_df.get(w, 0))), w) for w, c in counts.items() if c >= 2
    ]
    scored.sort(key=lambda p: (-p[0], p[1]))
    return [w for _, w in scored[:k]]


def hot_issues(
    items: Sequence[Item],
    *,
    threshold: float = 0.2,
    min_size: int = 3,
    now: dt.datetime | None = None,
    recent_days: float = 30,
    words: Words | None = None,
    merge_at: float = 0.4,
) -> list[Cluster]:
    """Groups of at least `min_size` items, best first by
    score = size + 2 × (items in the last `recent_days` before `now`) + ½·log2(1 + support)."""
    items = list(items)
    if len(items) < 2:
        return []
    order = list(range(len(items)))
    groups: list[list[int]] = []
    places: dict[Hashable, list[int]] = {}
    for i in order:
        places.setdefault(items[i].place, []).append(i)
    for members in places.values():
        if len(members) < 2:
            continue
        x = _vectors([items[i].text for i in members])
        groups += [[members[j] for j in g] for g in _merge(x, _groups(x, threshold), merge_at)]
    groups = [g for g in groups if len(g) >= min_size]
    if not groups:
        return []
    words = words or Words()
    title_df: Counter = Counter()
    in_groups = {i for g in groups for i in g}
    # Document frequencies of title words over everything, for distinctive top terms; only the
    # grouped titles plus a sample of the rest are segmented (jieba is the slow part).
    step = max(1, len(items) // 2000)
    sample = sorted(in_groups | set(range(0, len(items), step)))
    for i in sample:
        title_df.update(set(words(normalise(items[i].title))))
    n_titles = len(sample)
    times = [it.when for it in items if it.when]
    now = now or (max(times) if times else None)
    out = []
    for g in groups:
        members = sorted((items[i] for i in g), key=lambda it: (it.when or dt.datetime.min, str(it.id)))
        when = [m.when for m in members if m.when]
        recent = (
            sum(1 for w in when if (now - w).total_seconds() <= recent_days * 86400 and w <= now)
            if now
            else 0
        )
        support = sum(max(0, m.support) for m in members)
        cluster = Cluster(
            ids=[m.id for m in members],
            terms=top_terms([m.title for m in members], title_df, n_titles, words),
            size=len(members),
            recent=recent,
            support=support,
            first=min(when) if when else None,
            last=max(when) if when else None,
            members=members,
        )
        cluster.score = cluster.size + 2 * recent + 0.5 * math.log2(1 + support)
        out.append(cluster)
    out.sort(key=lambda c: (-c.score, -c.size, str(c.ids[0])))
    return out
