"""Tables in and out for the command line: CSV or Parquet, whole or in chunks.

pandas (and pyarrow for Parquet) are optional: imported here, when a command
needs them, with an error that names the extra to install. Every problem with
a file is an ``InputError`` whose message is one line for the terminal.
"""

import difflib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

#: Rows read and predicted at a time by ``threshold-estimator predict``.
CHUNK_ROWS = 100_000


class InputError(Exception):
    """Bad input from the command line: a one-line message, exit status 1."""


def _pandas():
    try:
        import pandas
    except ImportError:
        raise InputError(
            'reading tables needs pandas: pip install "threshold-estimator[cli]"'
        ) from None
    return pandas


def _is_parquet(path):
    return Path(path).suffix.lower() in (".parquet", ".pq")


def _check_readable(path):
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty: it has no header and no rows")


def read_table(path):
    """The whole table at ``path`` as a DataFrame (CSV, or Parquet by suffix)."""
    _check_readable(path)
    pandas = _pandas()
    try:
        if _is_parquet(path):
            _pyarrow()
            frame = pandas.read_parquet(path)
        else:
            frame = pandas.read_csv(path)
    except InputError:
        raise
    except Exception as exc:
        raise _unreadable(path, exc) from None
    if frame.empty:
        raise InputError(f"{path} has a header but no rows")
    return frame


def iter_table(path, columns=None, chunk_rows=CHUNK_ROWS, text=()):
    """The table at ``path`` in DataFrames of at most ``chunk_rows`` rows.

    The columns in ``text`` are read as text: a CSV chunk of codes such as
    "10" and "20" would otherwise come out as numbers, unlike the whole file.
    """
    _check_readable(path)
    pandas = _pandas()
    try:
        if _is_parquet(path):
            parquet = _pyarrow()
            batches = parquet.ParquetFile(path).iter_batches(
                batch_size=chunk_rows, columns=columns
            )
            chunks = (batch.to_pandas() for batch in batches)
        else:
            chunks = pandas.read_csv(
                path,
                usecols=columns,
                chunksize=chunk_rows,
                dtype=dict.fromkeys(text, str),
            )
        yield from chunks
    except InputError:
        raise
    except ValueError as exc:
        if "Usecols do not match" in str(exc) or "No match for" in str(exc):
            raise InputError(f"{path}: {one_line(exc)}") from None
        raise _unreadable(path, exc) from None
    except Exception as exc:
        raise _unreadable(path, exc) from None


def table_columns(path):
    """The column names of the table at ``path``, read from its header."""
    _check_readable(path)
    pandas = _pandas()
    try:
        if _is_parquet(path):
            return list(_pyarrow().ParquetFile(path).schema_arrow.names)
        return list(pandas.read_csv(path, nrows=0).columns)
    except Exception as exc:
        raise _unreadable(path, exc) from None


def _pyarrow():
    try:
        import pyarrow.parquet
    except ImportError:
        raise InputError(
            'Parquet files need pyarrow: pip install "threshold-estimator[parquet]"'
        ) from None
    return pyarrow.parquet


def check_columns(wanted, present, path, role):
    """Each of ``wanted`` is a column of ``present``; else the closest named."""
    for name in wanted:
        if name in present:
            continue
        close = difflib.get_close_matches(name, [str(c) for c in present], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        shown = ", ".join(repr(str(c)) for c in list(present)[:10])
        more = ", ..." if len(present) > 10 else ""
        if len(present) == 1 and any(sep in str(present[0]) for sep in ";\t|"):
            more += "; its rows look separated by another character than a comma"
        column = f"{role} column" if role else "column"
        raise InputError(
            f"{path} has no {column} {name!r}{hint} (its columns: {shown}{more})"
        )


def check_output(path, force):
    """Refuse an output path that exists unless ``force``; its folder must exist."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the output a file name")
    if path.exists() and not force:
        raise InputError(f"{path} exists; pass --force to overwrite it")
    if not path.parent.exists():
        raise InputError(f"{path.parent}: no such folder for the output")


@contextmanager
def atomic_outputs(*paths):
    """Temporary paths beside ``paths``, all renamed onto them only on success.

    Each keeps its path's suffix, for writers that read it. They get the
    permissions a new file would (``mkstemp`` makes them private).
    """
    mask = os.umask(0)
    os.umask(mask)
    temporaries = []
    try:
        for path in map(Path, paths):
            handle, name = tempfile.mkstemp(
                prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent
            )
            os.close(handle)
            os.chmod(name, 0o666 & ~mask)
            temporaries.append(Path(name))
        yield temporaries
        for temporary, path in zip(temporaries, paths, strict=True):
            os.replace(temporary, path)
    finally:
        for temporary in temporaries:
            if temporary.exists():
                temporary.unlink()


def _unreadable(path, exc):
    hint = " (the commands read UTF-8 text)" if isinstance(exc, UnicodeError) else ""
    return InputError(f"{path} could not be read as a table{hint}: {one_line(exc)}")


def one_line(exc):
    return " ".join(str(exc).split())
