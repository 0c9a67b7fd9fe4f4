"""Likely duplicates: similar text, nearby, recent. Pure Python + numpy/scipy (no Django).

`DuplicateIndex` keeps, for every indexed case, a short TF-IDF vector of its character 2–3-grams
(hashed, so adding a case needs no refit; only the top `keep` terms, so a million cases fit in a
few hundred MB), its time and place. A query looks only at the cases in the 3×3 map cells around
the point (≈ 500 m cells) or, without a point, at the cases of the subdistrict, inside the time
window (binary search on the time-sorted buckets), and ranks them by cosine similarity.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

from gongzhi.text.classify import normalise

CELL_DEG = 0.005  # ≈ 555 m of latitude; a 3×3 block covers any 500 m radius at Chinese latitudes
N_FEATURES = 2**20


def haversine_m(lat1: float, lng1: float, lat2, lng2):
    """Great-circle distance in metres (scalars or numpy arrays for the second point)."""
    p1, p2 = math.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lng2) - math.radians(lng1)
    a = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6_371_000 * np.arcsin(np.sqrt(a))


@dataclass
class Row:
    id: Hashable
    text: str
    lat: float | None = None
    lng: float | None = None
    when: dt.datetime | None = None
    subdistrict: Hashable = None


@dataclass
class Match:
    id: Hashable
    score: float
    distance_m: float | None


def _ts(when: dt.datetime | None) -> float:
    return when.timestamp() if when is not None else 0.0


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return int(math.floor(lat / CELL_DEG)), int(math.floor(lng / CELL_DEG))


class DuplicateIndex:
    def __init__(self, *, keep: int = 48) -> None:
        self.keep = keep
        self.hasher = HashingVectorizer(
            analyzer="char", ngram_range=(2, 3), n_features=N_FEATURES, alternate_sign=False, norm=None
        )
        self.idf: TfidfTransformer | None = None
        self._seen: np.ndarray | None = None
        self.ids: list[Hashable] = []
        self._lat: list[float] = []
        self._lng: list[float] = []
        self._ts: list[float] = []
        self._blocks: list[sp.csr_matrix] = []
        self._matrix: sp.csr_matrix | None = None
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        self._subdistricts: dict[Hashable, list[int]] = defaultdict(list)
        self._sorted: dict = {}

    # ------------------------------------------------------------ building

    @classmethod
    def build(cls, rows: Iterable[Row], *, keep: int = 48, idf_sample: int = 50_000) -> DuplicateIndex:
        """An index of `rows`; the IDF weights come from (up to `idf_sample` of) them."""
        rows = sorted(rows, key=lambda r: _ts(r.when))
        index = cls(keep=keep)
        step = max(1, len(rows) // idf_sample)
        sample = [normalise(r.text) for r in rows[::step]] or [""]
        index.idf = TfidfTransformer(sublinear_tf=True).fit(index.hasher.transform(sample))
        index.add(rows)
        return index

    def _vectors(self, texts: list[str], *, truncate: bool = True) -> sp.csr_matrix:
        """Unit TF-IDF vectors over the grams seen when the index was built (a gram nobody used
        then can match nothing, and weighing it would make indexed rows and queries disagree);
        indexed rows keep only their `keep` heaviest grams, queries keep all."""
        assert self.idf is not None
        if self._seen is None:
            idf = self.idf.idf_
            self._seen = idf < idf.max() - 1e-9
        m = self.idf.transform(self.hasher.transform([normalise(t) for t in texts])).tocsr()
        m.data[~self._seen[m.indices]] = 0.0
        m.eliminate_zeros()
        if truncate and self.keep:
            m = _top_k_rows(m, self.keep)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ m, dtype=np.float32)

    def add(self, rows: Iterable[Row], *, chunk: int = 20_000) -> None:
        """Append rows (ideally in time order, as new cases arrive)."""
        rows = list(rows)
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            self._blocks.append(self._vectors([r.text for r in part]))
            for r in part:
                i = len(self.ids)
                self.ids.append(r.id)
                self._lat.append(r.lat if r.lat is not None else math.nan)
                self._lng.append(r.lng if r.lng is not None else math.nan)
                self._ts.append(_ts(r.when))
                if r.lat is not None and r.lng is not None:
                    self._cells[_cell(r.lat, r.lng)].append(i)
                if r.subdistrict is not None:
                    self._subdistricts[r.subdistrict].append(i)
        self._matrix = None
        self._arrays = None
        self._sorted = {}

    def __len__(self) -> int:
        return len(self.ids)

    def _ready(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
        if self._matrix is None:
            self._matrix = sp.vstack(self._blocks).tocsr() if self._blocks else sp.csr_matrix((0, N_FEATURES))
            self._blocks = [self._matrix]
        if self._arrays is None:
            self._arrays = (np.array(self._lat), np.array(self._lng), np.array(self._ts))
        return self._matrix, *self._arrays

    def _bucket(self, key, members: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """A bucket's row numbers sorted by time, with their times (cached until the next add)."""
        found = self._sorted.get(key)
        if found is None:
            idx = np.fromiter(members, dtype=np.int64)
            ts = self._ready()[3][idx]
            order = np.argsort(ts, kind="stable")
            found = self._sorted[key] = (idx[order], ts[order])
        return found

    # ------------------------------------------------------------ querying

    def query(
        self,
        text: str,
        lat: float | None = None,
        lng: float | None = None,
        when: dt.datetime | None = None,
        *,
        subdistrict: Hashable = None,
        radius_m: float = 500.0,
        days: float = 60.0,
        min_score: float = 0.25,
        limit: int = 5,
        exclude: Iterable[Hashable] = (),
    ) -> list[Match]:
        """The indexed rows most similar to `text`, best first: within `radius_m` of the point
        (or anywhere in the subdistrict when the query has no point, or everywhere when it has
        neither), reported in the `days` before `when`."""
        if not len(self.ids):
            return []
        matrix, lats, lngs, _times = self._ready()
        t_hi = _ts(when) if when is not None else math.inf
        t_lo = t_hi - days * 86400 if when is not None else -math.inf
        parts = []
        if lat is not None and lng is not None:
            ci, cj = _cell(lat, lng)
            reach = max(1, math.ceil(radius_m / (CELL_DEG * 111_000)))
            for di in range(-reach, reach + 1):
                for dj in range(-reach, reach + 1):
                    key = (ci + di, cj + dj)
                    if key in self._cells:
                        parts.append(self._window(("c", key), self._cells[key], t_lo, t_hi))
            if subdistrict is not None and subdistrict in self._subdistricts:
                sub, _ = self._window_pair(("s", subdistrict), self._subdistricts[subdistrict], t_lo, t_hi)
                parts.append(sub[np.isnan(lats[sub])])  # cases of the subdistrict with no point
        elif subdistrict is not None:
            if subdistrict in self._subdistricts:
                parts.append(self._window(("s", subdistrict), self._subdistricts[subdistrict], t_lo, t_hi))
        else:
            parts.append(self._window(("all",), range(len(self.ids)), t_lo, t_hi))
        if not parts:
            return []
        cand = np.unique(np.concatenate(parts))
        if exclude:
            drop = set(exclude)
            cand = np.array([i for i in cand if self.ids[i] not in drop], dtype=np.int64)
        if not len(cand):
            return []
        dist = None
        if lat is not None and lng is not None:
            dist = haversine_m(lat, lng, lats[cand], lngs[cand])
            near = np.isnan(dist) | (dist <= radius_m)
            cand, dist = cand[near], dist[near]
        q = self._vectors([text], truncate=False)
        scores = np.asarray((matrix[cand] @ q.T).todense()).ravel()
        keep = scores >= min_score
        order = np.argsort(-scores[keep], kind="stable")[:limit]
        cand_k = cand[keep][order]
        out = []
        for pos, i in enumerate(cand_k):
            d = None
            if dist is not None:
                d_val = dist[keep][order][pos]
                d = None if math.isnan(d_val) else float(d_val)
            out.append(Match(self.ids[i], float(scores[keep][order][pos]), d))
        return out

    def _window_pair(self, key, members, t_lo: float, t_hi: float) -> tuple[np.ndarray, np.ndarray]:
        idx, ts = self._bucket(key, members)
        lo, hi = np.searchsorted(ts, t_lo, "left"), np.searchsorted(ts, t_hi, "right")
        return idx[lo:hi], ts[lo:hi]

    def _window(self, key, members, t_lo: float, t_hi: float) -> np.ndarray:
        return self._window_pair(key, members, t_lo, t_hi)[0]


def _top_k_rows(m: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the k largest entries of each row."""
    m = m.tocsr()
    m.sort_indices()
    indptr, indices, data = m.indptr, m.indices, m.data
    new_ptr = [0]
    new_idx, new_data = [], []
    for r in range(m.shape[0]):
        a, b = indptr[r], indptr[r + 1]
        if b - a > k:
            sel = np.argpartition(-data[a:b], k - 1)[:k]
            sel.sort()
            new_idx.append(indices[a:b][sel])
            new_data.append(data[a:b][sel])
        else:
            new_idx.append(indices[a:b])
            new_data.append(data[a:b])
        new_ptr.append(new_ptr[-1] + len(new_idx[-1]))
    if not new_idx:
        return m
    return sp.csr_matrix(
        (np.concatenate(new_data), np.concatenate(new_idx), np.array(new_ptr)), shape=m.shape
    )


# ---------------------------------------------------------------- all pairs and repost groups (the CSV command)

# A named place or body: the two characters before a place word, and the word ("联丰路", "春天小区",
# "阳光幼儿园"). Two complaints written from one template about different estates, KTVs or
# kindergartens share almost every gram but none of these.
_PLACE_WORDS = (
    "小区|花园|家园|公寓|新村|新城|苑|广场|大厦|社区|弄|路|街|大道|巷|村|镇|"
    "幼儿园|小学|中学|学校|医院|KTV|酒吧|公司|市场|超市|商场|酒店|宾馆|工地|楼盘|厂"
)
_PLACE = re.compile(rf"([\u4e00-\u9fa5A-Za-z0-9]{{2}})({_PLACE_WORDS})")
# How much a pair's score keeps when both texts name places and no place is shared.
PLACE_PENALTY = 0.5


# Words that end like a place but name none ("居民小区", "周边小区", "有限公司").
_NOT_A_NAME = frozenset(
    [
        "居民",
        "物业",
        "周边",
        "附近",
        "目前",
        "我们",
        "这个",
        "那个",
        "所在",
        "本地",
        "有限",
        "建了",
        "孩子",
        "什么",
        "两个",
        "这些",
        "我的",
        "的小",
        "个小",
    ]
)


def places(text: str) -> frozenset[str]:
    """The named places and bodies in a text (see `_PLACE`)."""
    return frozenset(a + b for a, b in _PLACE.findall(normalise(text)) if a not in _NOT_A_NAME)


def _place_factor(a: frozenset[str], b: frozenset[str]) -> float:
    return PLACE_PENALTY if a and b and not (a & b) else 1.0


def all_pairs(
    ids: list[Hashable],
    texts: list[str],
    *,
    min_score: float = 0.6,
    times: list[dt.datetime | None] | None = None,
    days: float | None = None,
    chunk: int = 512,
) -> list[tuple[Hashable, Hashable, float]]:
    """Every pair of texts whose score is ≥ min_score, best first. The score is the cosine
    similarity of full TF-IDF vectors of char 2–3-grams (IDF from the texts themselves), halved
    when both texts name places and share none (`places`); optionally only pairs reported within
    `days` of each other.

    Rows are compared a `chunk` at a time against all others and only the pairs above the
    threshold are kept, so memory grows with the number of texts and of pairs found, not with
    its square."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < 2:
        return []
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32)
    x = vec.fit_transform([normalise(t) for t in texts]).tocsc()
    # Grams in one text add nothing to any dot product; grams in more than 5% of the texts (and more than 20) add
    # little and cost most of the time (every pair shares them). Vectors keep their full norm, so
    # a score is the cosine over the informative grams (a slight underestimate).
    df = np.diff(x.indptr)
    cols = np.nonzero((df >= 2) & (df <= max(20, 0.05 * x.shape[0])))[0]
    x = x[:, cols].tocsr()
    xt = x.T.tocsc()
    named = [places(t) for t in texts]
    out = []
    for lo in range(0, x.shape[0], chunk):
        block = (x[lo : lo + chunk] @ xt).tocoo()
        rows, cols_, data = block.row + lo, block.col, block.data
        keep = (cols_ > rows) & (data >= min_score)
        for a, j, s in zip(rows[keep].tolist(), cols_[keep].tolist(), data[keep].tolist(), strict=True):
            score = s * _place_factor(named[a], named[j])
            if score < min_score:
                continue
            if (
                days is not None
                and times is not None
                and times[a]
                and times[j]
                and abs((times[a] - times[j]).total_seconds()) > days * 86400
            ):
                continue
            out.append((ids[a], ids[j], float(score)))
    out.sort(key=lambda p: (-p[2], str(p[0]), str(p[1])))
    return out


def repost_groups(
    ids: list[Hashable],
    texts: list[str],
    *,
    min_score: float = 0.6,
    times: list[dt.datetime | None] | None = None,
    days: float | None = None,
) -> list[list[Hashable]]:
    """Families of reposts: the connected groups of `all_pairs` (two or more texts each),
    largest first, each in the order of `ids`. One family is one matter told again, not every
    pair of its members."""
    position = {key: n for n, key in enumerate(ids)}
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, _score in all_pairs(ids, texts, min_score=min_score, times=times, days=days):
        ra, rb = root(position[a]), root(position[b])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    families: dict[int, list[int]] = defaultdict(list)
    for i in range(len(ids)):
        families[root(i)].append(i)
    groups = [[ids[i] for i in members] for members in families.values() if len(members) > 1]
    groups.sort(key=lambda g: (-len(g), position[g[0]]))
    return groups
