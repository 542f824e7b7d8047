import pytest

import threshold_estimator
from threshold_estimator import _search, _warnings, exceptions

WARNINGS = [
    "FewSamplesWarning",
    "FoldDisagreementWarning",
    "PositiveRateWarning",
    "SaturatedScoresWarning",
    "ThresholdAtEdgeWarning",
    "ThresholdWarning",
]


@pytest.mark.parametrize("name", WARNINGS)
def test_warnings_keep_their_old_import_paths(name):
    cls = getattr(exceptions, name)
    assert getattr(threshold_estimator, name) is cls
    assert getattr(_warnings, name) is cls
    assert issubclass(cls, exceptions.ThresholdWarning)
    assert issubclass(cls, UserWarning)


def test_infeasible_objective_error_is_a_value_error_found_where_it_was():
    assert _search.InfeasibleObjectiveError is exceptions.InfeasibleObjectiveError
    assert issubclass(exceptions.InfeasibleObjectiveError, ValueError)
    assert set(exceptions.__all__) == {*WARNINGS, "InfeasibleObjectiveError"}
