"""The summary of a fitted rule, as text.

It reads only a model's public fitted attributes, as a Display does, so
that both front ends and the command line print the same report.
"""

from threshold_estimator._diagnostics import (
    binary_summary_rows,
    fold_line,
    format_missed_constraint,
    format_quantity,
    format_rows,
    held_out_row,
    how_aggregated,
    multiclass_summary_rows,
    objective_sign,
    shown_number,
    shown_threshold,
)


def format_summary(model):
    """The rule, how it was found, and how steady it is across folds."""
    multiclass = model.classes_.size > 2
    if not hasattr(model, "fold_thresholds_"):
        if model.decision_rule_ == "bayes":
            how = f"Bayes rule of {model.objective_!r}"
        elif model.decision_rule_ == "fixed":
            how = "fixed, not tuned"
        else:
            shares = " ".join(f"{share:.3g}" for share in model.class_prior_)
            how = f"re-derived for class_prior [{shares}]"
        if model.decision_threshold_ is None:
            return f"decision rule  least expected cost ({how})"
        if not multiclass:
            shown = shown_number(model.decision_threshold_)
            return f"decision threshold  {shown} ({how})"
        rows = [("decision rule", f"argmax_k p_k / t_k ({how})")]
        rows += [
            (f"t[{label}]", shown_number(t))
            for label, t in zip(model.classes_, model.decision_threshold_, strict=True)
        ]
        return format_rows(rows)
    how = how_aggregated(
        model.aggregation_, len(model.fold_thresholds_), model.decision_rule_
    )
    if multiclass:
        rows = multiclass_summary_rows(
            model.classes_,
            model.decision_threshold_,
            model.fold_thresholds_,
            model.threshold_spread_,
            how,
        )
    else:
        rows = binary_summary_rows(
            model.decision_threshold_,
            model.fold_thresholds_,
            model.threshold_spread_,
            model.threshold_interval_,
            how,
        )
    objective = model.objective_
    sign = objective_sign(objective)
    missed = (
        format_missed_constraint(
            objective,
            model.constraint_values_["folds"],
            model.constraint_values_["pooled"],
        )
        if hasattr(model, "constraint_values_")
        else ""
    )
    rows.append(
        held_out_row(
            format_quantity(objective),
            None if model.best_score_ is None else sign * model.best_score_,
            sign * model.fold_scores_,
            missed,
        )
    )
    return format_rows(rows)


def format_fold_lines(record, tuned, objective, aggregation):
    """The verbose lines of a tuned fit: one per fold, then the rule."""
    name = format_quantity(objective)
    sign = objective_sign(objective)
    lines = []
    for i, (part, threshold, score, seconds) in enumerate(
        zip(
            record.folds,
            tuned.fold_thresholds,
            tuned.fold_scores,
            record.seconds,
            strict=True,
        )
    ):
        n_held_out = part.stop - part.start
        lines.append(
            fold_line(
                i, record.n_folds, n_held_out, threshold, name, sign * score, seconds
            )
        )
    shown = shown_threshold(tuned.threshold)
    lines.append(f"decision threshold {shown} ({aggregation}, {tuned.rule})")
    return lines
