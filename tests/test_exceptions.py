import pytest

import threshold_estimator
from threshold_estimator import _search, _warnings, exceptions

WARNINGS = [
    "FewSamplesWarning",
    "FoldDisagreementWarning",
    "InfeasibleFoldsWarning",
    "PositiveRateWarning",
    "SaturatedScoresWarning",
    "ThresholdAtEdgeWarning",
    "ThresholdWarning",
]


# Added after the warnings moved to exceptions: no older import path to keep.
NEW_WARNINGS = {"InfeasibleFoldsWarning"}


@pytest.mark.parametrize("name", WARNINGS)
def test_warnings_keep_their_old_import_paths(name):
    cls = getattr(exceptions, name)
    assert getattr(threshold_estimator, name) is cls
    assert (getattr(_warnings, name, None) is cls) != (name in NEW_WARNINGS)
    assert issubclass(cls, exceptions.ThresholdWarning)
    assert issubclass(cls, UserWarning)


def test_infeasible_objective_error_is_a_value_error_found_where_it_was():
    assert _search.InfeasibleObjectiveError is exceptions.InfeasibleObjectiveError
    assert issubclass(exceptions.InfeasibleObjectiveError, ValueError)
    assert set(exceptions.__all__) == {
        *WARNINGS,
        "InfeasibleObjectiveError",
        "InvalidModelFileError",
        "UntrustedTypeError",
        "VersionMismatchWarning",
    }


def test_version_mismatch_warning_is_apart_from_the_threshold_warnings():
    cls = exceptions.VersionMismatchWarning
    assert threshold_estimator.VersionMismatchWarning is cls
    assert issubclass(cls, UserWarning)
    assert not issubclass(cls, exceptions.ThresholdWarning)
    warning = cls(
        "TunedThreshold",
        {"threshold-estimator": "0.0.9", "scikit-learn": None},
        {"threshold-estimator": "0.1.0", "scikit-learn": "1.6.1"},
    )
    assert str(warning) == (
        "This TunedThreshold was saved with threshold-estimator 0.0.9 and "
        "scikit-learn (version not recorded), and is loaded with "
        "threshold-estimator 0.1.0 and scikit-learn 1.6.1. Its predictions may "
        "differ from those it made before, or fail: refit it with the installed "
        "versions, or load it where those it was saved with are installed."
    )
