"""A network's outputs from validation to production, without PyTorch.

The README's story for people who trained a network elsewhere: float32
sigmoid outputs saturated at 1.0, tuned on the logits instead, saved and
loaded as a file, then new data whose class balance moved: its balance
estimated from the new scores alone, the threshold re-derived, the drift
checked, and "not sure" where the scores are unclear.
"""

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.metrics import f1_score

from threshold_estimator import SaturatedScoresWarning, TunedThreshold, tune_threshold
from threshold_estimator.persistence import dump, load


def _network(n_samples, positive_share, seed, fainter=1.0):
    """Labels and an overconfident network's float32 logits."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n_samples) < positive_share).astype(int)
    logits = 40 * (fainter * 3 * y + rng.normal(size=n_samples)) - 40
    return y, logits.astype(np.float32)


def test_a_networks_outputs_from_validation_to_a_shifted_production(tmp_path):
    y_val, logits_val = _network(4000, 0.15, seed=0)
    p_val = expit(logits_val).astype(np.float32).reshape(-1, 1)
    assert np.mean(p_val == 1.0) > 0.05  # saturated, as a float32 sigmoid is

    with pytest.warns(SaturatedScoresWarning, match="score_type='logit'"):
        tune_threshold(y_val, p_val, scoring="f1", n_resamples=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SaturatedScoresWarning)
        tuned = tune_threshold(
            y_val,
            logits_val,
            scoring="f1",
            score_type="logit",
            abstention={"precision": 0.95},
            random_state=0,
        )
    low, high = tuned.interval
    assert low <= tuned.threshold <= high

    path = tmp_path / "threshold.skops"
    dump(tuned, path)
    loaded = load(path)
    assert isinstance(loaded, TunedThreshold)
    assert np.array_equal(loaded.predict(logits_val), tuned.predict(logits_val))

    # Production: half positives instead of 15%, labels unknown.
    y_new, logits_new = _network(4000, 0.5, seed=1)
    assert loaded.check_drift(logits_new).verdict == "balance shift"
    prior = loaded.estimate_class_prior(logits_new)
    assert abs(prior[1] - y_new.mean()) < 0.03
    assert prior.interval[0, 1] <= y_new.mean() <= prior.interval[1, 1]
    shifted = loaded.with_class_prior(prior)
    assert repr(shifted).startswith("TunedThreshold(threshold=")
    assert "class_prior=[0.4" in repr(shifted) or "class_prior=[0.5" in repr(shifted)
    stale = f1_score(y_new, loaded.predict(logits_new))
    rederived = f1_score(y_new, shifted.predict(logits_new))
    assert rederived > stale + 0.01

    # Fainter inputs move the scores themselves: no threshold fixes that.
    _, logits_faint = _network(4000, 0.5, seed=2, fainter=0.5)
    assert loaded.check_drift(logits_faint).verdict == "scores changed"

    labels, coverage = shifted.predict_with_abstention(logits_new, marker=-1)
    assert 0.5 < coverage < 1
    answered = labels != -1
    assert np.array_equal(labels[answered], shifted.predict(logits_new)[answered])
