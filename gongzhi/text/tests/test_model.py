"""The deployed category model on constructed data: the evaluation commands (two files and
--split time), the temperature that keeps the argmax, and the one-message path that equals the
batch path (scikit-learn's vectorizers and the SVM) without scikit-learn's input validation."""

from __future__ import annotations

import datetime as dt
import io
import pickle
import random

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.svm import LinearSVC

from gongzhi.text import classify

from .helpers import TOPICS, topic_text, write_rows

FIELDS = ["id", "title", "detail", "time", "category"]
LABELS = {"charging": "消防安全", "rubbish": "环境卫生", "noise": "噪音扰民"}


def _rows(n_per_topic: int = 25, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1, 8, 0)
    rows = []
    for n in range(n_per_topic):
        for k, topic in enumerate(TOPICS):
            title, detail = topic_text(topic, rng)
            when = start + dt.timedelta(hours=5 * (3 * n + k))
            rows.append(
                {
                    "id": str(len(rows) + 1),
                    "title": title,
                    "detail": detail,
                    "time": when.strftime("%Y/%-m/%-d %H:%M:%S"),
                    "category": LABELS[topic],
                }
            )
    rng.shuffle(rows)  # the file is not in time order; the split must sort
    return rows


@pytest.fixture(scope="module")
def data() -> classify.Labelled:
    out = classify.Labelled()
    for r in _rows():
        out.ids.append(r["id"])
        out.texts.append(classify.document(r["title"], r["detail"]))
        out.labels.append(r["category"])
        out.times.append(classify.parse_time(r["time"]))
    return out


@pytest.fixture(scope="module")
def model(data) -> classify.CategoryModel:
    return classify.build_model(user_words=["魅力之城小区"]).fit(data.texts, data.labels)


UNSEEN = ["魅力之城小区楼道飞线充电", "", "ＡＢＣ１２３ 全角", "完全无关的文字：天气很好", "垃圾"]


def test_one_message_path_equals_the_batch_path(model, data):
    texts = data.texts[:30] + [classify.document(t, t) for t in UNSEEN]
    batch = model.decision_function(texts)
    one = np.array([model.scores(t) for t in texts])
    assert np.allclose(batch, one, atol=1e-12, rtol=0)
    assert np.allclose(model.predict_proba(texts), np.array([model.proba(t) for t in texts]), atol=1e-12)


def test_batch_path_is_the_svm_on_the_pipelines_features(model, data):
    """The decision values are scikit-learn's: the same vectorizers' features, a LinearSVC fitted
    with the same settings gives the same scores."""
    x = model._blocks(data.texts)
    svm = LinearSVC(C=model.C, class_weight="balanced", random_state=model.seed, dual="auto").fit(
        x, data.labels
    )
    assert list(svm.classes_) == list(model.classes_)
    assert np.allclose(svm.decision_function(x), model.decision_function(data.texts), atol=1e-9)


def test_calibration_keeps_the_argmax(model, data):
    assert model.temperature != 1.0  # fitted on out-of-fold decisions
    proba = model.predict_proba(data.texts)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == model.decision_function(data.texts).argmax(axis=1)).all()
    plain = classify.build_model(calibrate=False).fit(data.texts, data.labels)
    assert plain.temperature == 1.0
    assert list(plain.predict(data.texts)) == list(model.predict(data.texts))


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (5, 4), elements=st.floats(-20, 20, allow_nan=False)),
    st.floats(0.01, 50, allow_nan=False),
)
def test_a_temperature_never_changes_the_ranking(decision, temperature):
    proba = classify._softmax(decision / temperature)
    assert np.allclose(proba.sum(axis=1), 1.0)
    for row, p in zip(decision, proba, strict=True):
        assert p[row.argmax()] == p.max()  # the best score stays the most probable
        # Strictly larger scores stay strictly more probable (where the softmax can tell them apart).
        for a in range(len(row)):
            for b in range(len(row)):
                if row[a] > row[b]:
                    assert p[a] >= p[b]


def test_one_message_needs_no_scikit_learn_validation(model, monkeypatch):
    import sklearn.utils.validation as validation

    def refuse(*args, **kwargs):
        raise AssertionError("scikit-learn input validation in the one-message path")

    monkeypatch.setattr(validation, "check_array", refuse)
    ranked = classify.top_k(model, classify.document("楼道飞线充电", "电瓶车私拉电线充电"), k=3)
    assert ranked[0][0] == "消防安全"
    assert ranked[0][1] >= ranked[1][1] >= ranked[2][1]


def test_the_model_pickles_and_answers_alike(model):
    again = pickle.loads(pickle.dumps(model))
    text = classify.document("小区门口垃圾堆放", "好几天没有清运，臭味严重")
    assert classify.top_k(again, text) == classify.top_k(model, text)
    assert classify.top_k(again, text)[0][0] == "环境卫生"


def test_local_names_are_words_of_the_lexicon(model):
    assert "魅力之城小区" in model.lexicon("魅力之城小区一楼的夜宵摊")


def test_two_classes_work():
    texts = ["楼道飞线充电危险"] * 4 + ["垃圾堆放臭味严重"] * 4
    labels = ["a"] * 4 + ["b"] * 4
    m = classify.build_model().fit(texts, labels)
    assert m.predict(["飞线充电"])[0] == "a"
    assert np.allclose(m.scores("垃圾臭味"), m.decision_function(["垃圾臭味"])[0])


def test_split_by_time_trains_on_the_older_part(data):
    train, test = classify.split_by_time(data, test_share=0.2)
    assert len(test.labels) == round(len(data.labels) * 0.2)
    assert len(train.labels) + len(test.labels) == len(data.labels)
    assert max(train.times) < min(test.times)


# ------------------------------------------------------------ the commands


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("model")
    rows = _rows()
    return {
        "all": write_rows(folder / "all.csv", rows, FIELDS),
        "train": write_rows(folder / "train.csv", rows[:60], FIELDS),
        "test": write_rows(folder / "test.csv", rows[60:], FIELDS),
        "untimed": write_rows(folder / "untimed.csv", [{**r, "time": ""} for r in rows], FIELDS),
    }


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("text", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _spy(monkeypatch) -> list:
    built = []
    real = classify.build_model

    def spy(**kwargs):
        model = real(**kwargs)
        built.append(model)
        return model

    monkeypatch.setattr(classify, "build_model", spy)
    return built


def test_evaluate_two_files_measures_the_deployed_model(files, monkeypatch):
    built = _spy(monkeypatch)
    out, err = _run("evaluate", "--train", str(files["train"]), "--test", str(files["test"]))
    assert len(built) == 1 and built[0].calibrate and built[0].temperature != 1.0
    lines = out.strip().splitlines()
    assert lines[0].startswith("accuracy ") and lines[1].startswith("top-3 accuracy ")
    assert lines[-1].startswith("macro-F1 ")
    for label in LABELS.values():
        assert label in out
    assert "train 60, test 15" in err


def test_evaluate_split_time(files):
    out, err = _run("evaluate", "--split", "time", str(files["all"]))
    assert "time split: train up to 2024-" in err
    assert "train 60, test 15" in err
    assert float(out.strip().splitlines()[-1].split()[1]) >= 0.9
    out, err = _run("evaluate", "--split", "time", "--test-share", "0.4", str(files["all"]))
    assert "train 45, test 30" in err


def test_evaluate_refuses_bad_arguments(files):
    with pytest.raises(CommandError, match="--split time"):
        _run("evaluate", "--split", "time", "--train", str(files["train"]), str(files["all"]))
    with pytest.raises(CommandError, match="--train"):
        _run("evaluate", str(files["all"]))
    with pytest.raises(CommandError, match="time column"):
        _run("evaluate", "--split", "time", str(files["untimed"]))
    with pytest.raises(CommandError, match="test-share"):
        _run("evaluate", "--split", "time", "--test-share", "1.5", str(files["all"]))


def test_cv_uses_the_deployed_model(files, monkeypatch):
    built = _spy(monkeypatch)
    out, _err = _run("cv", str(files["all"]), "--folds", "3")
    assert len(built) == 3 and all(m.calibrate for m in built)
    assert out.startswith("folds ") and "top-3 accuracy" in out


def test_services_train_the_same_model(monkeypatch):
    from gongzhi.text import services

    built = _spy(monkeypatch)
    texts = [classify.document(*topic_text(t, random.Random(i))) for i in range(6) for t in TOPICS]
    labels = [t for _i in range(6) for t in TOPICS]
    model, dropped = services._fit(texts, labels, ["魅力之城小区"], [1.0] * len(labels))
    assert built == [model] and dropped == []
    assert isinstance(model, classify.CategoryModel)
