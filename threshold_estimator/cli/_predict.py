"""``threshold-estimator predict``: a model file's labels for a table.

The table is read and predicted in chunks, and written (CSV, tab-separated
or Parquet, by the extension of ``--out``) under a temporary name put in
place at the end. What the model reads (features, or the columns of scores
a ``TunedThreshold`` was tuned on) is checked in each chunk, so that a bad
cell is named by its column and row.
"""

from threshold_estimator import TunedThreshold
from threshold_estimator.cli._common import load_tuned, progress
from threshold_estimator.cli._files import (
    InputError,
    atomic_outputs,
    check_columns,
    check_output,
    check_sep,
    check_table_output,
    is_model_file,
    iter_table,
    looks_like_table,
    one_line,
    table_columns,
    table_writer,
)
from threshold_estimator.cli._inputs import model_input


def predict(args):
    """``threshold-estimator predict``: labels for a table, written in chunks."""
    kind = check_table_output(args.out)
    _check_order(args.model, args.data)
    check_output(args.out, args.force, inputs=[args.model, args.data])
    model = load_tuned(args.model, args.trust, args.max_bytes)
    if args.margin and isinstance(model, TunedThreshold):
        raise InputError(
            f"--margin: {args.model} was tuned on scores, which are its input, "
            "and has no margin; --scores adds its probabilities"
        )
    sep = check_sep(args.data, args.sep, args.decimal)
    present = table_columns(args.data, sep)
    reader = model_input(model, args, present)
    ids = list(dict.fromkeys(args.id))
    check_columns(ids, present, args.data, "identifier")
    _check_shadowing(ids, _output_columns(model, args))
    text = list(reader.text)
    if sep is not None:
        # A CSV's columns are carried over as written: a chunk would print
        # 1001 as 1001.0 if another row of it is empty, or change type.
        text = [*text, *(c for c in ids if c not in reader.columns)]
    wanted = list(dict.fromkeys([*ids, *reader.columns]))
    chunks = iter_table(args.data, wanted, args.chunk_rows, text, sep, args.decimal)
    n_rows = 0
    with (
        atomic_outputs(args.out, force=args.force) as (temporary,),
        table_writer(temporary, kind) as write,
    ):
        for chunk in chunks:
            write(_predictions(model, reader, chunk, ids, args, n_rows))
            n_rows += len(chunk)
            progress(args, f"predicted {n_rows:,} rows")
        if not n_rows:
            raise InputError(f"{args.data} has a header but no rows")
    print(f"wrote {n_rows:,} predictions to {args.out}")
    return 0


def _check_order(model, data):
    """Refuse a table given as the model and a model file as the data."""
    if looks_like_table(model) and is_model_file(data):
        raise InputError(
            f"model and data swapped? {model} is a table and {data} a model "
            f"file; the model comes first: threshold-estimator predict {data} "
            f"{model} ..."
        )


def _output_columns(model, args):
    """The names of the columns ``predict`` adds to the carried-over ones."""
    columns = ["prediction"]
    if args.scores:
        columns += [f"proba_{label}" for label in model.classes_]
    if args.margin:
        binary = len(model.classes_) == 2
        columns += (
            ["margin"] if binary else [f"margin_{label}" for label in model.classes_]
        )
    return columns


def _check_shadowing(ids, outputs):
    for name in ids:
        if name in outputs:
            raise InputError(
                f"--id {name}: the output has its own {name!r} column, which would "
                f"hide the table's; leave {name!r} out of --id, or rename that "
                "column in the table"
            )


def _predictions(model, reader, chunk, ids, args, first_row):
    """One chunk's output columns: identifiers, label, then scores or margin."""
    X = reader.read(chunk, first_row)
    frame = chunk[ids].copy()
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
        cell = reader.explain(exc, X, first_row)
        rows = f"rows {first_row + 1:,} to {first_row + len(chunk):,}"
        raise InputError(cell or f"{args.data}, {rows}: {one_line(exc)}") from None
    return frame
