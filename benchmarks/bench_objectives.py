"""Cost of each kind of objective in the exact search, against F1.

On 2,000,000 held-out scores (10% positives, ties included), times the search
of one fold: the counts at every distinct score, the objective at each, and
the best cut, as ``ThresholdedClassifier`` runs it. Objectives that read
per-sample arrays include their binding (folding the costs into the counting
weights). Each timing is the median of ``--repeats`` runs; the ratio is to
the built-in F1 in the same run.

Run from the repository root::

    python benchmarks/bench_objectives.py
"""

import argparse
import time

import numpy as np

from threshold_estimator._search import best_cut, objective_curve
from threshold_estimator.objectives import (
    constrained,
    cost,
    fbeta,
    from_counts,
    get_objective,
)


def _net_gain(tn, fp, fn, tp):
    return 40 * tp - 5 * fp


OBJECTIVES = {
    "f1 (baseline)": get_objective("f1"),
    "balanced_accuracy": get_objective("balanced_accuracy"),
    "fbeta(2)": fbeta(2),
    "cost(fp=1, fn=10)": cost(fp=1, fn=10),
    "cost(fp=5, fn='amount')": cost(fp=5, fn="amount"),
    "constrained: recall, precision >= 0.9": constrained(
        "recall", "precision", at_least=0.9
    ),
    "capacity: recall, positive_rate <= 0.05": constrained(
        "recall", "positive_rate", at_most=0.05
    ),
    "from_counts(net gain)": from_counts(_net_gain),
}


def search_seconds(objective, y_true, scores, metadata, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        bound, weight = objective.bind(y_true, None, metadata)
        _, values = objective_curve(bound, y_true, scores, weight)
        best_cut(values)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main(n_samples, repeats):
    rng = np.random.default_rng(0)
    y_true = rng.random(n_samples) < 0.1
    # Rounded to 6 decimals, as probabilities often are: many ties.
    scores = np.round(1 / (1 + np.exp(-(2 * y_true + rng.normal(size=n_samples)))), 6)
    metadata = {"amount": rng.lognormal(4, 1, size=n_samples)}
    rows = {
        name: search_seconds(objective, y_true, scores, metadata, repeats)
        for name, objective in OBJECTIVES.items()
    }
    baseline = rows["f1 (baseline)"]
    print(
        f"{n_samples:,} held-out scores, {np.unique(scores).size:,} distinct; "
        f"median of {repeats} runs.\n"
    )
    print("| objective | seconds | ratio to f1 |")
    print("|---|---:|---:|")
    for name, seconds in rows.items():
        print(f"| {name} | {seconds:.3f} | {seconds / baseline:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    main(args.samples, args.repeats)
