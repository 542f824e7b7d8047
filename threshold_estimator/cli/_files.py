"""Tables in and out for the command line, and outputs written safely.

Tables are CSV (the separator told by ``--sep``, by a ``.tsv`` name, or
detected from the header), or Parquet (``.parquet``, ``.pq``). pandas (and
pyarrow for Parquet) are optional: imported here, when a command needs them,
with an error that names the extra to install. Every problem with a file is
an ``InputError`` whose message is one line for the terminal.

Outputs are written under temporary names beside them, named
``.{name}.{pid}.{host}.part{suffix}``, and put in place only when all are
complete: without replacing a file that appeared meanwhile (unless
``--force``), never over an input, all of a command's outputs or none. A
temporary left by a run that was killed is removed by the next run writing
the same output, once its process is gone.
"""

import csv
import difflib
import errno
import hashlib
import os
import re
import socket
import sys
import time
import zipfile
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np

#: Rows read and predicted at a time by ``threshold-estimator predict``.
CHUNK_ROWS = 100_000

#: The tables the commands write, by the output's extension.
TABLE_OUTPUTS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}

_SEPARATOR_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
_SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
_TABLES = (".csv", ".tsv", ".txt", ".parquet", ".pq")
# Numbers written for people: "1.234,5", "3,5", "1 234". pandas reads none
# of them as a number (without --decimal ,), so a column of them is text.
_FORMATTED_NUMBER = re.compile(
    r"\s*[-+]?(?:\d{1,3}(?:[.,' \u00a0]\d{3})+(?:[.,]\d+)?|\d*,\d+)\s*"
)
_CONVERT_ERROR = re.compile(r"could not convert string to float: '(.*)'")
# A temporary untouched for this long is stale even if a process of its
# number runs: the number may have been reused, or be another machine's.
_STALE_SECONDS = 24 * 3600
_NO_HARD_LINKS = {
    errno.EPERM,
    errno.ENOTSUP,
    errno.EOPNOTSUPP,
    errno.ENOSYS,
    errno.EMLINK,
}


class InputError(Exception):
    """Bad input from the command line: a one-line message, exit status 1."""


def note(message):
    print(f"threshold-estimator: note: {message}", file=sys.stderr)


def one_line(exc):
    return " ".join(str(exc).split())


#: The longest cell a message quotes in full: a cell can hold a whole file.
_SHOWN_CELL = 60


def shown_cell(value):
    """``repr(value)``, cut short when long, with the length it had."""
    text = repr(value)
    if len(text) <= _SHOWN_CELL:
        return text
    return f"{text[:_SHOWN_CELL]}... ({len(str(value)):,} characters)"


def _pandas():
    try:
        import pandas
    except ImportError:
        raise InputError(
            'reading tables needs pandas: pip install "threshold-estimator[cli]"'
        ) from None
    return pandas


def _pyarrow():
    try:
        import pyarrow.parquet
    except ImportError:
        raise InputError(
            'Parquet files need pyarrow: pip install "threshold-estimator[parquet]"'
        ) from None
    return pyarrow.parquet


def _is_parquet(path):
    return Path(path).suffix.lower() in (".parquet", ".pq")


def _first_bytes(path, size=4096):
    """The start of a regular file; nothing of a pipe, which reading would drain."""
    if not Path(path).is_file():
        return b""
    try:
        with open(path, "rb") as file:
            return file.read(size)
    except OSError:
        return b""


def is_model_file(path):
    """Whether ``path`` is a skops archive: by its extension, or its content."""
    path = Path(path)
    if path.suffix.lower() == ".skops":
        return True
    if not _first_bytes(path, 4).startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "schema.json" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def looks_like_table(path):
    """Whether ``path`` holds a table rather than a model: extension, content."""
    path = Path(path)
    if not path.is_file():
        return False
    if path.suffix.lower() in _TABLES:
        return True
    start = _first_bytes(path)
    if start.startswith(b"PAR1"):
        return True
    if not start or b"\0" in start:
        return False
    try:
        header = start.decode("utf-8").splitlines()[0]
    except (UnicodeDecodeError, IndexError):
        return False
    return any(sep in header for sep in ",;\t")


def check_file(path):
    """Refuse a path that names nothing, or a folder, a pipe, a device."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path} is not a regular file (a folder, a pipe, a device)")


def check_readable(path):
    """Refuse a path that is no file, an empty one, a model or a spreadsheet."""
    path = Path(path)
    check_file(path)
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty: it has no header and no rows")
    if is_model_file(path):
        raise InputError(
            f"{path} is a model file, not a table; the table is a CSV or Parquet file"
        )
    if path.suffix.lower() in _SPREADSHEETS:
        raise InputError(
            f"{path} is a spreadsheet; save it as CSV (or Parquet) and pass that"
        )


def check_sep(path, sep=None, decimal="."):
    """The separator to read the CSV file at ``path`` with (``None``: Parquet).

    ``sep`` if given; a tab for a ``.tsv`` file; otherwise ``;`` or a tab if
    the header has no comma but those, said in a note; else a comma. The
    file is checked first (``check_readable``).
    """
    check_readable(path)
    if _is_parquet(path):
        return None
    if sep is None and Path(path).suffix.lower() == ".tsv":
        sep = "\t"
    if sep is None:
        sep = _detect_sep(path)
    if sep == decimal:
        raise InputError(
            f"{path}: the decimal mark {decimal!r} is also the column separator; "
            "pass --sep with another one, such as --sep ';'"
        )
    _check_unique_header(path, sep)
    return sep


def _check_unique_header(path, sep):
    """Refuse a CSV header naming a column twice, which pandas would rename
    ``a.1`` and read as two features."""
    text = _first_bytes(path, 65536).decode("utf-8", errors="replace")
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        return
    header = next(csv.reader([lines[0]], delimiter=sep), [])
    seen, repeated = set(), []
    for name in (n.strip() for n in header):
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise InputError(
            f"{path}: the header names {', '.join(map(repr, repeated))} more than "
            "once; give each column its own name"
        )


def _detect_sep(path):
    text = _first_bytes(path, 65536).decode("utf-8", errors="replace")
    header = re.sub(r'"[^"]*"', "", text.lstrip("\ufeff").split("\n")[0])
    if "," in header:
        return ","
    counts = {sep: header.count(sep) for sep in ";\t"}
    sep = max(counts, key=counts.get)
    if not counts[sep]:
        return ","
    note(f"reading {path} as {_SEPARATOR_NAMES[sep]}-separated; pass --sep to choose")
    return sep


def read_table(path, sep=None, decimal="."):
    """The whole table at ``path`` as a DataFrame (CSV, or Parquet by suffix)."""
    pandas = _pandas()
    sep = check_sep(path, sep, decimal)
    try:
        if sep is None:
            _pyarrow()
            frame = pandas.read_parquet(path)
        else:
            frame = pandas.read_csv(path, sep=sep, decimal=decimal)
    except InputError:
        raise
    except Exception as exc:
        raise _unreadable(path, exc) from None
    if frame.empty:
        raise InputError(f"{path} has a header but no rows")
    return frame


def iter_table(
    path, columns=None, chunk_rows=CHUNK_ROWS, text=(), sep=None, decimal="."
):
    """The table at ``path`` in DataFrames of at most ``chunk_rows`` rows.

    The columns in ``text`` are read as text: a CSV chunk of codes such as
    "10" and "20" would otherwise come out as numbers, unlike the whole file.
    """
    pandas = _pandas()
    sep = check_sep(path, sep, decimal)
    try:
        if sep is None:
            parquet = _pyarrow()
            batches = parquet.ParquetFile(path).iter_batches(
                batch_size=chunk_rows, columns=columns
            )
            chunks = (batch.to_pandas() for batch in batches)
        else:
            chunks = pandas.read_csv(
                path,
                sep=sep,
                decimal=decimal,
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


def table_columns(path, sep=None):
    """The column names of the table at ``path``, read from its header."""
    pandas = _pandas()
    sep = check_sep(path, sep)
    try:
        if sep is None:
            return list(_pyarrow().ParquetFile(path).schema_arrow.names)
        return list(pandas.read_csv(path, sep=sep, nrows=0).columns)
    except InputError:
        raise
    except Exception as exc:
        raise _unreadable(path, exc) from None


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
            more += "; its rows look separated by another character: pass --sep"
        column = f"{role} column" if role else "column"
        raise InputError(
            f"{path} has no {column} {name!r}{hint} (its columns: {shown}{more})"
        )


def check_numbers(frame, path, columns, decimal=".", first_row=0):
    """Each of ``columns`` holds numbers; else name its first cell that does not.

    ``first_row`` is the number of rows before ``frame`` in the file.
    """
    for name in columns:
        column = frame[name]
        if column.dtype.kind in "iufb":
            continue
        bad = column.notna() & _as_numbers(column, decimal).isna()
        if bad.any():
            position = int(bad.to_numpy().argmax())
            raise InputError(
                _not_a_number(
                    path, name, first_row + position, column.iloc[position], decimal
                )
            )


def number_columns(frame, path, columns, decimal=".", first_row=0):
    """``columns`` as a float array of shape (rows, columns); a cell that is
    not a number named by its column and row. Empty cells are NaN."""
    check_numbers(frame, path, columns, decimal, first_row)
    numbers = [
        frame[name]
        if frame[name].dtype.kind in "iufb"
        else _as_numbers(frame[name], decimal)
        for name in columns
    ]
    return np.column_stack(
        [column.to_numpy(dtype=np.float64, na_value=np.nan) for column in numbers]
    )


def check_number_columns(frame, path, decimal="."):
    """Refuse a column of numbers some written as "1.234,5"; note other text.

    A column read as text although (nearly) all its values are numbers
    would be one-hot encoded: an error if the others are numbers written
    for people (a decimal comma, a thousands separator), a note otherwise.
    """
    for name in frame.select_dtypes(include=["object", "string"]).columns:
        present = frame[name].notna()
        text = frame[name].astype(str)
        numbers = present & _as_numbers(text, decimal).notna()
        formatted = present & ~numbers & text.str.fullmatch(_FORMATTED_NUMBER)
        others = present & ~numbers
        if not others.any():
            continue
        if formatted.any() and (numbers | formatted).sum() >= 0.9 * present.sum():
            check_numbers(frame, path, [name], decimal)
        elif numbers.sum() >= 0.9 * present.sum():
            first = int(others.to_numpy().argmax())
            more = int(others.sum()) - 1
            more = f" and {more:,} other such values" if more else ""
            note(
                f"{path}, column {name!r} is read as text: it holds numbers, but "
                f"also {shown_cell(text.iloc[first])} (row {first + 1:,} after the "
                "header)"
                f"{more}; fill or remove those to use it as numbers"
            )


def explain_number_error(exc, frame, path, decimal=".", first_row=0):
    """The cell that scikit-learn's "could not convert string to float" means.

    A message naming its column and row, or ``None``.
    """
    found = _CONVERT_ERROR.search(str(exc))
    if not found:
        # Other versions of scikit-learn and numpy word it otherwise: the
        # first text in a column of numbers is then the likely cause.
        for name in frame.select_dtypes(exclude="number").columns:
            column = frame[name]
            bad = (column.notna() & _as_numbers(column, decimal).isna()).to_numpy()
            if bad.any() and bad.mean() < 0.5:
                position = int(bad.argmax())
                return _not_a_number(
                    path, name, first_row + position, column.iloc[position], decimal
                )
        return None
    value = found[1]
    for name in frame.select_dtypes(exclude="number").columns:
        hits = (frame[name].astype(str) == value).to_numpy()
        if hits.any():
            return _not_a_number(path, name, first_row + hits.argmax(), value, decimal)
    return None


def _as_numbers(column, decimal):
    pandas = _pandas()
    text = column.astype(str).str.strip()
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    return pandas.to_numeric(text, errors="coerce")


def _not_a_number(path, column, position, value, decimal):
    hint = ""
    if "," in str(value) and decimal != "," and _FORMATTED_NUMBER.fullmatch(value):
        hint = " (decimal comma? pass --decimal ,)"
    return (
        f"{path}, column {column!r}, row {position + 1:,} after the header: "
        f"{shown_cell(value)} is not a number{hint}"
    )


def _unreadable(path, exc):
    hint = " (the commands read UTF-8 text)" if isinstance(exc, UnicodeError) else ""
    return InputError(f"{path} could not be read as a table{hint}: {one_line(exc)}")


def check_table_output(path):
    """The format of the table to write at ``path``, told by its extension.

    Parquet needs pyarrow, checked here, before any work.
    """
    kind = TABLE_OUTPUTS.get(Path(path).suffix.lower())
    if kind is None:
        raise InputError(
            f"--out {path}: name the output .csv, .tsv (tab-separated), .parquet "
            "or .pq, which tells its format"
        )
    if kind == "parquet":
        _pyarrow()
    return kind


@contextmanager
def table_writer(path, kind):
    """A function writing DataFrames one after the other into the table ``path``.

    ``kind`` is one of ``TABLE_OUTPUTS``'s values. Parquet chunks are
    appended as row groups, cast to the first chunk's column types.
    """
    if kind == "parquet":
        with _parquet_writer(path) as write:
            yield write
        return
    sep = "\t" if kind == "tsv" else ","
    header = True
    with open(path, "w", newline="", encoding="utf-8") as file:

        def write(frame):
            nonlocal header
            frame.to_csv(file, sep=sep, header=header, index=False)
            header = False

        yield write


@contextmanager
def _parquet_writer(path):
    parquet = _pyarrow()
    import pyarrow

    writer = None

    def write(frame):
        nonlocal writer
        table = pyarrow.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            # A column with no value in the first chunk has no type yet.
            schema = pyarrow.schema(
                f.with_type(pyarrow.large_string())
                if pyarrow.types.is_null(f.type)
                else f
                for f in table.schema
            ).with_metadata(table.schema.metadata)
            writer = parquet.ParquetWriter(path, schema)
        if not table.schema.equals(writer.schema, check_metadata=False):
            table = _cast_chunk(table, writer.schema)
        writer.write_table(table)

    try:
        yield write
    finally:
        if writer is not None:
            writer.close()


def _cast_chunk(table, schema):
    import pyarrow

    try:
        return table.cast(schema)
    except (pyarrow.ArrowInvalid, pyarrow.ArrowNotImplementedError):
        changed = [
            f"{field.name!r} ({field.type}, first {schema.field(field.name).type})"
            for field in table.schema
            if field.type != schema.field(field.name).type
        ]
        raise InputError(
            f"the types of columns change between chunks: {', '.join(changed)}; "
            "write a .csv, or pass a larger --chunk-rows"
        ) from None


def check_output(path, force, inputs=()):
    """Refuse an output that is an input, a folder, or exists unless ``force``.

    Its folder must exist and be writable. An input is never overwritten,
    with ``force`` or not: under its own name, a symbolic or a hard link.
    """
    path = Path(path)
    for source in inputs:
        if _same_file(path, source):
            what = (
                "is an input of this command"
                if str(path) == str(source)
                else f"is the same file as the input {source}"
            )
            raise InputError(f"{path} {what}; write the output to another file")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the output a file name")
    if os.path.lexists(path) and not force:
        raise InputError(f"{path} exists; pass --force to overwrite it")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder for the output")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{path}: the folder {folder} is not writable")


def _same_file(path, other):
    try:
        if path.resolve() == Path(other).resolve():
            return True
        return os.path.samefile(path, other)
    except (OSError, RuntimeError):
        return False


@contextmanager
def atomic_outputs(*paths, force=False):
    """Temporary paths beside ``paths``, all put onto them only on success.

    Each keeps its path's suffix, for writers that read it, and gets the
    permissions of a new file. On success each is linked to its path, which
    fails if the path exists (an ``InputError``, and the outputs this run
    already put in place are removed); with ``force`` it replaces the path
    (a file replaced before a later output fails is not restored). Whatever
    stops the body (an error, a signal's exception) removes them.
    """
    paths = [Path(p) for p in paths]
    temporaries = []
    try:
        for path in paths:
            remove_stale_temporaries(path)
            temporaries.append(_create_temporary(path))
        yield temporaries
        _publish(temporaries, paths, force)
    finally:
        for temporary in temporaries:
            with suppress(FileNotFoundError):
                temporary.unlink()


def _host():
    name = socket.gethostname().split(".")[0]
    return re.sub(r"[^A-Za-z0-9-]", "", name)[:32] or "host"


def _temporary_stem(path):
    """``path``'s name, shortened so that its temporaries' names fit in 255."""
    if len(path.name) <= 160:
        return path.name
    digest = hashlib.sha1(path.name.encode(errors="replace")).hexdigest()[:8]
    return f"{path.name[:140]}~{digest}"


def _temporary_pattern(path):
    """The names of ``path``'s temporaries, with a skops save's own inside."""
    return re.compile(
        r"\.?"
        + re.escape(f".{_temporary_stem(path)}.")
        + r"(\d+)\.([A-Za-z0-9-]+)"
        + re.escape(f".part{path.suffix}")
        + r"(?:\.[0-9a-f]+\.tmp)?"
    )


def _create_temporary(path):
    name = f".{_temporary_stem(path)}.{os.getpid()}.{_host()}.part{path.suffix}"
    temporary = path.with_name(name)
    try:
        # os.open's mode, unlike tempfile's, is filtered by the umask.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise InputError(
            f"{path}: cannot create a file in {path.parent} ({exc.strerror})"
        ) from None
    return temporary


def remove_stale_temporaries(path):
    """Remove the temporaries of ``path`` left by runs that were killed.

    One is stale if its process is gone (on this machine), or if it has not
    changed for a day. A note names each removed.
    """
    pattern = _temporary_pattern(path)
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found is None or entry.is_dir(follow_symlinks=False):
            continue
        pid, host = int(found[1]), found[2]
        if not _is_stale(entry, pid, host):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        note(
            f"removed {entry.name}, an unfinished {path.name} left by a run "
            f"that was stopped (process {pid})"
        )


def _is_stale(entry, pid, host):
    try:
        age = time.time() - entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return False
    if age > _STALE_SECONDS:
        return True
    if host != _host():
        return False
    # This process did not make it: this is its first look at the folder.
    return pid == os.getpid() or not _is_running(pid)


def _is_running(pid):
    if os.name == "nt":
        # os.kill would end the process there; the age decides instead.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, ValueError):
        return False
    except OSError:
        return True
    return True


def _publish(temporaries, paths, force):
    """Put each temporary onto its path; on failure, remove what was put."""
    placed = []
    try:
        for temporary, path in zip(temporaries, paths, strict=True):
            mine = {_identity(temporary)}
            placed.append((path, mine))
            _place(temporary, path, force, mine)
    except BaseException:
        for path, mine in placed:
            # Only a file this run made: another may have replaced it since.
            with suppress(OSError):
                if _identity(path) in mine:
                    path.unlink()
        raise


def _place(temporary, path, force, mine):
    """Link ``temporary`` to ``path``, which must not exist (unless ``force``).

    On a file system without hard links, the path is claimed by creating it
    exclusively, then replaced. Identities of files made here go to ``mine``.
    """
    if force:
        os.replace(temporary, path)
        return
    try:
        try:
            os.link(temporary, path)
            return
        except OSError as exc:
            if isinstance(exc, FileExistsError) or exc.errno not in _NO_HARD_LINKS:
                raise
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        status = os.fstat(descriptor)
        mine.add((status.st_dev, status.st_ino))
        os.close(descriptor)
        os.replace(temporary, path)
    except FileExistsError:
        raise InputError(
            f"{path} was created by something else while this run was writing "
            "it: left it as it is and wrote nothing (pass --force to replace it)"
        ) from None


def _identity(path):
    """The device and inode of the file ``path`` names (not a link's target)."""
    status = os.stat(path, follow_symlinks=False)
    return status.st_dev, status.st_ino
