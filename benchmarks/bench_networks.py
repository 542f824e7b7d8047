"""Class-balance shift on overconfident networks: EM on raw and calibrated outputs.

A user holds a network's outputs (float32 sigmoid or softmax probabilities,
as Keras gives them) on a labelled validation set, and later unlabelled
outputs on new data whose class balance has moved. Does
``tuned.estimate_class_prior`` (EM on probabilities calibrated on the
validation pairs) read the new balance where EM on the raw outputs does not,
and does the threshold re-derived from it recover what a threshold tuned on
labelled new data gains?

Networks, all ``MLPClassifier(hidden, alpha=0, max_iter=EPOCHS, tol=0,
n_iter_no_change=EPOCHS)`` (adam, no regularisation, every one of
``--epochs`` epochs run, default 1000: trained to overconfidence), on
``load_digits`` (1,797 images, pixels scaled to [0, 1]; nothing downloaded):

- "8 or 9 vs rest": hidden ``(100,)``; trained on 400 rows, validated on
  500, both at 5% positives;
- "3, 5 or 8 vs rest": hidden ``(64, 64)``; trained on 200 rows, validated
  on 500, both at 5% positives (fewer training rows: a weaker network);
- "10 digits": hidden ``(100,)``; trained on 250 rows, validated on 400,
  both at shares falling geometrically from digit 0 to digit 9 (ratio 4).

For each seed ``s`` (``--seeds``, default 20) the rows of each class are
shuffled with ``numpy.random.default_rng(s)``; the training and validation
rows are taken at the balance above, and the class's remaining rows are cut
into two halves. For each new balance (two classes: 5% positives, the
validation balance, then 20%, 35% and 50%; ten: the validation balance,
uniform, and reversed), two samples are drawn at that balance, as large as
the class's half allows: the scored sample from the first halves, the
oracle's from the second. The network (``random_state=s``) is fitted on the
training rows; every output is cast to float32.

Scores path: ``tuned = tune_threshold(y_val, p_val, scoring=S,
n_resamples=0, random_state=s)``, ``S`` "f1" (two classes) or "f1_macro".
On the scored sample:

- class balance: raw EM, ``_shift.estimate_prior(p_new, validation
  shares)``, against calibrated EM, ``tuned.estimate_class_prior(p_new)``;
  the error is the absolute error of the positive share (two classes) or the
  total variation distance, half the L1 distance (ten, and equal to the
  former for two);
- F1 (macro F1 for ten) of the scored sample's labels under: the stale rule
  (``tuned``); ``tuned.with_class_prior(b)`` for ``b`` the true balance,
  raw EM's and calibrated EM's; and the oracle, ``tune_threshold`` on the
  oracle sample's labels and outputs.

Estimator path (first network, ``--estimator-seeds``, default 20):
``ThresholdedClassifier(network, scoring="f1", cv=5, random_state=s)``
fitted on the training and validation rows together (900 rows at 5%), with
raw EM on its estimator's ``predict_proba`` against the training shares, and
``clf.estimate_class_prior(X_new)``; the rules as above (float64 outputs).

Markdown tables: the networks' overconfidence; the estimates' mean error
(standard error over seeds), the paired difference, and the seeds within
0.03 of the truth; the F1 of each rule (standard error) with the mean paired
gain over stale, and the share of the oracle's mean gain over stale that the
re-derived rules recover (shown where that gain exceeds two standard
errors).

BLAS runs on one thread: on a shared machine, two threads made an
``MLPClassifier`` fit fifty times slower.

Run from the repository root (about 6 minutes on 2 cores)::

    PYTHONPATH=$PWD python benchmarks/bench_networks.py
    PYTHONPATH=$PWD python benchmarks/bench_networks.py --seeds 3 --estimator-seeds 0
"""

import argparse
import datetime
import os
import platform
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, ThresholdWarning, tune_threshold
from threshold_estimator._shift import estimate_prior

RULES = ("stale", "true prior", "raw-EM prior", "calibrated-EM prior", "oracle")


def geometric(n_classes, ratio):
    shares = ratio ** -(np.arange(n_classes) / (n_classes - 1))
    return shares / shares.sum()


def two_classes(share):
    return np.array([1 - share, share])


def network_specs():
    ten = geometric(10, 4.0)
    binary = {
        "new": {f"{r:.0%}": two_classes(r) for r in (0.05, 0.2, 0.35, 0.5)},
        "balance": two_classes(0.05),
        "scoring": "f1",
    }
    return {
        "8 or 9 vs rest": {
            "positive": (8, 9),
            "hidden": (100,),
            "n_train": 400,
            "n_validation": 500,
            **binary,
        },
        "3, 5 or 8 vs rest": {
            "positive": (3, 5, 8),
            "hidden": (64, 64),
            "n_train": 200,
            "n_validation": 500,
            **binary,
        },
        "10 digits": {
            "positive": None,
            "hidden": (100,),
            "n_train": 250,
            "n_validation": 400,
            "balance": ten,
            "new": {
                "as validation": ten,
                "uniform": np.full(10, 0.1),
                "reversed": ten[::-1],
            },
            "scoring": "f1_macro",
        },
    }


def class_codes(digit, positive):
    return digit if positive is None else np.isin(digit, positive).astype(int)


def split_parts(codes, balance, n_train, n_validation, rng):
    """Training and validation rows at ``balance``, and the rest of each
    class cut into two halves: the pools the new samples are drawn from."""
    train, validation, pools = [], [], ([], [])
    for k, share in enumerate(balance):
        rows = rng.permutation(np.flatnonzero(codes == k))
        n_fit, n_val = round(share * n_train), round(share * n_validation)
        train.append(rows[:n_fit])
        validation.append(rows[n_fit : n_fit + n_val])
        rest = rows[n_fit + n_val :]
        half = rest.size // 2
        pools[0].append(rest[:half])
        pools[1].append(rest[half : 2 * half])
    return np.concatenate(train), np.concatenate(validation), pools


def draw(pool, balance):
    """The most rows of ``pool`` (one array per class) at ``balance``."""
    n = min(rows.size / share for rows, share in zip(pool, balance, strict=True))
    return np.concatenate(
        [
            rows[: min(rows.size, round(share * n))]
            for rows, share in zip(pool, balance, strict=True)
        ]
    )


def make_network(spec, epochs, seed):
    return MLPClassifier(
        spec["hidden"],
        alpha=0.0,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs,
        random_state=seed,
    )


def network_outputs(net, X):
    """What a Keras user saves: float32 probabilities, the positive column
    alone for two classes."""
    proba = net.predict_proba(X).astype(np.float32)
    return proba[:, 1] if proba.shape[1] == 2 else proba


def as_proba(outputs):
    """Rows of class probabilities, summing to 1 in float64."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim == 1:
        return np.column_stack([1 - outputs, outputs])
    return outputs / outputs.sum(axis=1, keepdims=True)


def shares_of(codes, n_classes):
    return np.bincount(codes, minlength=n_classes) / codes.size


def prior_error(estimate, truth):
    """Total variation distance: the positive share's error for two classes."""
    return 0.5 * np.abs(np.asarray(estimate) - truth).sum()


def positive_shares(prior):
    # EM can drive a share to an underflowed zero, which no rule accepts.
    prior = np.clip(np.asarray(prior, dtype=np.float64), 1e-12, None)
    return prior / prior.sum()


def score_rule(codes, predicted, n_classes):
    average = "binary" if n_classes == 2 else "macro"
    return f1_score(codes, predicted, average=average)


def compare(rules, codes, raw, calibrated, truth, n_classes):
    """One (seed, balance) record: the estimates' errors and each rule's F1."""
    record = {
        "true share": truth[-1],
        "raw share": raw[-1],
        "calibrated share": calibrated[-1],
        "raw error": prior_error(raw, truth),
        "calibrated error": prior_error(calibrated, truth),
    }
    for name, (rule, scores) in rules.items():
        record[name] = score_rule(codes, rule.predict(scores), n_classes)
    return record


def scores_path_run(spec, X, codes, seed, epochs):
    """Every new balance's record for one network and seed; the network's
    validation accuracy and saturation."""
    n_classes = spec["balance"].size
    rng = np.random.default_rng(seed)
    train, validation, pools = split_parts(
        codes, spec["balance"], spec["n_train"], spec["n_validation"], rng
    )
    net = make_network(spec, epochs, seed).fit(X[train], codes[train])
    p_val = network_outputs(net, X[validation])
    tuned = tune_threshold(
        codes[validation],
        p_val,
        scoring=spec["scoring"],
        n_resamples=0,
        random_state=seed,
    )
    validation_shares = shares_of(codes[validation], n_classes)
    found = {}
    for label, balance in spec["new"].items():
        scored, oracle_rows = draw(pools[0], balance), draw(pools[1], balance)
        p_new = network_outputs(net, X[scored])
        truth = shares_of(codes[scored], n_classes)
        raw = estimate_prior(as_proba(p_new), validation_shares)[0]
        calibrated = tuned.estimate_class_prior(p_new)
        oracle = tune_threshold(
            codes[oracle_rows],
            network_outputs(net, X[oracle_rows]),
            scoring=spec["scoring"],
            n_resamples=0,
            random_state=seed,
        )
        rules = {
            "stale": tuned,
            "true prior": tuned.with_class_prior(truth),
            "raw-EM prior": tuned.with_class_prior(positive_shares(raw)),
            "calibrated-EM prior": tuned.with_class_prior(calibrated),
            "oracle": oracle,
        }
        rules = {name: (rule, p_new) for name, rule in rules.items()}
        found[label] = compare(rules, codes[scored], raw, calibrated, truth, n_classes)
        found[label]["rows"] = scored.size
    top = as_proba(p_val).max(axis=1)
    # What float32 rounds to a certain answer: 0 or 1 for a sigmoid's
    # output, a top softmax output of 1.
    saturated = np.isin(p_val, (0.0, 1.0)) if p_val.ndim == 1 else p_val.max(1) == 1
    found["overconfidence"] = {
        "accuracy": np.mean(as_proba(p_val).argmax(axis=1) == codes[validation]),
        "beyond 0.999": np.mean(top >= 0.999),
        "saturated": np.mean(saturated),
    }
    return found


def estimator_path_run(spec, X, codes, seed, epochs):
    """The same through ThresholdedClassifier fitted on training and
    validation rows together."""
    n_classes = spec["balance"].size
    rng = np.random.default_rng(seed)
    train, validation, pools = split_parts(
        codes, spec["balance"], spec["n_train"], spec["n_validation"], rng
    )
    fit_rows = np.concatenate([train, validation])
    clf = ThresholdedClassifier(
        make_network(spec, epochs, seed),
        scoring=spec["scoring"],
        cv=5,
        random_state=seed,
        n_jobs=1,
    ).fit(X[fit_rows], codes[fit_rows])
    training_shares = shares_of(codes[fit_rows], n_classes)
    found = {}
    for label, balance in spec["new"].items():
        scored, oracle_rows = draw(pools[0], balance), draw(pools[1], balance)
        X_new = X[scored]
        p_new = clf.predict_proba(X_new)
        truth = shares_of(codes[scored], n_classes)
        raw = estimate_prior(p_new, training_shares)[0]
        calibrated = clf.estimate_class_prior(X_new)
        oracle = tune_threshold(
            codes[oracle_rows],
            clf.predict_proba(X[oracle_rows])[:, 1],
            scoring=spec["scoring"],
            n_resamples=0,
            random_state=seed,
        )
        rules = {
            "stale": (clf, X_new),
            "true prior": (clf.with_class_prior(truth), X_new),
            "raw-EM prior": (clf.with_class_prior(positive_shares(raw)), X_new),
            "calibrated-EM prior": (clf.with_class_prior(calibrated), X_new),
            "oracle": (oracle, p_new[:, 1]),
        }
        found[label] = compare(rules, codes[scored], raw, calibrated, truth, n_classes)
        found[label]["rows"] = scored.size
    return found


def mean_se(values):
    values = np.asarray(values, dtype=np.float64)
    return values.mean(), values.std(ddof=1) / np.sqrt(values.size)


def format_mean(values, digits=3):
    mean, se = mean_se(values)
    return f"{mean:.{digits}f} ({se:.{digits}f})"


def print_overconfidence(runs, specs):
    print(
        "| network | training rows | validation rows | validation accuracy | "
        "top probability >= 0.999 | float32 output of exactly 0 or 1 |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, seeds in runs.items():
        spec = specs[name]
        cells = [
            format_mean([run["overconfidence"][key] for run in seeds])
            for key in ("accuracy", "beyond 0.999", "saturated")
        ]
        print(
            f"| {name} | {spec['n_train']} | {spec['n_validation']} | "
            + " | ".join(cells)
            + " |"
        )


def print_prior_table(runs, specs, within=0.03):
    print(
        "| network | new balance | rows | true share | raw EM: estimate, error | "
        "calibrated EM: estimate, error | calibrated - raw error | "
        f"seeds within {within}: raw, calibrated |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, seeds in runs.items():
        for label in specs[name]["new"]:
            records = [run[label] for run in seeds]

            def column(key, records=records):
                return np.array([record[key] for record in records])

            raw, calibrated = column("raw error"), column("calibrated error")
            if specs[name]["balance"].size == 2:
                true = f"{column('true share').mean():.3f}"
                raw_cell = f"{column('raw share').mean():.3f}, "
                calibrated_cell = f"{column('calibrated share').mean():.3f}, "
            else:
                true, raw_cell, calibrated_cell = "-", "TV ", "TV "
            print(
                f"| {name} | {label} | {column('rows').mean():.0f} | {true} | "
                f"{raw_cell}{format_mean(raw)} | "
                f"{calibrated_cell}{format_mean(calibrated)} | "
                f"{format_mean(calibrated - raw)} | "
                f"{np.sum(raw <= within)}, {np.sum(calibrated <= within)} "
                f"of {len(records)} |"
            )


def print_f1_table(runs, specs):
    print(
        "| network | new balance | "
        + " | ".join(RULES)
        + " | oracle gain recovered: true, calibrated EM |"
    )
    print("|---|---|" + "---:|" * (len(RULES) + 1))
    for name, seeds in runs.items():
        for label in specs[name]["new"]:
            records = [run[label] for run in seeds]
            f1 = {rule: np.array([r[rule] for r in records]) for rule in RULES}
            gains = {rule: f1[rule] - f1["stale"] for rule in RULES}
            cells = [format_mean(f1["stale"])]
            for rule in RULES[1:]:
                cells.append(
                    f"{format_mean(f1[rule])}, {mean_se(gains[rule])[0]:+.3f} "
                    f"({mean_se(gains[rule])[1]:.3f})"
                )
            oracle_gain, oracle_se = mean_se(gains["oracle"])
            if oracle_gain > 2 * oracle_se:
                recovered = ", ".join(
                    f"{gains[rule].mean() / oracle_gain:.0%}"
                    for rule in ("true prior", "calibrated-EM prior")
                )
            else:
                recovered = "-"
            print(f"| {name} | {label} | " + " | ".join(cells) + f" | {recovered} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument(
        "--estimator-seeds",
        type=int,
        default=20,
        help="seeds of the estimator path, first network only (0 skips it)",
    )
    parser.add_argument("--epochs", type=int, default=1000)
    args = parser.parse_args(argv)
    # Fragility warnings (saturated scores) and the networks' unfinished
    # convergence (every epoch is run on purpose) are not the subject here.
    warnings.simplefilter("ignore", ThresholdWarning)
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, digit = load_digits(return_X_y=True)
    X = X / 16
    specs = network_specs()
    start = time.perf_counter()
    with threadpool_limits(1):
        runs = {
            name: [
                scores_path_run(
                    spec, X, class_codes(digit, spec["positive"]), seed, args.epochs
                )
                for seed in range(args.seeds)
            ]
            for name, spec in specs.items()
        }
        scores_seconds = time.perf_counter() - start
        first = next(iter(specs))
        estimator_runs = {
            f"{first} (estimator path)": [
                estimator_path_run(
                    specs[first],
                    X,
                    class_codes(digit, specs[first]["positive"]),
                    seed,
                    args.epochs,
                )
                for seed in range(args.estimator_seeds)
            ]
        }
    total = time.perf_counter() - start
    print(
        f"Command: `PYTHONPATH=$PWD python {' '.join(sys.argv)}`; "
        f"{platform.platform()}, {os.cpu_count()} CPUs, "
        f"{datetime.date.today().isoformat()}; threshold_estimator "
        f"{threshold_estimator.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}; {args.seeds} seeds "
        f"({scores_seconds:.0f} s), estimator path {args.estimator_seeds} seeds "
        f"({total - scores_seconds:.0f} s); {args.epochs} epochs.\n"
    )
    print("### The networks on their validation rows\n")
    print_overconfidence(runs, specs)
    print("\n### Estimated class balance of the new data, scores path\n")
    print_prior_table(runs, specs)
    print(
        "\nError: absolute error of the positive share (two classes) or total "
        "variation distance (TV, ten digits); mean (standard error over "
        "seeds); calibrated - raw: mean paired difference of the errors."
    )
    print("\n### F1 on the new data, scores path\n")
    print_f1_table(runs, specs)
    if args.estimator_seeds:
        spec = dict.fromkeys(estimator_runs, specs[first])
        print("\n### Estimator path\n")
        print_prior_table(estimator_runs, spec)
        print()
        print_f1_table(estimator_runs, spec)
    print(
        "\nF1 cells: mean F1 (standard error); after the comma, the mean paired "
        "gain over stale (standard error). Macro F1 for ten digits. Recovered: "
        "the rule's mean gain over stale as a share of the oracle's, where the "
        "oracle's exceeds two standard errors."
    )


if __name__ == "__main__":
    main()
