import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.metrics import f1_score, make_scorer

from threshold_estimator import SaturatedScoresWarning, TunedThreshold, tune_threshold
from threshold_estimator.objectives import cost


def _network_outputs(n=3000, rate=0.1, seed=0):
    """Labels and the logits of a network that separates them well."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < rate
    logits = 12 * y + 4 * rng.normal(size=n) - 8
    return y.astype(np.int64), logits


def _overconfident(n=2000, seed=0):
    """Labels and logits of an overconfident network: most above 17, where a
    float32 sigmoid is exactly 1."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.5
    return y.astype(np.int64), 20 + 16 * y + 8 * rng.normal(size=n)


def _sigmoid(logits, dtype=np.float64):
    logits = logits.astype(dtype)
    return 1 / (1 + np.exp(-logits))


def test_threshold_is_the_best_of_every_cut():
    y, logits = _network_outputs(n=400)
    p = _sigmoid(logits)
    tuned = tune_threshold(y, p, scoring="f1", n_resamples=0)
    best = max(f1_score(y, p >= t) for t in np.unique(p))
    assert f1_score(y, tuned.predict(p)) == pytest.approx(best)
    assert tuned.score == pytest.approx(best)
    # The threshold lies strictly between two distinct scores.
    assert tuned.threshold not in set(p)


@pytest.mark.parametrize(
    "shape", ["vector", "keras column", "two columns", "float32", "list"]
)
def test_scores_of_every_shape_give_the_same_threshold(shape):
    y, logits = _network_outputs(n=500)
    p = _sigmoid(logits)
    given = {
        "vector": p,
        "keras column": p.reshape(-1, 1),
        "two columns": np.column_stack([1 - p, p]),
        "float32": p.astype(np.float32).astype(np.float64),
        "list": p.tolist(),
    }[shape]
    reference = tune_threshold(y, p, scoring="f1", n_resamples=0)
    tuned = tune_threshold(y.reshape(-1, 1), given, scoring="f1", n_resamples=0)
    assert tuned.threshold == pytest.approx(reference.threshold, rel=1e-6)


def test_two_columns_take_the_column_of_pos_label():
    y, logits = _network_outputs(n=500)
    p = _sigmoid(logits)
    tuned = tune_threshold(
        y, np.column_stack([1 - p, p]), scoring="f1", pos_label=0, n_resamples=0
    )
    direct = tune_threshold(y, 1 - p, scoring="f1", pos_label=0, n_resamples=0)
    assert tuned.threshold == direct.threshold
    assert (tuned.predict(1 - p) == direct.predict(1 - p)).all()


def test_bootstrap_interval_is_seeded_and_holds_the_threshold():
    y, logits = _network_outputs(n=1500)
    p = _sigmoid(logits)
    first = tune_threshold(y, p, scoring="f1", n_resamples=100, random_state=1)
    again = tune_threshold(y, p, scoring="f1", n_resamples=100, random_state=1)
    other = tune_threshold(y, p, scoring="f1", n_resamples=100, random_state=2)
    assert first.interval == again.interval
    assert first.interval != other.interval
    low, high = first.interval
    assert low < first.threshold < high
    wider = tune_threshold(
        y, p, scoring="f1", n_resamples=100, confidence_level=0.99, random_state=1
    )
    assert wider.interval[0] <= low and wider.interval[1] >= high
    assert tune_threshold(y, p, n_resamples=0).interval is None


def test_bootstrap_interval_narrows_with_more_samples():
    widths = []
    for n in (400, 10_000):
        y, logits = _network_outputs(n=n)
        tuned = tune_threshold(
            y, logits, scoring="f1", score_type="logit", random_state=0
        )
        widths.append(tuned.interval[1] - tuned.interval[0])
    assert widths[1] < 0.75 * widths[0]


def test_curve_is_bounded_and_holds_the_threshold():
    y, logits = _network_outputs(n=5000)
    tuned = tune_threshold(y, logits, score_type="logit", n_resamples=0)
    assert tuned.curve.thresholds.size <= 1000
    assert (np.diff(tuned.curve.thresholds) < 0).all()
    assert tuned.threshold in tuned.curve.thresholds
    assert tuned.curve.scores.max() == pytest.approx(tuned.score)


def test_scorer_and_per_sample_costs_work_as_in_the_estimator():
    y, logits = _network_outputs(n=400)
    by_name = tune_threshold(y, logits, scoring="f1", score_type="logit", n_resamples=0)
    by_scorer = tune_threshold(
        y, logits, scoring=make_scorer(f1_score), score_type="logit", n_resamples=0
    )
    assert f1_score(y, by_scorer.predict(logits)) == pytest.approx(by_name.score)
    amount = np.linspace(1, 100, y.size)
    costly = tune_threshold(
        y,
        logits,
        scoring=cost(fp=1, fn="amount"),
        score_type="logit",
        amount=amount,
        n_resamples=10,
        random_state=0,
    )
    flat = tune_threshold(
        y, logits, scoring=cost(fp=1, fn=1), score_type="logit", n_resamples=0
    )
    # Missed positives cost up to 100 times more: more samples are flagged.
    assert costly.predict(logits).sum() > flat.predict(logits).sum()


def test_keras_float32_saturated_column_end_to_end(tmp_path):
    """A Keras model.predict output: (n, 1) float32 sigmoids, many exactly 1."""
    skops_io = pytest.importorskip("skops.io")
    y, logits = _overconfident()
    p_val = _sigmoid(logits, np.float32).reshape(-1, 1)
    assert np.mean(p_val == 1.0) > 0.5
    with pytest.warns(SaturatedScoresWarning, match="score_type='logit'"):
        tuned = tune_threshold(y, p_val, scoring="f1", random_state=0)
    path = tmp_path / "threshold.skops"
    skops_io.dump(tuned, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    assert all(
        name.startswith(("threshold_estimator.", "sklearn.")) for name in untrusted
    )
    loaded = skops_io.load(path, trusted=untrusted)
    p_new = _sigmoid(logits[::-1], np.float32).reshape(-1, 1)
    assert (loaded.predict(p_new) == tuned.predict(p_new)).all()
    assert loaded.threshold == tuned.threshold
    assert loaded.interval == tuned.interval
    # Pickle too, and the file holds no sample.
    assert pickle.loads(pickle.dumps(tuned)).threshold == tuned.threshold
    assert path.stat().st_size < 100_000


def test_logits_separate_what_a_float32_sigmoid_saturates():
    y, logits = _overconfident()
    p = _sigmoid(logits, np.float32)
    with pytest.warns(SaturatedScoresWarning):
        from_probabilities = tune_threshold(y, p, scoring="f1", n_resamples=0)
    from_logits = tune_threshold(
        y, logits, scoring="f1", score_type="logit", n_resamples=0
    )
    assert from_logits.score > from_probabilities.score + 0.05


def test_saturated_scores_warn_once_per_clause_at_the_callers_line():
    y, logits = _overconfident()
    p = _sigmoid(logits, np.float32)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        tune_threshold(y, p, scoring="f1", n_resamples=0)
    (tied,) = [w for w in record if w.category is SaturatedScoresWarning]
    # Past tune_threshold and scikit-learn's validate_params: this line.
    assert tied.filename == __file__
    message = str(tied.message)
    assert message.startswith("The scores in y_score are tied: ")
    assert "samples share the score 1" in message
    clauses = re.split(r"[,.:;]\s+", message.rstrip("."))
    assert len(clauses) == len(set(clauses)), message


def test_small_distinct_float32_probabilities_do_not_warn():
    """A network's float32 sigmoids, nearly all below 1e-6 but distinct, keep
    the order of its logits: tuning on either gives the same decisions."""
    rng = np.random.default_rng(0)
    y = (rng.random(945) < 0.1).astype(np.int64)
    logits = np.where(y, 5, -20) + 3 * rng.normal(size=y.size)
    p = _sigmoid(logits, np.float32).astype(np.float64)
    assert np.mean(p < 1e-6) > 0.8 and np.unique(p).size == y.size
    with warnings.catch_warnings():
        warnings.simplefilter("error", SaturatedScoresWarning)
        tuned = tune_threshold(y, p, scoring="f1", n_resamples=0)
    on_logits = tune_threshold(
        y, logits, scoring="f1", score_type="logit", n_resamples=0
    )
    np.testing.assert_array_equal(tuned.predict(p), on_logits.predict(logits))


@pytest.mark.parametrize("score_type", ["logit", "probability"])
def test_ties_away_from_0_and_1_get_advice_for_ties(score_type):
    """Rounded logits, or the vote shares of five neighbours: no sigmoid to
    undo."""
    y, logits = _network_outputs(n=400)
    scores = (
        np.round(logits / 10)
        if score_type == "logit"
        else np.round(_sigmoid(logits) * 5) / 5
    )
    with pytest.warns(SaturatedScoresWarning, match="distinct scores") as record:
        tune_threshold(y, scores, score_type=score_type, n_resamples=0)
    message = str(record[0].message)
    assert "A model with finer scores" in message
    assert "score_type='logit'" not in message


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"y_score": [0.2, 1.5, 0.4, 0.9]},
            ValueError,
            r"outside \[0, 1\].*score_type='logit'",
        ),
        ({"y_score": [0.2, np.nan, 0.4, 0.9]}, ValueError, "1 NaN or infinite"),
        ({"y_score": [0.2, 0.4, 0.9]}, ValueError, "y_true has 4 samples but y_score"),
        ({"y_score": [0.5, 0.5, 0.5, 0.5]}, ValueError, "y_score is constant"),
        ({"y_score": np.ones((4, 3))}, ValueError, "3 columns"),
        (
            {"y_true": [0, 1, 2, 1]},
            ValueError,
            r"shape \(4,\), but there are 3 classes",
        ),
        ({"pos_label": 3}, ValueError, r"pos_label=3 is not a class"),
        (
            {"y_true": ["ham", "spam", "ham", "spam"], "scoring": "f1"},
            ValueError,
            r"pos_label=None, but scoring='f1'.*Pass pos_label=",
        ),
        ({"n_resamples": -1}, ValueError, "n_resamples"),
        (
            {"y_score": [[0.2, 0.1], [0.8, 0.3], [0.3, 0.2], [0.6, 0.9]]},
            ValueError,
            "two columns whose rows do not sum to 1",
        ),
        (
            {"sample_weight": [1, 0, 1, 0]},
            ValueError,
            "sample_weight is zero for every sample of class 1",
        ),
        ({"score_type": "logits"}, ValueError, "score_type"),
        ({"amount": [1, 2, 3, 4]}, TypeError, r"unexpected arguments \['amount'\]"),
        (
            {"scoring": cost(fn="amount")},
            ValueError,
            "reads the per-sample array 'amount'",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, error, match):
    given = {"y_true": [0, 1, 0, 1], "y_score": [0.1, 0.8, 0.3, 0.6], **kwargs}
    with pytest.raises(error, match=match):
        tune_threshold(given.pop("y_true"), given.pop("y_score"), **given)


def test_string_labels_with_pos_label_or_a_symmetric_objective():
    y = np.array(["ham", "spam", "ham", "spam", "ham"])
    scores = [0.1, 0.8, 0.3, 0.6, 0.7]
    tuned = tune_threshold(y, scores, scoring="f1", pos_label="spam", n_resamples=0)
    assert list(tuned.predict([0.05, 0.9])) == ["ham", "spam"]
    symmetric = tune_threshold(y, scores, scoring="balanced_accuracy", n_resamples=0)
    assert symmetric.pos_label == "spam"


def test_predict_checks_its_scores():
    tuned = tune_threshold([0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6], n_resamples=0)
    assert isinstance(tuned, TunedThreshold)
    with pytest.raises(ValueError, match="outside"):
        tuned.predict([2.0])
    with pytest.raises(ValueError, match="3 columns but the rule has two classes"):
        tuned.predict(np.ones((2, 3)))
    # Two columns are a softmax's, as in tuning: pos_label's column is read.
    assert tuned.predict(np.array([[0.9, 0.1], [0.2, 0.8]])).tolist() == [0, 1]
    assert "TunedThreshold(threshold=" in repr(tuned)


def test_input_is_not_mutated():
    y, logits = _network_outputs(n=300)
    p = _sigmoid(logits, np.float32).reshape(-1, 1)
    y_copy, p_copy = y.copy(), p.copy()
    tune_threshold(y, p, n_resamples=5, random_state=0)
    assert (y == y_copy).all() and (p == p_copy).all()
