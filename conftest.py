"""Shared fixtures: seeded data sets."""

import numpy as np
import pytest
from sklearn.datasets import make_classification


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
