"""Shared fixtures: seeded data sets, and a fixed hypothesis profile for CI."""

import os

import numpy as np
import pytest
from hypothesis import settings
from sklearn.datasets import make_classification

# On CI the same examples every run, so that a red build is reproducible.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def binary_data():
    """600 samples, 20% positives, moderately separable."""
    return make_classification(
        n_samples=600, n_features=5, weights=[0.8], flip_y=0.05, random_state=0
    )


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def pyplot():
    """matplotlib's pyplot on a non-interactive backend; figures closed after."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")
