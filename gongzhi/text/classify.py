"""A CPU text classifier for Chinese complaints: jieba words and character n-grams, TF-IDF, a
linear SVM with calibrated probabilities. Seeded and deterministic; no model is downloaded.

Pure Python and scikit-learn (no Django), so the evaluation commands run on any CSV and the
trained pipeline pickles into a `text.ModelVersion`.
"""

from __future__ import annotations

import csv
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

SEED = 20260
# Anonymised or generic place prefixes ("A市", "A3区", "B7县") carry no class information.
_PLACEHOLDER = re.compile(r"[A-Z][0-9]*[市区县]")
_SPACE = re.compile(r"\s+")
_jieba_lock = threading.Lock()


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters to half-width), placeholders out, spaces squeezed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _PLACEHOLDER.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def document(title: str, detail: str) -> str:
    """The text the model reads: the title twice (it is the densest part), then the details."""
    title = normalise(title)
    return f"{title}。{title}。{normalise(detail)}"


class Words:
    """jieba segmentation with a user dictionary of local names (estates, roads, units).

    A private `jieba.Tokenizer`, so that one deployment's words do not leak into another's;
    built lazily and dropped when pickled (the words themselves are kept)."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self.user_words = sorted({w.strip() for w in user_words if w and len(w.strip()) >= 2})
        self._tokenizer = None

    def __getstate__(self) -> dict:
        return {"user_words": self.user_words, "_tokenizer": None}

    def _get(self):
        if self._tokenizer is None:
            self._tokenizer = _tokenizer_for(tuple(self.user_words))
        return self._tokenizer

    def __call__(self, text: str) -> list[str]:
        return [w for w in self._get().lcut(text, HMM=True) if w.strip() and not _is_punct(w)]


_tokenizers: dict[tuple[str, ...], object] = {}


def _tokenizer_for(user_words: tuple[str, ...]):
    """One jieba tokenizer per distinct user dictionary in this process (loading jieba's own
    dictionary takes a second or two)."""
    with _jieba_lock:
        found = _tokenizers.get(user_words)
        if found is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            found = jieba.Tokenizer()
            found.initialize()
            for word in user_words:
                found.add_word(word, freq=2000)
            if len(_tokenizers) > 8:
                _tokenizers.clear()
            _tokenizers[user_words] = found
        return found


def _is_punct(word: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PZS" for ch in word)


def build_pipeline(*, user_words: Iterable[str] = (), seed: int = SEED, calibrate: bool = True) -> Pipeline:
    words = Words(user_words)
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=300_000
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    tokenizer=words,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=(1, 1),
                    sublinear_tf=True,
                    min_df=2,
                    max_features=200_000,
                ),
            ),
        ]
    )
    svm = LinearSVC(C=0.5, class_weight="balanced", random_state=seed, dual="auto")
    model = CalibratedClassifierCV(svm, cv=3, method="sigmoid") if calibrate else svm
    return Pipeline([("features", features), ("model", model)])


@dataclass
class Labelled:
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


def read_labelled(path: str | Path) -> Labelled:
    """A CSV with columns id,title,detail,time,category (the labelled messages format)."""
    out = Labelled()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            label = (row.get("category") or "").strip()
            if not label:
                continue
            out.ids.append(row.get("id", ""))
            out.texts.append(document(row.get("title", ""), row.get("detail", "")))
            out.labels.append(label)
    return out


@dataclass
class Report:
    accuracy: float
    macro_f1: float
    rows: list[tuple[str, float, float, float, int]]  # label, precision, recall, f1, support

    def lines(self) -> list[str]:
        out = [
            f"accuracy {self.accuracy:.3f}",
            "",
            f"{_pad('category', 16)}  precision  recall     f1  support",
        ]
        for label, p, r, f, n in self.rows:
            out.append(f"{_pad(label, 16)}  {p:9.3f}  {r:6.3f}  {f:5.3f}  {n:7d}")
        out += ["", f"macro-F1 {self.macro_f1:.3f}"]
        return out


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def report(y_true: Sequence[str], y_pred: Sequence[str]) -> Report:
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    rows = [(lab, float(p[i]), float(r[i]), float(f[i]), int(n[i])) for i, lab in enumerate(labels)]
    return Report(
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(
            f1_score(y_true, y_pred, labels=sorted(set(y_true)), average="macro", zero_division=0)
        ),
        rows=rows,
    )


def evaluate(train: Labelled, test: Labelled, *, user_words: Iterable[str] = (), seed: int = SEED) -> Report:
    pipe = build_pipeline(user_words=user_words, seed=seed, calibrate=False)
    pipe.fit(train.texts, train.labels)
    return report(test.labels, list(pipe.predict(test.texts)))


def cross_validate(
    data: Labelled, *, folds: int = 5, user_words: Iterable[str] = (), seed: int = SEED
) -> tuple[Report, list[float]]:
    """Stratified k-fold; the pooled report over all held-out predictions and each fold's F1."""
    texts, labels = np.array(data.texts, dtype=object), np.array(data.labels, dtype=object)
    predicted = np.empty(len(labels), dtype=object)
    per_fold = []
    for train_idx, test_idx in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
        texts, labels
    ):
        pipe = build_pipeline(user_words=user_words, seed=seed, calibrate=False)
        pipe.fit(list(texts[train_idx]), list(labels[train_idx]))
        predicted[test_idx] = pipe.predict(list(texts[test_idx]))
        per_fold.append(
            float(
                f1_score(list(labels[test_idx]), list(predicted[test_idx]), average="macro", zero_division=0)
            )
        )
    return report(list(labels), list(predicted)), per_fold


def top_k(pipe: Pipeline, text: str, k: int = 3) -> list[tuple[str, float]]:
    """The k most likely labels with their calibrated probabilities, best first."""
    proba = pipe.predict_proba([text])[0]
    classes = pipe.classes_
    order = np.argsort(-proba, kind="stable")[:k]
    return [(str(classes[i]), float(proba[i])) for i in order]
