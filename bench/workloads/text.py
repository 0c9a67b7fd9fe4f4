"""Text on the public messages (`../shared/data/messages/public_messages.csv`, 4,326 messages
of a real mayor's message board) and the labelled set (`labelled.csv`).

- **duplicate grouping**: `repost_groups` (row chunks against all, pairs above the threshold kept,
  place penalty, families by union–find); reference: the pairwise product of the whole matrix
  (`triu(X @ X.T)`, how pairs were found before), in the same run. Peak memory of each is traced.
- **category model**: training time of the deployed `classify.CategoryModel` on `labelled.csv`,
  prediction of one message through `classify.top_k` (what intake calls; p50 and p99), and the
  macro-F1 of a time split (train on the older 80 %, test on the newest 20 %); reference: the
  former deployed pipeline (`classify.build_pipeline()`: jieba words, `CalibratedClassifierCV`),
  measured in the same run on the same rows.

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

    rows.extend(category_rows(labelled, log))
    return rows


def category_rows(labelled: Path, log) -> list[Row]:
    """Training (timed without tracemalloc, which slows pure-Python tokenising several-fold),
    one message through `top_k`, and a time split; each beside the former pipeline."""
    from gongzhi.text.classify import build_model, build_pipeline, read_labelled, report, split_by_time, top_k

    rows: list[Row] = []
    data = read_labelled(labelled)
    docs = data.texts
    log(f"text: training the category model on {len(docs):,} labelled messages")
    deployed, train_s = _timed(lambda: build_model().fit(docs, data.labels))
    former, former_s = _timed(lambda: build_pipeline().fit(docs, data.labels))
    rows.append(
        Row(
            "category model: training",
            f"{len(docs):,} messages",
            f"{train_s:.1f} s (CategoryModel, temperature on 3 folds)",
            f"{former_s:.1f} s former pipeline (calibrated, 3 folds)",
            ratio=train_s / former_s if former_s else None,
            values={"seconds": train_s, "reference_seconds": former_s},
        )
    )
    sample = docs[:300]
    ours = _per_message(lambda text: top_k(deployed, text, k=len(deployed.classes_)), sample)
    theirs = _per_message(lambda text: top_k(former, text, k=len(former.classes_)), sample)
    rows.append(
        Row(
            "category model: one message (top_k, as intake)",
            f"{len(sample)} messages",
            f"p50 {ours[0] * 1000:.2f} ms, p99 {ours[1] * 1000:.2f} ms",
            f"former pipeline p50 {theirs[0] * 1000:.2f} ms, p99 {theirs[1] * 1000:.2f} ms",
            ratio=ours[0] / theirs[0] if theirs[0] else None,
            values={"p50_ms": ours[0] * 1000, "p99_ms": ours[1] * 1000, "reference_p50_ms": theirs[0] * 1000},
        )
    )
    older, newer = split_by_time(data)
    log(f"text: time split, {len(older.labels):,} older / {len(newer.labels):,} newer")
    f1 = report(newer.labels, list(build_model().fit(older.texts, older.labels).predict(newer.texts)))
    f1_former = report(
        newer.labels, list(build_pipeline().fit(older.texts, older.labels).predict(newer.texts))
    )
    rows.append(
        Row(
            "category model: time split macro-F1",
            f"{len(older.labels):,} older / {len(newer.labels):,} newer",
            f"macro-F1 {f1.macro_f1:.3f}, accuracy {f1.accuracy:.3f}",
            f"former pipeline macro-F1 {f1_former.macro_f1:.3f}, accuracy {f1_former.accuracy:.3f}",
            values={"macro_f1": f1.macro_f1, "reference_macro_f1": f1_former.macro_f1},
        )
    )
    return rows


def _timed(fn):
    began = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - began


def _per_message(fn, texts: list[str]) -> tuple[float, float]:
    """p50 and p99 seconds of fn on one text at a time (after one warm-up call)."""
    fn(texts[0])
    times = []
    for text in texts:
        began = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - began)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]
