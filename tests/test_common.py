"""scikit-learn's estimator checks, with every expected failure justified."""

from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from threshold_estimator import ThresholdedClassifier

EXPECTED_FAILED_CHECKS = {
    "check_classifiers_train": (
        "The check asserts that predict agrees with argmax(predict_proba), that "
        "is, a threshold of 0.5; predict applies the tuned threshold instead. "
        "scikit-learn lists the same failure for TunedThresholdClassifierCV."
    ),
}
EXPECTED_FAILED_CHECKS.update(
    dict.fromkeys(
        [
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weight_equivalence_on_sparse_data",
        ],
        "Repeating a sample moves it, and its copies, into other internal folds "
        "than a weight would, so the fold models and any tuned rule differ. On "
        "this check's small three-class data they pass where the inner selection "
        "keeps plain argmax or the prior rule (which weights and repeats give "
        "alike), an accident of the data; test_estimator checks that weights "
        "enter the fits and the objective.",
    )
)


@parametrize_with_checks(
    # A fixed random_state: some checks do not set one, and on their tiny data
    # an unlucky shuffle leaves a fold whose model predicts a constant.
    [ThresholdedClassifier(LogisticRegression(), cv=3, random_state=0)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
