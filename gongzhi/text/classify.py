"""A CPU text classifier for Chinese complaints: character 1–2-grams and lexicon words, TF-IDF, a
linear SVM whose decision values become probabilities through one fitted temperature. Seeded and
deterministic; no model is downloaded.

`CategoryModel` is what `text.services` trains and stores, and what `gongzhi text evaluate` and
`gongzhi text cv` measure. jieba runs only at training time, to find the words of the training
set (plus the local names); a message is then read by matching that lexicon, and its score is a
sparse dot product (`CategoryModel.scores`), about a tenth of a millisecond.

Pure Python and scikit-learn (no Django), so the evaluation commands run on any CSV and the
trained pipeline pickles into a `text.ModelVersion`.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import threading
import unicodedata
from collections import Counter
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


def char_grams(text: str) -> list[str]:
    """Character 1- and 2-grams of the lowercased text (what `CategoryModel` reads besides words)."""
    text = text.lower()
    return list(text) + [text[i : i + 2] for i in range(len(text) - 1)]


class Lexicon:
    """The words of a training set (jieba's segmentation of it, plus local names), found in a
    message by matching: every lexicon word that occurs in the text, overlaps included. Matching
    costs a dictionary look-up per position and word length, where segmenting with jieba costs
    milliseconds; on the labelled messages it also scores higher (0.905 against 0.901 macro-F1)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in words if 2 <= len(w) <= 20)
        lengths: dict[str, set[int]] = {}
        for w in self.words:
            lengths.setdefault(w[0], set()).add(len(w))
        self.lengths = {ch: tuple(sorted(ns)) for ch, ns in lengths.items()}

    def __call__(self, text: str) -> list[str]:
        words, lengths, out = self.words, self.lengths, []
        for i, ch in enumerate(text):
            for n in lengths.get(ch, ()):
                piece = text[i : i + n]
                if piece in words:
                    out.append(piece)
        return out


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class CategoryModel:
    """The deployed classifier: TF-IDF of character 1–2-grams and of lexicon words (each block
    l2-normalised), a balanced `LinearSVC`, and probabilities = softmax(decision / T) with one
    temperature T fitted on out-of-fold decision values of the training set. A single T divides
    every class's score alike, so the calibrated argmax is the SVM's argmax: calibration cannot
    cost accuracy. Picklable (it is what `text.ModelVersion.blob` holds)."""

    def __init__(
        self, *, user_words: Iterable[str] = (), seed: int = SEED, C: float = 0.5, calibrate: bool = True
    ) -> None:
        self.user_words = sorted({w.strip() for w in user_words if w and len(w.strip()) >= 2})
        self.seed, self.C, self.calibrate = seed, C, calibrate
        self.temperature = 1.0

    # -------------------------------------------------------------- training

    def _blocks(self, texts: Sequence[str], fit: bool = False):
        import scipy.sparse as sp

        docs = list(texts)
        if fit:
            self.chars = TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, min_df=2)
            self.words = TfidfVectorizer(analyzer=self.lexicon, sublinear_tf=True, min_df=2)
            a, b = self.chars.fit_transform(docs), self.words.fit_transform(docs)
        else:
            a, b = self.chars.transform(docs), self.words.transform(docs)
        return sp.hstack([a, b]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str], sample_weight=None) -> CategoryModel:
        texts, labels = list(texts), [str(y) for y in labels]
        segment = Words(self.user_words)
        found = Counter(w for t in texts for w in set(segment(t)) if len(w) >= 2)
        self.lexicon = Lexicon([w for w, n in found.items() if n >= 2] + self.user_words)
        x = self._blocks(texts, fit=True)
        y = np.array(labels, dtype=object)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.svm = LinearSVC(C=self.C, class_weight="balanced", random_state=self.seed, dual="auto")
        self.svm.fit(x, y, sample_weight=weights)
        self.classes_ = np.array([str(c) for c in self.svm.classes_], dtype=object)
        self.temperature = 1.0
        if self.calibrate:
            self.temperature = self._fit_temperature(x, y, weights)
        self._compile()
        return self

    def _fit_temperature(self, x, y, weights) -> float:
        """T minimising the log-loss of softmax(decision / T) on 3-fold out-of-fold decisions."""
        from scipy.optimize import minimize_scalar

        counts = Counter(y)
        if len(counts) < 2 or min(counts.values()) < 3:
            return 1.0
        decision = np.zeros((len(y), len(self.classes_)))
        index = {c: i for i, c in enumerate(self.classes_)}
        for train, held in StratifiedKFold(n_splits=3, shuffle=True, random_state=self.seed).split(x, y):
            svm = LinearSVC(C=self.C, class_weight="balanced", random_state=self.seed, dual="auto")
            svm.fit(x[train], y[train], sample_weight=None if weights is None else weights[train])
            cols = [index[str(c)] for c in svm.classes_]
            part = svm.decision_function(x[held])
            if part.ndim == 1:  # two classes: one column, the second class's score
                part = np.column_stack([-part, part])
            decision[np.ix_(held, cols)] = part
        truth = np.array([index[str(c)] for c in y])

        def loss(log_t: float) -> float:
            z = decision / math.exp(log_t)
            z = z - z.max(axis=1, keepdims=True)
            return float(-(z[np.arange(len(truth)), truth] - np.log(np.exp(z).sum(axis=1))).mean())

        return float(math.exp(minimize_scalar(loss, bounds=(-6.0, 3.0), method="bounded").x))

    def _compile(self) -> None:
        """The predict path's arrays: vocabularies, idf, the weights as a dense (features ×
        classes) matrix, so that one message costs look-ups and a gather, no validation."""
        coef = np.asarray(self.svm.coef_, dtype=np.float64)
        intercept = np.asarray(self.svm.intercept_, dtype=np.float64)
        if len(self.classes_) == 2:  # one hyperplane: class 1's score, class 0's is its negative
            coef, intercept = np.vstack([-coef[0], coef[0]]), np.array([-intercept[0], intercept[0]])
        self._weights = np.ascontiguousarray(coef.T)
        self._intercept = intercept
        self._offset = len(self.chars.vocabulary_)
        self._char_idf = self.chars.idf_
        self._word_idf = self.words.idf_
        del self.svm  # its coefficients live on in _weights
        for vectorizer in (self.chars, self.words):  # the terms min_df dropped: not needed, large
            if hasattr(vectorizer, "stop_words_"):
                del vectorizer.stop_words_

    # -------------------------------------------------------------- prediction

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Batch decision values (scikit-learn's transform and product), one row per text."""
        return np.asarray(self._blocks(texts) @ self._weights) + self._intercept

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return _softmax(self.decision_function(texts) / self.temperature)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.classes_[self.decision_function(texts).argmax(axis=1)]

    @staticmethod
    def _block(grams: list[str], vocabulary: dict, idf: np.ndarray, offset: int):
        idx, tf = [], []
        for gram, n in Counter(grams).items():
            j = vocabulary.get(gram)
            if j is not None:
                idx.append(j + offset)
                tf.append((1.0 + math.log(n)) * idf[j])
        values = np.array(tf)
        norm = math.sqrt(float(values @ values)) if tf else 0.0
        return idx, (values / norm if norm else values)

    def scores(self, text: str) -> np.ndarray:
        """Decision values for one message: the same features as `decision_function`, computed
        by hand (TF-IDF with sublinear tf, l2 per block) and dotted with the weights."""
        i1, v1 = self._block(char_grams(text), self.chars.vocabulary_, self._char_idf, 0)
        i2, v2 = self._block(self.lexicon(text), self.words.vocabulary_, self._word_idf, self._offset)
        out = self._intercept.copy()
        if i1:
            out += v1 @ self._weights[i1]
        if i2:
            out += v2 @ self._weights[i2]
        return out

    def proba(self, text: str) -> np.ndarray:
        return _softmax(self.scores(text)[None, :] / self.temperature)[0]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def build_model(*, user_words: Iterable[str] = (), seed: int = SEED, calibrate: bool = True) -> CategoryModel:
    """The classifier as deployed (what `text.services` trains and the commands measure)."""
    return CategoryModel(user_words=user_words, seed=seed, calibrate=calibrate)


@dataclass
class Labelled:
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    times: list[dt.datetime | None] = field(default_factory=list)

    def subset(self, index: Iterable[int]) -> Labelled:
        index = list(index)
        return Labelled(
            [self.ids[i] for i in index],
            [self.texts[i] for i in index],
            [self.labels[i] for i in index],
            [self.times[i] for i in index],
        )


_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
)


def parse_time(value: str) -> dt.datetime | None:
    """The time column of a labelled or messages file ("2020/1/6 12:09:38", ISO); None if empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


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
            out.times.append(parse_time(row.get("time", "")))
    return out


def split_by_time(data: Labelled, *, test_share: float = 0.2) -> tuple[Labelled, Labelled]:
    """The older (1 − test_share) of the rows by their time column to learn from, the newest
    test_share to judge by (rows without a time count as oldest). Ties keep file order."""
    if not 0 < test_share < 1:
        raise ValueError("test_share must be between 0 and 1")
    oldest = dt.datetime.min
    order = sorted(range(len(data.labels)), key=lambda i: (data.times[i] or oldest, i))
    cut = len(order) - max(1, round(len(order) * test_share))
    return data.subset(order[:cut]), data.subset(order[cut:])


@dataclass
class Report:
    accuracy: float
    macro_f1: float
    rows: list[tuple[str, float, float, float, int]]  # label, precision, recall, f1, support
    top3: float | None = None

    def lines(self) -> list[str]:
        out = [f"accuracy {self.accuracy:.3f}"]
        if self.top3 is not None:
            out.append(f"top-3 accuracy {self.top3:.3f}")
        out += ["", f"{_pad('category', 16)}  precision  recall     f1  support"]
        for label, p, r, f, n in self.rows:
            out.append(f"{_pad(label, 16)}  {p:9.3f}  {r:6.3f}  {f:5.3f}  {n:7d}")
        out += ["", f"macro-F1 {self.macro_f1:.3f}"]
        return out


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def report(
    y_true: Sequence[str], y_pred: Sequence[str], top3: Sequence[Sequence[str]] | None = None
) -> Report:
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    rows = [(lab, float(p[i]), float(r[i]), float(f[i]), int(n[i])) for i, lab in enumerate(labels)]
    hits = None
    if top3 is not None:
        hits = sum(y in best for y, best in zip(y_true, top3, strict=True)) / max(1, len(y_true))
    return Report(
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(
            f1_score(y_true, y_pred, labels=sorted(set(y_true)), average="macro", zero_division=0)
        ),
        rows=rows,
        top3=hits,
    )


def _ranked(model, texts: Sequence[str], k: int = 3) -> tuple[list[str], list[list[str]]]:
    """The best label and the k best labels of each text, by the model's probabilities."""
    proba = model.predict_proba(list(texts))
    classes = [str(c) for c in model.classes_]
    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    best = [[classes[j] for j in row] for row in order]
    return [b[0] for b in best], best


def evaluate(train: Labelled, test: Labelled, *, user_words: Iterable[str] = (), seed: int = SEED) -> Report:
    """Train the deployed model (`build_model`) on one set, report on the other."""
    model = build_model(user_words=user_words, seed=seed).fit(train.texts, train.labels)
    predicted, best = _ranked(model, test.texts)
    return report(test.labels, predicted, best)


def cross_validate(
    data: Labelled, *, folds: int = 5, user_words: Iterable[str] = (), seed: int = SEED
) -> tuple[Report, list[float]]:
    """Stratified k-fold of the deployed model; the pooled report over all held-out predictions
    and each fold's macro-F1."""
    labels = np.array(data.labels, dtype=object)
    predicted: list[str] = [""] * len(labels)
    best: list[list[str]] = [[] for _ in labels]
    per_fold = []
    for train_idx, test_idx in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
        labels, labels
    ):
        train, test = data.subset(train_idx), data.subset(test_idx)
        model = build_model(user_words=user_words, seed=seed).fit(train.texts, train.labels)
        pred, top = _ranked(model, test.texts)
        for j, i in enumerate(test_idx):
            predicted[i], best[i] = pred[j], top[j]
        per_fold.append(float(f1_score(test.labels, pred, average="macro", zero_division=0)))
    return report(list(labels), predicted, best), per_fold


def top_k(model, text: str, k: int = 3) -> list[tuple[str, float]]:
    """The k most likely labels with their calibrated probabilities, best first. A
    `CategoryModel` answers by its one-message path; an older pickled pipeline by predict_proba."""
    proba = model.proba(text) if hasattr(model, "proba") else model.predict_proba([text])[0]
    classes = model.classes_
    order = np.argsort(-proba, kind="stable")[:k]
    return [(str(classes[i]), float(proba[i])) for i in order]
