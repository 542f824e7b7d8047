"""The abstention band: where the rule says "not sure", and labels with it."""

from numbers import Real

import numpy as np

from threshold_estimator._search import abstention_band
from threshold_estimator.exceptions import InfeasibleObjectiveError


def check_abstention(abstention, target, threshold):
    """The keyword of ``abstention_band`` that ``abstention`` asks for."""
    if abstention is None:
        return None
    key, value = next(iter(abstention.items()), (None, None))
    valid = {"precision": (0, 1, "(0, 1]"), "rate": (0, 1, "[0, 1)")}
    if (
        len(abstention) != 1
        or key not in valid
        or not isinstance(value, Real)
        or not (0 < value <= 1 if key == "precision" else 0 <= value < 1)
    ):
        raise ValueError(
            "abstention must be {'precision': p} with p in (0, 1] (the widest "
            "band at which both classes' predictions reach precision p) or "
            "{'rate': r} with r in [0, 1) (the band abstaining on at most that "
            f"share with the fewest errors); got {abstention!r}."
        )
    if target is not None and not target.is_binary:
        raise ValueError(
            f"abstention bands are two thresholds on one score, for two "
            f"classes; y has {target.classes.size}. Leave abstention=None."
        )
    if not (isinstance(threshold, str) and threshold == "auto"):
        raise ValueError(
            "abstention is tuned on held-out scores, which a fit with "
            f"threshold={threshold!r} does not make; use threshold='auto'."
        )
    return {key: float(value)}


def tune_band(truth, scores, weight, threshold, abstention, advice=None):
    """``abstention_band`` for the checked ``abstention``, errors named."""
    try:
        return abstention_band(
            truth,
            scores,
            weight,
            threshold=threshold,
            **check_abstention(abstention, None, "auto"),
        )
    except InfeasibleObjectiveError as exc:
        raise InfeasibleObjectiveError(
            f"abstention={abstention!r} cannot be met on the held-out scores: "
            f"{exc}. {advice or 'Ask for a lower precision.'}"
        ) from None


def label_with_abstentions(scores, band, classes, pos_label, marker):
    """Labels of binary scores, ``marker`` inside ``band``; and the coverage."""
    if any(marker == label for label in classes.tolist()):
        raise ValueError(
            f"marker={marker!r} is a class of y; choose a value that is not, "
            "such as 'abstain' or -1."
        )
    low, high = band
    pos = int(np.flatnonzero(classes == pos_label)[0])
    labels = classes[np.where(scores >= high, pos, 1 - pos)]
    abstain = (scores >= low) & (scores < high)
    kind = np.asarray(marker).dtype.kind
    # Booleans and bytes stay apart from numbers and text: -1 is no boolean.
    same_kind = (labels.dtype.kind in "iuf" and kind in "iuf") or (
        labels.dtype.kind == "U" and kind == "U"
    )
    dtype = np.result_type(labels, np.asarray(marker)) if same_kind else object
    labels = labels.astype(dtype)
    labels[abstain] = marker
    return labels, float(1 - abstain.mean()) if abstain.size else 1.0
