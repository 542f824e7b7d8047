"""``threshold-estimator predict``: a model file's labels for a table."""

from threshold_estimator.cli._common import load_tuned, progress, text_columns
from threshold_estimator.cli._files import (
    InputError,
    atomic_outputs,
    check_columns,
    check_output,
    iter_table,
    one_line,
    table_columns,
)


def predict(args):
    """``threshold-estimator predict``: labels for a table, written in chunks."""
    check_output(args.out, args.force)
    model = load_tuned(args.model, args.trust)
    present = table_columns(args.data)
    features = [str(c) for c in getattr(model, "feature_names_in_", [])]
    if not features:
        raise InputError(f"{args.model} does not record its feature names")
    check_columns(features, present, args.data, "feature")
    check_columns(args.id, present, args.data, "identifier")
    wanted = list(dict.fromkeys([*args.id, *features]))
    n_rows = 0
    chunks = iter_table(args.data, wanted, args.chunk_rows, text_columns(model))
    with atomic_outputs(args.out) as (temporary,):
        for i, chunk in enumerate(chunks):
            frame = _predictions(model, chunk, features, args, n_rows)
            frame.to_csv(temporary, mode="a" if i else "w", header=not i, index=False)
            n_rows += len(chunk)
            progress(args, f"predicted {n_rows:,} rows")
    print(f"wrote {n_rows:,} predictions to {args.out}")
    return 0


def _predictions(model, chunk, features, args, first_row):
    """One chunk's output columns: identifiers, label, then scores or margin."""
    X = chunk[features]
    frame = chunk[args.id].copy()
    try:
        frame["prediction"] = model.predict(X)
        if args.scores:
            proba = model.predict_proba(X)
            for label, column in zip(model.classes_, proba.T, strict=True):
                frame[f"proba_{label}"] = column
        if args.margin:
            margin = model.decision_function(X)
            if margin.ndim == 1:
                frame["margin"] = margin
            else:
                for label, column in zip(model.classes_, margin.T, strict=True):
                    frame[f"margin_{label}"] = column
    except (ValueError, TypeError) as exc:
        rows = f"rows {first_row + 1:,} to {first_row + len(chunk):,}"
        raise InputError(f"{args.data}, {rows}: {one_line(exc)}") from None
    return frame
