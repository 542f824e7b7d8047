"""The fragility checks and report rows, as functions of arrays (no fit)."""

import re

import numpy as np
import pytest

from threshold_estimator import _diagnostics
from threshold_estimator.exceptions import (
    FewSamplesWarning,
    FoldDisagreementWarning,
    InfeasibleFoldsWarning,
    PositiveRateWarning,
    SaturatedScoresWarning,
    ThresholdAtEdgeWarning,
)
from threshold_estimator.objectives import constrained, cost, cost_matrix, fbeta

CLASSES = np.array(["a", "b", "c"])


def _float32_sigmoid(logits):
    """A network's output: the float32 sigmoid of its logits, cast to float64."""
    logits = np.asarray(logits, dtype=np.float32)
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-logits))).astype(np.float64)


# Large logits: most outputs sit on float32's last steps below 1, few at 1.
LOGITS = np.random.default_rng(0).normal(loc=15, scale=2, size=200)


def test_few_samples_names_the_fold_and_the_class():
    counts = np.array([[40, 10, 6], [41, 9, 4], [40, 10, 5]])
    ((category, message),) = _diagnostics.few_samples(counts, CLASSES)
    assert category is FewSamplesWarning
    assert "fold 1 holds only 4 samples of class 'c'" in message
    assert _diagnostics.few_samples(counts + 1, CLASSES) == []


@pytest.mark.parametrize(
    "scores, is_probability, threshold, reason",
    [
        (
            np.repeat([0.1, 0.9], 50),
            True,
            None,
            "the 100 samples take only 2 distinct scores, so the threshold has 3 "
            "places to go",
        ),
        (
            np.r_[np.zeros(60), np.linspace(0.1, 0.9, 40)],
            False,
            None,
            "60 of the 100 samples share the score 0, so they fall on the same "
            "side of any threshold",
        ),
        # A network's float32 outputs, most of them exactly 1.
        (
            np.r_[np.ones(60), np.linspace(0.1, 0.9, 40)],
            True,
            0.5,
            "60 of the 100 samples share the score 1, so",
        ),
        # Ten samples tied just above the threshold flip together.
        (
            np.r_[np.full(10, 0.7), np.linspace(0.01, 0.99, 90)],
            False,
            0.695,
            "10 of the 100 samples share the score 0.7 just above the threshold "
            "tuned on these scores, 0.695, so moving the threshold past that score "
            "flips 10 predictions at once",
        ),
        (
            np.r_[np.linspace(0.01, 0.99, 96), np.full(4, 0.7)],
            False,
            0.695,
            "",
        ),
        # Distinct probabilities within 1e-6 of 0 and 1: small, not tied.
        (
            np.r_[np.full(30, 1e-9), np.full(30, 1 - 1e-9) - np.arange(30) * 1e-12]
            + np.r_[np.arange(30) * 1e-12, np.zeros(30)],
            True,
            0.5,
            "",
        ),
        # A network's outputs a few float32 steps below 1, all distinct.
        (
            1 - np.r_[np.linspace(1.5e-7, 9e-7, 60), np.linspace(0.1, 0.9, 40)],
            True,
            1 - 5e-7,
            "",
        ),
        # Distinct small floats around the threshold keep the model's order.
        (
            np.r_[1e-7, 3e-8, 8e-8, 2e-7, 5e-9, 4e-7, np.linspace(0.01, 1, 94)],
            True,
            9e-8,
            "",
        ),
        (np.linspace(0, 1, 100), True, 0.5, ""),
    ],
)
def test_saturation_is_about_ties(scores, is_probability, threshold, reason):
    found = _diagnostics.saturation(scores, is_probability, threshold)
    assert found.startswith(reason) and bool(found) == bool(reason)


def test_float32_sigmoid_ties_are_named_where_the_threshold_meets_them():
    scores = _float32_sigmoid(LOGITS)
    values, counts = np.unique(scores, return_counts=True)
    # The outputs next to 1 fall on float32's steps: 44 of 200 are exactly 1,
    # 38 one step below, but no value holds half of them.
    assert (values[-2:] == [1 - 2.0**-23, 1]).all()
    assert counts[-2:].tolist() == [38, 44]
    assert _diagnostics.saturation(scores, True) == ""
    assert _diagnostics.saturation(scores, True, threshold=0.5) == ""
    assert _diagnostics.saturation(scores, True, threshold=1 - 2.0**-24) == (
        "44 of the 200 samples share the score 1 just above the threshold tuned "
        "on these scores, 0.9999999404, so moving the threshold past that score "
        "flips 44 predictions at once"
    )


def test_distinct_float32_steps_around_the_threshold_are_no_tie():
    # A sixth of the probabilities on float32's last steps below 1, distinct:
    # the sigmoid's rounding merges scores but never swaps them.
    steps = 1 - np.arange(1, 17) * 2.0**-24
    scores = np.r_[steps, np.linspace(0.01, 0.99, 80)]
    assert _diagnostics.saturation(scores, True, threshold=1 - 2.5 * 2.0**-24) == ""
    # The same steps, 20 samples on each: those next to the threshold flip
    # together.
    tied = np.r_[np.repeat(steps, 20), np.linspace(0.01, 0.99, 80)]
    assert _diagnostics.saturation(tied, True, threshold=1 - 2.5 * 2.0**-24) == (
        "20 of the 400 samples share the score 0.999999881 just above the "
        "threshold tuned on these scores, 0.999999851, so moving the threshold "
        "past that score flips 20 predictions at once"
    )


def _clauses(message):
    return re.split(r"[,.:;]\s+", message.rstrip("."))


def test_saturated_scores_name_the_first_saturated_fold():
    folds = [np.linspace(0, 1, 50), np.repeat([0.2, 0.8], 25)]
    ((category, message),) = _diagnostics.saturated_scores(folds, True, "Advice.")
    assert category is SaturatedScoresWarning
    assert message.startswith("The held-out scores of fold 1 are tied")
    # Ties away from 0 and 1 are no matter of response or calibration: the
    # caller's advice is for probabilities squashed against 0 and 1.
    assert message.endswith("gives the threshold samples to separate.")
    # Probabilities that all sit at 0 or 1 are squashed there.
    ((_, message),) = _diagnostics.saturated_scores(
        [np.repeat([0.0, 1.0], 25)], True, "Advice."
    )
    assert message.endswith("3 places to go. Advice.")
    squashed = [np.linspace(0.1, 0.9, 50), _float32_sigmoid(LOGITS)]
    ((_, message),) = _diagnostics.saturated_scores(
        squashed, True, "Advice.", fold_thresholds=[0.5, 1 - 2.0**-24]
    )
    assert message.startswith("The held-out scores of fold 1 are tied: 44 of")
    assert message.endswith("flips 44 predictions at once. Advice.")
    away = _diagnostics.saturated_scores(squashed, True, "Advice.", [0.5, 0.5])
    assert away == []


@pytest.mark.parametrize(
    "scores, threshold",
    [
        (np.repeat([0.2, 0.8], 25), None),
        (np.r_[np.ones(60), np.linspace(0.1, 0.9, 40)], 0.5),
        (np.r_[np.full(10, 0.7), np.linspace(0.01, 0.99, 90)], 0.695),
    ],
)
def test_each_clause_of_a_saturation_message_appears_once(scores, threshold):
    ((_, message),) = _diagnostics.saturated_scores(
        [scores], True, "Use logits: they keep ties apart.", [threshold], ["y_score"]
    )
    assert message.startswith("y_score are tied: ")
    clauses = _clauses(message)
    assert len(clauses) == len(set(clauses)), message


def test_fold_disagreement_of_two_classes_counts_the_positives():
    counts = np.array([[90, 10], [70, 30], [85, 15]])
    ((category, message),) = _diagnostics.fold_disagreement(
        counts, np.array([0.6, 0.3, 0.5]), "median", np.array([0, 1])
    )
    assert category is FoldDisagreementWarning
    assert "(0.6, 0.3, 0.5): they predict between 10 and 30 of 100" in message
    assert "aggregation='pooled'" in message
    pooled = _diagnostics.fold_disagreement(
        counts, np.array([0.6, 0.3, 0.5]), "pooled", np.array([0, 1])
    )
    assert "aggregation='pooled'" not in pooled[0][1]
    steady = np.array([[90, 10], [88, 12], [89, 11]])
    assert _diagnostics.fold_disagreement(steady, None, "pooled", None) == []


def test_fold_disagreement_of_more_classes_names_the_class():
    counts = np.array([[70, 20, 10], [72, 20, 8], [60, 18, 22]])
    ((_, message),) = _diagnostics.fold_disagreement(
        counts, np.ones((3, 3)) / 3, "pooled", CLASSES
    )
    assert "for class 'c': they predict it for between 8 and 22 of 100" in message


def test_one_class_predicted():
    ((category, message),) = _diagnostics.one_class_predicted(
        np.array([0, 100]), "f1", edge="0.01 lies below"
    )
    assert category is ThresholdAtEdgeWarning
    assert message.startswith("The tuned threshold 0.01 lies below every")
    ((_, message),) = _diagnostics.one_class_predicted(np.array([0, 100, 0]), "f1")
    assert message.startswith("The tuned thresholds predict one class")
    assert _diagnostics.one_class_predicted(np.array([5, 95]), "f1") == []


def test_predicted_rate_checks_the_given_classes():
    predicted, actual = np.array([50, 49, 1]), np.array([40, 40, 20])
    ((category, message),) = _diagnostics.predicted_rate(
        predicted, actual, CLASSES, range(3)
    )
    assert category is PositiveRateWarning
    assert "1.00% of the held-out samples are predicted as class 'c'" in message
    assert _diagnostics.predicted_rate(predicted, actual, CLASSES, [0, 1]) == []
    two = _diagnostics.predicted_rate(
        np.array([40, 60]), np.array([95, 5]), np.array([0, 1]), [1]
    )
    assert "60.00% of the held-out samples are predicted positive" in two[0][1]


def test_predicted_rate_compares_weighted_shares():
    # 100 positives of weight 19 and 1900 negatives: half the weight each.
    actual = np.array([1900.0, 1900.0])
    flagged = np.array([1200.0, 1700.0])  # 1100 negatives, 50 positives
    assert _diagnostics.predicted_rate(flagged, actual, np.array([0, 1]), [1]) == []
    ((category, message),) = _diagnostics.predicted_rate(
        np.array([3724.0, 76.0]),
        actual,
        np.array([0, 1]),
        [1],
        weighted="sample_weight",
    )
    assert category is PositiveRateWarning
    assert (
        "2.00% of the held-out samples, weighted by sample_weight, are predicted "
        "positive, against 50.00% positive: more than ten times apart" in message
    )


def test_summary_rows_and_their_format():
    rows = _diagnostics.multiclass_summary_rows(
        CLASSES,
        np.array([0.5, 0.3, 0.2]),
        np.array([[0.4, 0.4, 0.2], [0.6, 0.2, 0.2]]),
        np.array([0.14, 0.14, 0.0]),
        "one search over the 2 folds pooled",
    )
    assert rows[1] == ("t[a]", "0.5 (folds 0.4 to 0.6, std 0.14)")
    rows.append(_diagnostics.held_out_row("f1_macro", 0.5, np.array([0.4, 0.6])))
    text = _diagnostics.format_rows(rows).splitlines()
    assert text[-1] == "held-out f1_macro  0.500 (folds 0.400 to 0.600)"
    assert all(line[18] == " " != line[19] for line in text)  # one column of values
    missed = _diagnostics.held_out_row(
        "x", None, np.array([0.4, -np.inf]), "the threshold misses it in fold 2"
    )
    assert missed[1] == "none: the threshold misses it in fold 2"


@pytest.mark.parametrize(
    "rule, start",
    [
        ("tuned", "one search over the 5 folds pooled"),
        ("argmax", "plain argmax: tuning did not validate better"),
        ("prior", "the prior rule p_k / prior_k"),
    ],
)
def test_how_aggregated_says_which_rule_was_kept(rule, start):
    assert _diagnostics.how_aggregated("pooled", 5, rule).startswith(start)


@pytest.mark.parametrize(
    "value, digits, shown",
    [
        (0.379, 3, "0.379"),
        (0.95, 3, "0.95"),
        (0.985, 3, "0.985"),
        (0.995, 3, "0.99500"),
        (0.9996, 3, "0.999600"),
        (1 - 2.0**-24, 3, "0.9999999404"),
        (0.000123, 3, "0.000123"),
        (1.23e-8, 3, "1.23e-08"),
        (1.0, 3, "1"),
        (0.0, 3, "0"),
        (1.5, 3, "1.5"),
        (-0.3, 3, "-0.3"),
        (0.2983, 4, "0.2983"),
        (0.9985, 4, "0.9985"),
        (0.99985, 4, "0.999850"),
    ],
)
def test_shown_number_shows_the_distance_to_1(value, digits, shown):
    assert _diagnostics.shown_number(value, digits) == shown


def test_summary_rows_tell_thresholds_near_1_from_1():
    rows = dict(
        _diagnostics.binary_summary_rows(
            0.9996, np.array([0.9991, 0.99995, 0.379]), 0.3, (0.45, 0.99994), "how"
        )
    )
    assert rows["decision threshold"] == "0.999600 (how)"
    assert rows["fold thresholds"] == "0.999100 0.9999500 0.379"
    assert rows["90% interval"] == "[0.45, 0.9999400]"
    assert _diagnostics.shown_threshold(0.99996) == "0.9999600"
    assert _diagnostics.shown_threshold(np.array([0.9996, 0.0004])) == (
        "[0.999600 0.0004]"
    )


def test_fold_line_shows_a_threshold_or_a_vector():
    line = _diagnostics.fold_line(0, 5, 120, 0.25, "f1", 0.8, 0.5)
    assert line == (
        "fold 1/5: 120 held-out samples, threshold 0.25, f1 at the decision "
        "threshold 0.8 (0.50 s)"
    )
    vector = _diagnostics.fold_line(1, 5, 120, np.array([0.5, 0.5]), "f1", 0.8, 0.5)
    assert "threshold [0.5 0.5]," in vector


@pytest.mark.parametrize(
    "folds, pooled, where",
    [
        ([0.7, 0.55, 0.8], 0.72, "in fold 2 of 3 (precision 0.55)"),
        (
            [0.5, 0.55, 0.8],
            0.6,
            "in folds 1 and 2 of 3 (precision 0.5 and 0.55) and on the folds "
            "pooled (precision 0.6)",
        ),
        ([0.7, 0.75, 0.8], 0.6, "on the folds pooled (precision 0.6)"),
    ],
)
def test_missed_constraint_names_the_folds_from_1_and_the_values(folds, pooled, where):
    goal = constrained("recall", "precision", at_least=0.7)
    text = _diagnostics.format_missed_constraint(goal, np.array(folds), pooled)
    assert text == f"the decision threshold misses precision >= 0.7 {where}"
    ((category, message),) = _diagnostics.missed_constraint(
        goal, np.array(folds), pooled, "median"
    )
    assert category is InfeasibleFoldsWarning
    assert message.startswith(
        f"The decision threshold misses precision >= 0.7 {where}."
    )
    assert ("aggregation='pooled'" in message) == (pooled < 0.7)
    assert ("best_score_ None" in message) == (min(folds) < 0.7)


def test_a_constraint_met_everywhere_is_not_reported():
    capacity = constrained("recall", "positive_rate", at_most=0.1)
    # Within the bound's tolerance counts as met.
    assert _diagnostics.missed_constraint(capacity, np.array([0.1, 0.05]), 0.1) == []
    assert _diagnostics.format_bound(capacity) == "positive_rate <= 0.1"


@pytest.mark.parametrize(
    "objective, unit, label, sign",
    [
        (cost(fp=1, fn=10), "row", "cost per row", -1),
        (
            cost_matrix([[0, 1, 1], [5, 0, 1], [20, 5, 0]]),
            "sample",
            "cost per sample",
            -1,
        ),
        (
            constrained("recall", "precision", at_least=0.9),
            "sample",
            "recall (precision >= 0.9)",
            1,
        ),
        (fbeta(2), "sample", "fbeta", 1),
    ],
)
def test_costs_are_shown_as_costs(objective, unit, label, sign):
    assert _diagnostics.format_quantity(objective, unit) == label
    assert _diagnostics.objective_sign(objective) == sign


def test_fold_line_says_when_a_fold_misses_the_constraint():
    line = _diagnostics.fold_line(0, 5, 120, 0.25, "recall", -np.inf, 0.5)
    assert "recall at the decision threshold none (constraint missed)" in line
