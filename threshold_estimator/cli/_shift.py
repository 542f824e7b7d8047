"""``threshold-estimator shift``: a model file's rule for a new class balance.

The new rows (features for a ``ThresholdedClassifier``, the score columns
for a ``TunedThreshold``) are read whole. ``check_drift`` first compares
their scores with those the rule was tuned on; a change of the scores
themselves, which no threshold fixes, stops the command unless
``--allow-changed-scores``. Then ``estimate_class_prior`` finds their class
balance, and ``with_class_prior`` re-derives the rule for it, without
refitting, into a new model file. The library's refusals (too few rows to
judge the scores or to estimate the balance) are one line each.
"""

import sys
import warnings

import numpy as np

from threshold_estimator import persistence
from threshold_estimator.cli._common import (
    check_model_output,
    format_threshold,
    in_command_words,
    load_tuned,
    plain,
    progress,
    tell_what_loading_needs,
)
from threshold_estimator.cli._files import (
    CHUNK_ROWS,
    InputError,
    atomic_outputs,
    check_output,
    check_sep,
    iter_table,
    one_line,
    table_columns,
)
from threshold_estimator.cli._inputs import model_input
from threshold_estimator.exceptions import FewSamplesWarning


def shift(args):
    """``threshold-estimator shift``: check drift, re-derive, write the model."""
    out = check_model_output(args.out)
    check_output(out, args.force, inputs=[args.model, args.data])
    model = load_tuned(args.model, args.trust, args.max_bytes)
    sep = check_sep(args.data, args.sep, args.decimal)
    reader = model_input(model, args, table_columns(args.data, sep))
    progress(args, f"reading {args.data}")
    X = _read_whole(reader, args, sep)
    drift = _ask(model.check_drift, X)
    print(f"{'drift':<20}{drift.verdict}\n{drift.message}")
    if drift.verdict == "scores changed" and not args.allow_changed_scores:
        raise InputError(
            f"the scores of {args.data} changed beyond a change of class "
            "balance, which no threshold fixes: retrain on data like it, or pass "
            "--allow-changed-scores to write the re-derived model anyway"
        )
    prior = _ask(model.estimate_class_prior, X)
    shifted = _ask(model.with_class_prior, prior)
    with atomic_outputs(out, force=args.force) as (temporary,):
        persistence.dump(shifted, temporary)
    tell_what_loading_needs(out)
    print(f"{'new balance':<20}{_format_estimate(model.classes_, prior)}")
    print(f"{'tuned for':<20}{_format_shares(model.classes_, model.class_prior_)}")
    old = format_threshold(plain(model.decision_threshold_))
    new = format_threshold(plain(shifted.decision_threshold_))
    print(f"threshold {old} -> {new}; wrote {out}")
    return 0


def _read_whole(reader, args, sep):
    """What the model reads of every row, checked chunk by chunk."""
    parts, n_rows = [], 0
    for chunk in iter_table(
        args.data, reader.columns, CHUNK_ROWS, reader.text, sep, args.decimal
    ):
        parts.append(reader.read(chunk, n_rows))
        n_rows += len(chunk)
    if not n_rows:
        raise InputError(f"{args.data} has a header but no rows")
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    import pandas

    return pandas.concat(parts, ignore_index=True)


def _ask(method, *args):
    """One of the rule's class-balance methods: its refusal one line of bad
    input, its warnings each a line (but that of too few rows, which
    ``with_class_prior`` refuses in its own words)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            answer = method(*args)
        except ValueError as exc:
            raise InputError(in_command_words(one_line(exc))) from None
    for warning in caught:
        if issubclass(warning.category, UserWarning) and not issubclass(
            warning.category, FewSamplesWarning
        ):
            message = in_command_words(one_line(warning.message))
            print(f"threshold-estimator: warning: {message}", file=sys.stderr)
    return answer


def _format_shares(classes, shares):
    return ", ".join(
        f"{plain(label)} {share:.3g}"
        for label, share in zip(classes, shares, strict=True)
    )


def _format_estimate(classes, prior):
    """``no 0.803 (0.79 to 0.815), yes 0.197 (0.185 to 0.21); 90% intervals,
    from 1,000 rows``."""
    shares = ", ".join(
        f"{plain(label)} {share:.3g} ({low:.3g} to {high:.3g})"
        for label, share, low, high in zip(classes, prior, *prior.interval, strict=True)
    )
    level = f"{prior.confidence_level:.0%}"
    return f"{shares}; {level} intervals, from {prior.n_samples:,} rows"
