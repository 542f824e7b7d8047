"""``threshold-estimator inspect``: what a model file holds."""

from threshold_estimator import persistence
from threshold_estimator.cli._common import (
    held_out_facts,
    json_text,
    load_tuned,
    plain,
)


def inspect(args):
    """``threshold-estimator inspect``: what a model file holds."""
    model = load_tuned(args.model, args.trust, args.max_bytes)
    facts = {
        "model": _describe(model.estimator_),
        "objective": repr(getattr(model, "objective_", None)),
        "classes": plain(model.classes_),
        "pos_label": plain(model.pos_label_),
        "decision_threshold": plain(model.decision_threshold_),
        "decision_rule": model.decision_rule_,
        "fold_thresholds": plain(getattr(model, "fold_thresholds_", None)),
        "threshold_spread": plain(getattr(model, "threshold_spread_", None)),
        "held_out": held_out_facts(model),
        "class_balance": _shares(model.classes_, model.training_prior_),
        "class_prior": _shares(model.classes_, model.class_prior_),
        "features": [str(c) for c in getattr(model, "feature_names_in_", [])],
        "versions": _saved_versions(args.model, args.max_bytes),
    }
    if args.json:
        print(json_text(facts))
        return 0
    print(model.summary())
    for key in ("model", "classes", "class_balance", "class_prior", "versions"):
        print(f"{key:<20}{facts[key]}")
    return 0


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


def _shares(classes, shares):
    return {
        str(plain(label)): round(float(share), 4)
        for label, share in zip(classes, shares, strict=True)
    }
