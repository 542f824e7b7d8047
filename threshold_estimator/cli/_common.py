"""What the commands share: loading model files, progress, JSON values."""

import json
import math
import platform
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import sklearn

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, TunedThreshold, persistence
from threshold_estimator._diagnostics import (
    format_bound,
    format_missed_constraint,
    format_quantity,
    objective_sign,
)
from threshold_estimator.cli._files import (
    InputError,
    check_file,
    looks_like_table,
    note,
    one_line,
)
from threshold_estimator.exceptions import InvalidModelFileError, UntrustedTypeError


def progress(args, message):
    if args.progress:
        print(f"threshold-estimator: {message}", file=sys.stderr, flush=True)


def load_model(path, trust=(), max_bytes=None):
    """``persistence.load``, its refusals as bad input, its warnings one line."""
    check_file(path)
    if looks_like_table(path):
        raise InputError(f"{path} is a table, not a model file")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = persistence.load(path, trusted=trust, max_bytes=max_bytes)
        for warning in caught:
            message = one_line(warning.message)
            print(f"threshold-estimator: warning: {message}", file=sys.stderr)
        return model
    except UntrustedTypeError as exc:
        trust = " ".join(f"--trust {name}" for name in exc.types)
        raise InputError(
            f"{path} holds types that are not trusted by default, because a "
            f"crafted file could abuse them: {' '.join(exc.types)}. If you wrote "
            f"it or trust its source, pass {trust}"
        ) from None
    except Exception as exc:
        # Whatever stops a file from loading (not a model file, an untrusted
        # type, a broken archive) is the file's fault, said in one line.
        message = one_line(exc)
        if isinstance(exc, InvalidModelFileError):
            # Advice in the command's words: its options, not load's keywords.
            message = message.replace("max_bytes=", "--max-bytes ").replace(
                "a larger max_bytes", "a larger --max-bytes"
            )
            message = re.sub(
                r"trusted=\[([^\]]*)\]",
                lambda found: " ".join(
                    f"--trust {name.strip(chr(39))}"
                    for name in found.group(1).split(", ")
                ),
                message,
            )
        if not message.startswith(repr(str(path))):
            message = f"{path}: {message}"
        raise InputError(message) from None


def load_tuned(path, trust=(), max_bytes=None):
    """The tuned rule in a model file: a ``ThresholdedClassifier``, or a
    ``TunedThreshold`` (which reads scores); else bad input."""
    if looks_like_table(path):
        raise InputError(
            f"{path} is a table, not a model file (model and data swapped?); "
            "give the .skops file that tune wrote"
        )
    model = load_model(path, trust, max_bytes)
    if not isinstance(model, ThresholdedClassifier | TunedThreshold):
        raise InputError(
            f"{path} holds a {type(model).__name__}, not a model written by "
            "threshold-estimator tune"
        )
    return model


def check_model_output(path):
    """Refuse a model file's name that does not end in ``.skops``."""
    path = Path(path)
    if path.suffix != ".skops":
        raise InputError(
            f"--out {path}: a model file ends in .skops, which the commands load "
            "without running code from it"
        )
    return path


def tell_what_loading_needs(path):
    """Say which types ``predict`` will need trusted: a forest's trees, say."""
    refused = persistence.refused_types(path)
    if refused:
        trust = " ".join(f"--trust {name}" for name in refused)
        note(
            f"{path} holds {' '.join(refused)}, which model files do not trust "
            f"by default; predict and inspect it with {trust}"
        )


# The library's keyword arguments that the commands take as options.
_KEYWORDS = re.compile(r"\b(score_type|calibration|pos_label|scoring)='([^'\s]+)'")


def in_command_words(message):
    """A library message, its advice in the options' words: ``score_type='logit'``
    becomes ``--score-type logit``, ``pos_label='spam'`` ``--pos-label spam``."""
    message = message.replace("pos_label=None", "no --pos-label")
    return _KEYWORDS.sub(
        lambda found: f"--{found[1].replace('_', '-')} {found[2]}", message
    )


def feature_kinds(model):
    """The columns a model made by ``tune`` reads as numbers, and as text.

    Its ``ColumnTransformer`` names them; another model's are not known.
    """
    kinds = {"numbers": [], "categories": []}
    for _, step in getattr(model.estimator_, "steps", []):
        for name, _, columns in getattr(step, "transformers_", []):
            if name in kinds:
                kinds[name] = [str(c) for c in columns]
    return kinds["numbers"], kinds["categories"]


def has_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def plain(value):
    """numpy values as the JSON types they stand for."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def finite(value):
    """A float, or None for NaN and infinities, which JSON has no word for."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _strict(value):
    """numpy values as JSON types, NaN and infinities as None, throughout."""
    if isinstance(value, dict):
        return {key: _strict(v) for key, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_strict(v) for v in value]
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_text(facts):
    """``facts`` as strict JSON: NaN and infinities become null.

    Where a value can be missing, its builder adds a field that says why;
    ``allow_nan=False`` makes sure that no ``NaN`` or ``Infinity``, which
    strict parsers refuse, is ever written.
    """
    return json.dumps(_strict(facts), indent=2, allow_nan=False)


def missed_constraint(model):
    """Where a tuned model's threshold misses its constraint, or ``""``."""
    if not hasattr(model, "constraint_values_"):
        return ""
    values = model.constraint_values_
    return format_missed_constraint(model.objective_, values["folds"], values["pooled"])


def held_out_facts(model):
    """The held-out objective of a tuned model, as the commands report it.

    A cost is the expected cost per row (``lower_is_better``); a fold where
    the threshold misses a constraint has no value (null), and ``reason``
    says why. None for a model whose rule was not tuned.
    """
    if not hasattr(model, "fold_scores_"):
        return None
    objective = model.objective_
    sign = objective_sign(objective)
    best = model.best_score_
    facts = {
        "quantity": format_quantity(objective, "row"),
        "lower_is_better": sign < 0,
        "value": None if best is None else finite(sign * best),
        "folds": [finite(sign * score) for score in model.fold_scores_],
    }
    if hasattr(model, "constraint_values_"):
        values = model.constraint_values_
        met = objective.meets_bound(values["folds"])
        facts["constraint"] = {
            "bound": format_bound(objective),
            "folds": [finite(v) for v in values["folds"]],
            "pooled": finite(values["pooled"]),
            "missed_folds": [int(i) + 1 for i in np.flatnonzero(~met)],
            "missed_pooled": not bool(objective.meets_bound(values["pooled"])),
        }
    if facts["value"] is None or None in facts["folds"]:
        reason = missed_constraint(model) or "the objective is not finite in every fold"
        facts["reason"] = reason
    return facts


def score_facts(tuned):
    """The objective of a ``TunedThreshold`` on the scores it was tuned on.

    None for one re-derived for another class balance, which keeps no such
    value.
    """
    if getattr(tuned, "score", None) is None:
        return None
    objective = tuned.objective_
    sign = objective_sign(objective)
    return {
        "quantity": format_quantity(objective, "row"),
        "lower_is_better": sign < 0,
        "value": finite(sign * tuned.score),
        # The threshold was chosen on these very scores.
        "on": "the scores tuned on, so optimistic",
    }


def class_shares(classes, shares):
    """``{"no": 0.9, "yes": 0.1}``: each class's share, rounded."""
    return {
        str(plain(label)): round(float(share), 4)
        for label, share in zip(classes, shares, strict=True)
    }


def versions():
    return {
        "threshold_estimator": threshold_estimator.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def format_threshold(threshold):
    if isinstance(threshold, list):
        return "[" + " ".join(f"{t:.4g}" for t in threshold) + "]"
    return f"{threshold:.4g}"
