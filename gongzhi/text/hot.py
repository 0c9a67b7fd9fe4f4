"""Hot issues: groups of reports about the same thing in the same place, ranked by size, growth
and public support. Pure Python + scikit-learn (no Django).

Texts become TF-IDF vectors of their words (jieba with the deployment's place names from the
registry, so "丽发新城" and "搅拌站" are one word each; the title counted three times; words common
to more than 2 % of the reports left out). Reposts are collapsed first (a family of near-identical
reports is one row), then reports are grouped by average-linkage agglomerative clustering on
cosine distance, so a group is held together by all its members and does not chain through one
loose pair, and groups whose centroids are close are joined (one matter told in two ways).
Where two reports (or groups) both name places (`duplicates.places`) and share none, their
similarity is halved: the same problem in two estates is two matters.
Optionally only reports in the same place key (a subdistrict, a map cell) may share a group.

`evaluate(clusters, readings)` scores clusters against people's readings of the same messages
(for each issue, the Jaccard index of the best-matching cluster).
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


def _vectors(items: Sequence[Item], words: Words) -> sp.csr_matrix:
    """Unit TF-IDF vectors of the words of each report (jieba with the deployment's own place
    names), its title counted three times: the title says what the matter is, the details add
    the words of the place and the problem. Words in one report only, or in more than 2 % of
    them (and more than 20), are left out: they tell no two local matters apart."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = []
    for it in items:
        title = [w for w in words(normalise(it.title)) if len(w) >= 2]
        body = [w for w in words(normalise(it.text)) if len(w) >= 2]
        docs.append(title * 3 + body)
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, dtype=np.float32)
    x = vec.fit_transform(docs).tocsc()
    df = np.diff(x.indptr)
    cols = np.nonzero((df >= 2) & (df <= max(20, 0.02 * x.shape[0])))[0]
    x = x[:, cols].tocsr()
    return _unit_rows(x)


def _unit_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x, dtype=np.float32)


def _collapse_reposts(x: sp.csr_matrix, at: float) -> tuple[sp.csr_matrix, list[list[int]]]:
    """One row for each family of reposts (rows at least `at` similar, transitively): the
    family's mean. A matter posted ten times then weighs once in the clustering, and does not
    pull the average of its issue towards its own wording."""
    from scipy.sparse.csgraph import connected_components

    sims = (x @ x.T).tocsr()
    _, comp = connected_components(sims.multiply(sims >= at), directed=False)
    families: dict[int, list[int]] = {}
    for i, c in enumerate(comp.tolist()):
        families.setdefault(c, []).append(i)
    members = list(families.values())
    rows = sp.vstack([sp.csr_matrix(x[m].mean(axis=0)) for m in members]).tocsr()
    return _unit_rows(rows), members


def _place_matrix(items: Sequence[Item]) -> sp.csr_matrix:
    """Which named places (`duplicates.places`: an estate, a road, a kindergarten) each report
    names, as a 0/1 matrix (reports × places)."""
    from gongzhi.text.duplicates import places

    index: dict[str, int] = {}
    rows, cols = [], []
    for r, it in enumerate(items):
        for name in places(it.title + "。" + it.text):
            rows.append(r)
            cols.append(index.setdefault(name, len(index)))
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(items), max(1, len(index))))


def _place_weighed(sims: sp.csr_matrix, named: sp.csr_matrix | None) -> sp.csr_matrix:
    """Similarities times PLACE_PENALTY where both rows name places and share none: the same
    problem in two estates is two matters."""
    if named is None:
        return sims
    from gongzhi.text.duplicates import PLACE_PENALTY

    has = sp.diags((np.diff(named.indptr) > 0).astype(np.float32))
    shared = (named @ named.T).astype(bool).astype(np.float32)
    both = (has @ sims @ has).tocsr()
    apart = both - both.multiply(shared)
    return (sims - apart * (1.0 - PLACE_PENALTY)).tocsr()


def _groups(x: sp.csr_matrix, threshold: float, named: sp.csr_matrix | None = None) -> list[list[int]]:
    """Average-linkage groups with mean similarity ≥ threshold (components of the similarity
    graph first, so the dense clustering only ever sees one component at a time)."""
    from scipy.sparse.csgraph import connected_components
    from sklearn.cluster import AgglomerativeClustering

    n = x.shape[0]
    sims = _place_weighed((x @ x.T).tocsr(), named)
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


def _merge(
    x: sp.csr_matrix, groups: list[list[int]], at: float, named: sp.csr_matrix | None = None
) -> list[list[int]]:
    """Join groups whose centroids are at least `at` similar (average linkage sometimes splits
    one issue told in two ways, e.g. "捆绑销售车位" from buyers and from railway staff)."""
    from scipy.sparse.csgraph import connected_components

    if len(groups) < 2:
        return groups
    cent = sp.vstack([sp.csr_matrix(x[g].mean(axis=0)) for g in groups]).tocsr()
    norms = np.sqrt(np.asarray(cent.multiply(cent).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    cent = sp.diags(1.0 / norms) @ cent
    group_named = None
    if named is not None:
        group_named = sp.vstack([sp.csr_matrix(named[g].max(axis=0)) for g in groups]).tocsr()
    sims = _place_weighed((cent @ cent.T).tocsr(), group_named)
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
    threshold: float = 0.3,
    min_size: int = 3,
    now: dt.datetime | None = None,
    recent_days: float = 30,
    words: Words | None = None,
    merge_at: float = 0.3,
    repost_at: float = 0.8,
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
    words = words or Words()
    for members in places.values():
        if len(members) < 2:
            continue
        part = [items[i] for i in members]
        x, families = _collapse_reposts(_vectors(part, words), repost_at)
        named = _place_matrix(part)
        named = sp.vstack([sp.csr_matrix(named[f].max(axis=0)) for f in families]).tocsr()
        found = _merge(x, _groups(x, threshold, named), merge_at, named)
        grouped = {f for g in found for f in g}
        # A family of reposts is a group of its own even when nothing else joins it.
        found += [[f] for f in range(len(families)) if f not in grouped and len(families[f]) > 1]
        for g in found:
            groups.append([members[j] for f in g for j in families[f]])
    groups = [g for g in groups if len(g) >= min_size]
    if not groups:
        return []
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


# ---------------------------------------------------------------- evaluation against readings


@dataclass
class IssueScore:
    name: str
    size: int
    best_jaccard: float
    best_size: int


def agreed_issues(readings: dict[str, dict[str, set]], *, overlap: float = 0.3) -> dict[str, set]:
    """The issues two readings agree on: for each pair of issues of two different readers whose
    Jaccard index is at least `overlap`, the messages both put in it."""
    names = sorted(readings)
    out: dict[str, set] = {}
    for n, first in enumerate(names):
        for second in names[n + 1 :]:
            for i, a in readings[first].items():
                for j, b in readings[second].items():
                    if a and b and len(a & b) / len(a | b) >= overlap:
                        out[f"{first}:{i}∩{second}:{j}"] = a & b
    return out


def evaluate(clusters: Sequence[Cluster], issues: dict[str, set]) -> list[IssueScore]:
    """For each issue, the cluster with the highest Jaccard index against it."""
    sets = [{str(i) for i in c.ids} for c in clusters]
    scores = []
    for name, members in issues.items():
        wanted = {str(i) for i in members}
        best, best_size = 0.0, 0
        for found in sets:
            score = len(wanted & found) / len(wanted | found)
            if score > best:
                best, best_size = score, len(found)
        scores.append(IssueScore(name, len(wanted), best, best_size))
    return scores
