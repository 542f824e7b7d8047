"""``threshold-estimator inspect``: what a model file holds."""

from threshold_estimator import TunedThreshold, persistence
from threshold_estimator.cli._common import (
    class_shares,
    format_threshold,
    held_out_facts,
    json_text,
    load_tuned,
    plain,
    score_facts,
)


def inspect(args):
    """``threshold-estimator inspect``: what a model file holds."""
    model = load_tuned(args.model, args.trust, args.max_bytes)
    if isinstance(model, TunedThreshold):
        facts = _tuned_threshold_facts(model)
    else:
        facts = _classifier_facts(model)
    facts["versions"] = _saved_versions(args.model, args.max_bytes)
    if args.json:
        print(json_text(facts))
        return 0
    if isinstance(model, TunedThreshold):
        print(_tuned_threshold_text(facts))
        return 0
    print(model.summary())
    for key in ("model", "classes", "class_balance", "class_prior", "versions"):
        print(f"{key:<20}{facts[key]}")
    return 0


def _classifier_facts(model):
    return {
        "model": _describe(model.estimator_),
        "objective": repr(getattr(model, "objective_", None)),
        "classes": plain(model.classes_),
        "pos_label": plain(model.pos_label_),
        "decision_threshold": plain(model.decision_threshold_),
        "decision_rule": model.decision_rule_,
        "fold_thresholds": plain(getattr(model, "fold_thresholds_", None)),
        "threshold_spread": plain(getattr(model, "threshold_spread_", None)),
        "held_out": held_out_facts(model),
        "class_balance": class_shares(model.classes_, model.training_prior_),
        "class_prior": class_shares(model.classes_, model.class_prior_),
        "features": [str(c) for c in getattr(model, "feature_names_in_", [])],
    }


def _tuned_threshold_facts(tuned):
    """What a ``TunedThreshold`` holds: the rule, and the scores it reads."""
    interval = getattr(tuned, "interval", None)
    columns = getattr(tuned, "score_columns_", None)
    return {
        "model": type(tuned).__name__,
        "objective": repr(tuned.objective_),
        "classes": plain(tuned.classes_),
        "pos_label": plain(tuned.pos_label_),
        "decision_threshold": plain(tuned.threshold),
        "decision_rule": tuned.decision_rule_,
        "threshold_interval": plain(interval),
        "confidence_level": tuned.confidence_level,
        "score": score_facts(tuned),
        "score_columns": None if columns is None else list(columns),
        "score_type": tuned.score_type,
        "calibration": tuned.calibration,
        "class_balance": class_shares(tuned.classes_, tuned.training_prior_),
        "class_prior": class_shares(tuned.classes_, tuned.class_prior_),
        "n_samples": tuned.n_samples,
    }


def _tuned_threshold_text(facts):
    """The facts of a ``TunedThreshold`` as aligned lines, as ``summary()``'s."""
    threshold = format_threshold(facts["decision_threshold"])
    lines = [("decision threshold", f"{threshold} ({facts['decision_rule']})")]
    interval = facts["threshold_interval"]
    if interval is not None:
        level = f"{facts['confidence_level']:.0%} interval"
        if len(facts["classes"]) > 2:
            shown = " ".join(f"[{low:.4g}, {high:.4g}]" for low, high in interval)
        else:
            shown = "[{:.4g}, {:.4g}]".format(*interval)
        lines.append((level, shown))
    lines.append(("objective", facts["objective"]))
    score = facts["score"]
    if score is not None:
        lines.append((score["quantity"], f"{score['value']:.4g} ({score['on']})"))
    if facts["pos_label"] is not None:
        lines.append(("pos_label", facts["pos_label"]))
    columns = facts["score_columns"]
    lines += [
        ("score columns", "not recorded" if columns is None else " ".join(columns)),
        ("score type", facts["score_type"]),
        ("calibration", facts["calibration"] or "none"),
        ("tuned on", f"{facts['n_samples']:,} scores"),
    ]
    for key in ("model", "classes", "class_balance", "class_prior", "versions"):
        lines.append((key, facts[key]))
    return "\n".join(f"{key:<20}{value}" for key, value in lines)


def _saved_versions(path, max_bytes):
    try:
        return persistence.saved_versions(path, max_bytes=max_bytes)
    except ValueError:
        return None


def _describe(estimator):
    """``Pipeline(ColumnTransformer, LogisticRegression)``, or the class name."""
    steps = getattr(estimator, "steps", None)
    if not steps:
        return type(estimator).__name__
    inner = ", ".join(type(step).__name__ for _, step in steps)
    return f"{type(estimator).__name__}({inner})"
