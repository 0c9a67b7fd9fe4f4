"""Text on the public messages (`../shared/data/messages/public_messages.csv`, 4,326 messages
of a real mayor's message board) and the labelled set (`labelled.csv`).

- **duplicate grouping**: `repost_groups` (row chunks against all, pairs above the threshold kept,
  place penalty, families by union–find); reference: the pairwise product of the whole matrix
  (`triu(X @ X.T)`, how pairs were found before), in the same run. Peak memory of each is traced.
- **category model**: training time of the deployed pipeline on `labelled.csv`, and prediction of
  one message (p50); reference: the same pipeline without calibration.

Skipped with a reason where ../shared is absent (a clone alone).
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

from bench.measure import Row

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "messages"


def _traced(fn):
    tracemalloc.start()
    began = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def _full_product_pairs(texts: list[str], min_score: float) -> int:
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

    from gongzhi.text.classify import normalise

    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32)
    x = vec.fit_transform([normalise(t) for t in texts]).tocsc()
    df = np.diff(x.indptr)
    x = x[:, np.nonzero((df >= 2) & (df <= max(20, 0.05 * x.shape[0])))[0]].tocsr()
    sims = sp.triu(x @ x.T, k=1).tocoo()
    return int((sims.data >= min_score).sum())


def run(scale, log) -> list[Row]:
    messages, labelled = DATA / "public_messages.csv", DATA / "labelled.csv"
    if not messages.exists() or not labelled.exists():
        reason = f"{DATA} is absent (../shared is for development; a clone alone has no messages)"
        return [Row("text", "", "", skipped=reason)]
    from gongzhi.text.classify import build_pipeline, read_labelled
    from gongzhi.text.duplicates import repost_groups
    from gongzhi.text.messages import read_messages

    msgs = read_messages(messages)
    ids, texts = [m.id for m in msgs], [m.text for m in msgs]
    log(f"text: grouping reposts among {len(msgs):,} messages")
    groups, subject, subject_mb = _traced(lambda: repost_groups(ids, texts, min_score=0.5))
    pairs, reference, reference_mb = _traced(lambda: _full_product_pairs(texts, 0.5))
    rows = [
        Row(
            "duplicate grouping (public messages)",
            f"{len(msgs):,} messages",
            f"{subject:.1f} s, peak {subject_mb:,.0f} MiB, {len(groups)} families",
            f"whole product {reference:.1f} s, peak {reference_mb:,.0f} MiB, {pairs} raw pairs",
            ratio=subject / reference if reference else None,
            values={"seconds": subject, "peak_mib": subject_mb, "reference_peak_mib": reference_mb},
        )
    ]

    data = read_labelled(labelled)
    docs = data.texts
    log(f"text: training the category model on {len(docs):,} labelled messages")
    deployed, train_s, _ = _traced(lambda: build_pipeline().fit(docs, data.labels))
    plain, plain_s, _ = _traced(lambda: build_pipeline(calibrate=False).fit(docs, data.labels))
    rows.append(
        Row(
            "category model: training",
            f"{len(docs):,} messages",
            f"{train_s:.1f} s (calibrated, as deployed)",
            f"{plain_s:.1f} s uncalibrated",
            ratio=train_s / plain_s if plain_s else None,
        )
    )
    sample = docs[:200]
    times = []
    for text in sample:
        began = time.perf_counter()
        deployed.predict_proba([text])
        times.append(time.perf_counter() - began)
    plain_times = []
    for text in sample:
        began = time.perf_counter()
        plain.predict([text])
        plain_times.append(time.perf_counter() - began)
    times.sort()
    plain_times.sort()
    p50, ref50 = times[len(times) // 2], plain_times[len(plain_times) // 2]
    rows.append(
        Row(
            "category model: one message",
            f"{len(sample)} messages",
            f"p50 {p50 * 1000:.2f} ms",
            f"uncalibrated p50 {ref50 * 1000:.2f} ms",
            ratio=p50 / ref50 if ref50 else None,
        )
    )
    return rows
