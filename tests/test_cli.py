import errno
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, persistence
from threshold_estimator.cli import _demo, _main, main, run_demo
from threshold_estimator.cli._common import has_matplotlib
from threshold_estimator.cli._files import (
    InputError,
    atomic_outputs,
    remove_stale_temporaries,
)
from threshold_estimator.objectives import cost, cost_matrix


def test_demo_tunes_on_the_training_half_and_prints_the_comparison():
    out = io.StringIO()
    rows = run_demo(out=out)
    text = out.getvalue()
    for name in ("default 0.5", "TunedThresholdClassifierCV", "ThresholdedClassifier"):
        assert name in text
    assert "fold thresholds" in text
    ours = rows[-1]
    assert len(ours["fold_thresholds"]) == 5
    assert 0 < ours["threshold"] < 0.5  # 1% positives: below the default
    assert ours["test_score"] > rows[0]["test_score"]


def test_demo_accepts_another_objective(capsys):
    assert main(["demo", "--scoring", "balanced_accuracy", "--folds", "3"]) == 0
    assert "test balanced_accuracy" in capsys.readouterr().out


def test_module_runs_as_a_command():
    result = subprocess.run(
        [sys.executable, "-m", "threshold_estimator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "demo" in result.stdout


def _table(n=600, seed=0, classes=("no", "yes")):
    """A churn table: numbers, a category, missing values, an identifier."""
    pandas = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    churn = rng.random(n) < 0.2
    frame = pandas.DataFrame(
        {
            "customer": [f"c{i:05d}" for i in range(n)],
            "tenure": rng.normal(size=n) - churn,
            "spend": np.where(rng.random(n) < 0.05, np.nan, rng.normal(size=n)),
            "plan": rng.choice(["basic", "plus", "pro"], size=n),
            "churn": np.where(churn, classes[1], classes[0]),
        }
    )
    frame.loc[churn & (rng.random(n) < 0.5), "plan"] = "basic"
    return frame


@pytest.fixture
def files(tmp_path):
    frame = _table()
    csv = tmp_path / "data.csv"
    frame.to_csv(csv, index=False)
    return tmp_path, csv, frame


def _run(argv, capsys):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_tune_predict_inspect_end_to_end_on_csv(files, capsys):
    tmp_path, csv, frame = files
    model = tmp_path / "model.skops"
    status, out, err = _run(
        [
            "tune",
            csv,
            "--target",
            "churn",
            "--pos-label",
            "yes",
            "--scoring",
            "f1",
            "--drop",
            "customer",
            "--out",
            model,
        ],
        capsys,
    )
    assert status == 0, err
    assert "threshold" in out and model.exists()
    report = json.loads((tmp_path / "model.json").read_text())
    assert report["pos_label"] == "yes"
    assert len(report["fold_thresholds"]) == 5
    assert report["class_balance"] == frame["churn"].value_counts().to_dict()
    assert report["versions"]["threshold_estimator"]
    assert report["command"].startswith("threshold-estimator tune")
    if has_matplotlib():
        assert (tmp_path / "model.png").stat().st_size > 1000

    out_csv = tmp_path / "predictions.csv"
    status, out, err = _run(
        [
            "predict",
            model,
            csv,
            "--id",
            "customer",
            "--scores",
            "--margin",
            "--chunk-rows",
            "128",
            "--out",
            out_csv,
        ],
        capsys,
    )
    assert status == 0, err
    pandas = pytest.importorskip("pandas")
    written = pandas.read_csv(out_csv)
    assert list(written.columns) == [
        "customer",
        "prediction",
        "proba_no",
        "proba_yes",
        "margin",
    ]
    assert written["customer"].tolist() == frame["customer"].tolist()
    loaded = persistence.load(model)
    expected = loaded.predict(frame.drop(columns=["customer", "churn"]))
    assert written["prediction"].tolist() == expected.tolist()
    assert ((written["margin"] > 0) == (written["prediction"] == "yes")).all()

    status, out, err = _run(["inspect", model, "--json"], capsys)
    assert status == 0, err
    facts = json.loads(out)
    assert facts["decision_threshold"] == pytest.approx(report["decision_threshold"])
    assert facts["classes"] == ["no", "yes"]
    assert facts["versions"] == {
        "threshold-estimator": threshold_estimator.__version__,
        "scikit-learn": sklearn.__version__,
    }
    status, out, err = _run(["inspect", model], capsys)
    assert "decision threshold" in out and "class_balance" in out


def test_parquet_in_and_three_classes(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    frame = _table()
    frame["churn"] = np.where(frame["tenure"] > 0.5, "stay", frame["churn"])
    data = tmp_path / "data.parquet"
    frame.to_parquet(data)
    model = tmp_path / "model.skops"
    status, _, err = _run(
        [
            "tune",
            data,
            "--target",
            "churn",
            "--model",
            "hgb",
            "--scoring",
            "f1_macro",
            "--drop",
            "customer",
            "--out",
            model,
            "--cv",
            "3",
        ],
        capsys,
    )
    assert status == 0, err
    tree = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
    assert f"--trust {tree}" in err
    out_csv = tmp_path / "out.csv"
    status, _, err = _run(["predict", model, data, "--out", out_csv], capsys)
    assert status == 1 and "not trusted by default" in err and "--trust" in err
    assert not out_csv.exists()
    status, _, err = _run(
        ["predict", model, data, "--out", out_csv, "--trust", tree], capsys
    )
    assert status == 0, err
    assert set(pandas_read(out_csv)["prediction"]) <= {"no", "yes", "stay"}


def pandas_read(path):
    return pytest.importorskip("pandas").read_csv(path)


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--cost", "fp=1,fn=10"], None),
        (["--constraint", "f1:recall>=0.3"], None),
        (["--model", "forest"], None),
    ],
)
def test_tune_objectives_and_models(files, capsys, extra, match):
    tmp_path, csv, _ = files
    status, _, err = _run(
        [
            "tune",
            csv,
            "--target",
            "churn",
            "--pos-label",
            "yes",
            "--drop",
            "customer",
            "--out",
            tmp_path / "m.skops",
            *extra,
        ],
        capsys,
    )
    assert status == 0, err
    report = json.loads((tmp_path / "m.json").read_text())
    assert (
        report["objective"].startswith(("cost(", "constrained("))
        or extra[0] == "--model"
    )


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--target", "churnn"], r"no column 'churnn'; did you mean 'churn'\?"),
        (["--target", "churn", "--drop", "plan", "custmer"], "did you mean 'customer'"),
        (["--target", "plan", "--cost", "fp=1,fn=2"], "--cost is for two classes"),
        (["--target", "churn", "--cost", "fp=1,fx=2"], "the cells are tn, fp, fn"),
        (["--target", "churn", "--cost", "fp=one"], "is not cell=number"),
        (["--target", "churn", "--constraint", "recall"], "maximize:metric>=value"),
        (
            ["--target", "churn", "--scoring", "roc_auc", "--pos-label", "yes"],
            "same value at every decision threshold",
        ),
        (["--target", "churn", "--scoring", "f1"], "Pass --pos-label"),
        (["--target", "churn", "--model", "svm"], "neither one of logistic"),
    ],
)
def test_tune_bad_input_is_one_line_and_writes_nothing(files, capsys, argv, match):
    tmp_path, csv, _ = files
    out = tmp_path / "model.skops"
    status, stdout, err = _run(
        ["tune", csv, *argv, "--out", out, "--drop", "customer"], capsys
    )
    assert status == 1
    assert err.count("\n") == 1 and err.startswith("threshold-estimator: error:")
    assert re.search(match, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_one_class_target_and_missing_target_values(tmp_path, capsys):
    frame = _table()
    frame["churn"] = "no"
    one = tmp_path / "one.csv"
    frame.to_csv(one, index=False)
    status, _, err = _run(
        ["tune", one, "--target", "churn", "--out", tmp_path / "m.skops"], capsys
    )
    assert status == 1 and "holds one class ('no')" in err
    frame = _table()
    frame.loc[3, "churn"] = None
    gaps = tmp_path / "gaps.csv"
    frame.to_csv(gaps, index=False)
    status, _, err = _run(
        ["tune", gaps, "--target", "churn", "--out", tmp_path / "m.skops"], capsys
    )
    assert status == 1 and "has 1 missing values" in err


def test_unreadable_and_empty_files(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header = tmp_path / "header.csv"
    header.write_text("a,b,churn\n")
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"\x00\x01 not parquet")
    for path, match in (
        (empty, "is empty"),
        (header, "has a header but no rows"),
        (tmp_path / "absent.csv", "no such file"),
        (garbage, "could not be read as a table|Parquet files need pyarrow"),
    ):
        status, _, err = _run(
            ["tune", path, "--target", "churn", "--out", tmp_path / "m.skops"], capsys
        )
        assert status == 1 and re.search(match, err), err
    assert not (tmp_path / "m.skops").exists()


def test_a_model_that_cannot_take_missing_values(files, capsys):
    tmp_path, csv, _ = files
    pytest.importorskip("skops")
    from sklearn.svm import SVC

    estimator = tmp_path / "svc.skops"
    persistence.dump(SVC(), estimator)
    frame = _table()[["tenure", "spend", "churn"]]
    numeric = tmp_path / "numeric.csv"
    frame.to_csv(numeric, index=False)
    status, _, err = _run(
        [
            "tune",
            numeric,
            "--target",
            "churn",
            "--model",
            estimator,
            "--out",
            tmp_path / "m.skops",
        ],
        capsys,
    )
    assert status == 1
    assert "missing values (in spend), which SVC cannot take" in err


def test_outputs_are_not_overwritten_without_force(files, capsys):
    tmp_path, csv, _ = files
    model = tmp_path / "model.skops"
    argv = ["tune", csv, "--target", "churn", "--drop", "customer", "--out", model]
    assert _run(argv, capsys)[0] == 0
    before = model.read_bytes()
    status, _, err = _run(argv, capsys)
    assert status == 1 and "model.skops exists; pass --force" in err
    assert model.read_bytes() == before
    assert _run([*argv, "--force"], capsys)[0] == 0


def test_predict_refuses_what_it_cannot_use(files, capsys):
    tmp_path, csv, frame = files
    model = tmp_path / "model.skops"
    argv = ["tune", csv, "--target", "churn", "--drop", "customer", "--out", model]
    assert _run(argv, capsys)[0] == 0
    out = tmp_path / "p.csv"
    short = tmp_path / "short.csv"
    frame.drop(columns=["tenure"]).to_csv(short, index=False)
    status, _, err = _run(["predict", model, short, "--out", out], capsys)
    assert status == 1 and "no feature column 'tenure'" in err
    status, _, err = _run(
        ["predict", model, csv, "--id", "custome", "--out", out], capsys
    )
    assert status == 1 and "did you mean 'customer'" in err
    from sklearn.linear_model import LogisticRegression as Plain

    foreign = tmp_path / "plain.skops"
    persistence.dump(Plain(), foreign)
    status, _, err = _run(["predict", foreign, csv, "--out", out], capsys)
    assert status == 1 and "not a model written by threshold-estimator tune" in err
    not_a_model = tmp_path / "notes.skops"
    not_a_model.write_text("hello")
    status, _, err = _run(["inspect", not_a_model], capsys)
    assert status == 1 and err.startswith("threshold-estimator: error: ")
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_a_long_cell_is_quoted_short_in_the_error(files, capsys):
    tmp_path, csv, frame = files
    model = tmp_path / "model.skops"
    argv = ["tune", csv, "--target", "churn", "--drop", "customer", "--out", model]
    assert _run(argv, capsys)[0] == 0
    frame = frame.astype({"tenure": object})
    frame.loc[3, "tenure"] = "x" * 100_000
    long_cell = tmp_path / "long.csv"
    frame.to_csv(long_cell, index=False)
    status, _, err = _run(
        ["predict", model, long_cell, "--out", tmp_path / "p.csv"], capsys
    )
    assert status == 1 and "column 'tenure', row 4 after the header" in err
    assert "(100,000 characters) is not a number" in err
    assert len(err) < 500


def test_usage_errors_exit_2_and_every_command_has_help_with_an_example(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["tune", "data.csv"])
    assert exited.value.code == 2
    for command in ("demo", "tune", "predict", "inspect", "evaluate", "shift"):
        with pytest.raises(SystemExit) as exited:
            main([command, "--help"])
        assert exited.value.code == 0
        assert "example" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == threshold_estimator.__version__


def test_demo_with_a_threshold_free_scoring_is_one_line(capsys):
    status, _, err = _run(["demo", "--scoring", "roc_auc"], capsys)
    assert status == 1 and err.count("\n") == 1 and "roc_auc" in err


def test_progress_goes_to_a_terminal_only(files, capsys, monkeypatch):
    tmp_path, csv, _ = files
    model = tmp_path / "model.skops"
    argv = ["tune", csv, "--target", "churn", "--drop", "customer", "--out", model]
    assert "fitting" not in _run(argv, capsys)[2]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    status, _, err = _run([*argv, "--force"], capsys)
    assert status == 0 and "fitting 5 folds" in err
    status, _, err = _run([*argv, "--force", "-q"], capsys)
    assert status == 0 and "fitting" not in err


def test_a_predict_that_fails_midway_leaves_no_output(files, capsys):
    tmp_path, csv, frame = files
    model = tmp_path / "model.skops"
    argv = ["tune", csv, "--target", "churn", "--drop", "customer", "--out", model]
    assert _run(argv, capsys)[0] == 0
    broken = frame.astype({"tenure": object})
    broken.loc[500, "tenure"] = "not a number"
    bad = tmp_path / "bad.csv"
    broken.to_csv(bad, index=False)
    out = tmp_path / "p.csv"
    status, _, err = _run(
        ["predict", model, bad, "--chunk-rows", "100", "--out", out], capsys
    )
    assert status == 1
    assert "bad.csv, column 'tenure', row 501 after the header: 'not a number'" in err
    assert err.count("\n") == 1
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_chunks_read_codes_as_the_whole_file_does(tmp_path, capsys):
    """A column of codes such as "10" and "A1": a chunk of digits stays text."""
    pandas = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    n = 1000
    code = rng.choice(["10", "20", "30", "A1"], size=n)
    code[:300] = rng.choice(["10", "20"], size=300)
    y = np.where((code == "20") | (rng.random(n) < 0.2), "yes", "no")
    frame = pandas.DataFrame({"x": rng.normal(size=n), "code": code, "y": y})
    data = tmp_path / "mixed.csv"
    frame.to_csv(data, index=False)
    model = tmp_path / "m.skops"
    argv = ["tune", data, "--target", "y", "--pos-label", "yes", "--out", model]
    assert _run(argv, capsys)[0] == 0
    whole, chunked = tmp_path / "a.csv", tmp_path / "b.csv"
    assert _run(["predict", model, data, "--out", whole], capsys)[0] == 0
    argv = ["predict", model, data, "--chunk-rows", "100", "--out", chunked]
    assert _run(argv, capsys)[0] == 0
    assert whole.read_text() == chunked.read_text()


def test_identifier_columns_and_curves_stay_out_of_the_model_file(files, capsys):
    tmp_path, csv, frame = files
    model = tmp_path / "model.skops"
    status, _, err = _run(["tune", csv, "--target", "churn", "--out", model], capsys)
    assert status == 0 and "left out customer" in err
    with zipfile.ZipFile(model) as archive:
        text = b"".join(archive.read(name) for name in archive.namelist())
    assert b"c00042" not in text
    loaded = persistence.load(model)
    assert not hasattr(loaded, "cv_results_")
    assert "customer" not in loaded.feature_names_in_


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--out", "model.joblib"], "a model file ends in .skops"),
        (["--out", "m.skops", "--report", "m.skops"], "would overwrite another"),
        (["--out", "m.skops", "--cost", "fp=0,fn=0"], "--cost 'fp=0,fn=0'"),
        (["--out", "folder.skops"], "is a folder"),
    ],
)
def test_tune_refuses_outputs_it_cannot_write_before_fitting(
    files, capsys, extra, match, monkeypatch
):
    tmp_path, csv, _ = files
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.skops").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    argv = ["tune", csv, "--target", "churn", "--drop", "customer", *extra]
    status, _, err = _run(argv, capsys)
    assert status == 1 and match in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_boolean_target_with_a_pos_label(tmp_path, capsys):
    frame = _table()
    frame["churn"] = frame["churn"] == "yes"
    data = tmp_path / "bool.csv"
    frame.to_csv(data, index=False)
    argv = [
        "tune",
        data,
        "--target",
        "churn",
        "--pos-label",
        "True",
        "--scoring",
        "f1",
        "--drop",
        "customer",
        "--out",
        tmp_path / "m.skops",
    ]
    status, _, err = _run(argv, capsys)
    assert status == 0, err
    assert json.loads((tmp_path / "m.json").read_text())["pos_label"] is True


def test_usage_errors_for_chunk_rows_and_repeated_trust(files, capsys):
    tmp_path, csv, _ = files
    with pytest.raises(SystemExit) as exited:
        main(["predict", "m.skops", str(csv), "--out", "p.csv", "--chunk-rows", "0"])
    assert exited.value.code == 2
    model = tmp_path / "m.skops"
    assert (
        _run(
            ["tune", csv, "--target", "churn", "--drop", "customer", "--out", model],
            capsys,
        )[0]
        == 0
    )
    argv = ["inspect", "--trust", "a.B", "--trust", "c.D", model]
    assert _run(argv, capsys)[0] == 0


def _strict_json(text):
    """``json.loads`` refusing NaN and Infinity, as strict parsers do."""

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _tune(csv, out, *extra, capsys, target="churn"):
    return _run(
        ["tune", csv, "--target", target, "--drop", "customer", "--out", out, *extra],
        capsys,
    )


MISSED = ["--pos-label", "yes", "--constraint", "recall:precision>=0.5"]


def test_a_constraint_missed_in_folds_stops_tune_naming_them(files, capsys):
    tmp_path, csv, _ = files
    status, out, err = _tune(csv, tmp_path / "m.skops", *MISSED, capsys=capsys)
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("threshold-estimator: error: ")
    assert re.search(
        r"misses precision >= 0.5 in folds? [\d, and]+ of 5 \(precision [\d., and]+\)",
        err,
    ), err
    assert "--allow-missed-constraint" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_allowed_a_missed_constraint_is_written_and_reported(files, capsys):
    tmp_path, csv, _ = files
    model = tmp_path / "m.skops"
    flag = "--allow-missed-constraint"
    status, out, err = _tune(csv, model, *MISSED, flag, capsys=capsys)
    assert status == 0, err
    assert "InfeasibleFolds" not in err and "misses precision >= 0.5" in err
    report_text = (tmp_path / "m.json").read_text()
    assert "Infinity" not in report_text and "NaN" not in report_text
    held_out = _strict_json(report_text)["held_out"]
    constraint = held_out["constraint"]
    missed = constraint["missed_folds"]
    assert missed and all(1 <= i <= 5 for i in missed)
    assert [i + 1 for i, v in enumerate(held_out["folds"]) if v is None] == missed
    assert [i + 1 for i, v in enumerate(constraint["folds"]) if v < 0.5] == missed
    assert held_out["value"] is None
    assert held_out["reason"].startswith("the decision threshold misses precision")
    assert held_out["quantity"] == "recall (precision >= 0.5)"
    assert "held-out recall (precision >= 0.5): none, the decision threshold" in out
    assert "-inf" not in out
    status, out, _ = _run(["inspect", model, "--json"], capsys)
    assert status == 0
    assert _strict_json(out)["held_out"] == held_out
    status, out, _ = _run(["inspect", model], capsys)
    assert "-inf" not in out and "misses precision >= 0.5" in out


def test_costs_are_reported_as_the_cost_per_row(files, capsys):
    tmp_path, csv, _ = files
    model = tmp_path / "m.skops"
    argv = ["--pos-label", "yes", "--cost", "fp=1,fn=5"]
    status, out, err = _tune(csv, model, *argv, capsys=capsys)
    assert status == 0, err
    clf = persistence.load(model)
    assert clf.best_score_ < 0  # the value maximised, minus the cost
    assert f"held-out cost per row {-clf.best_score_:.4g};" in out
    held_out = _strict_json((tmp_path / "m.json").read_text())["held_out"]
    assert held_out["quantity"] == "cost per row"
    assert held_out["lower_is_better"] is True
    assert held_out["value"] == pytest.approx(-clf.best_score_)
    assert held_out["folds"] == pytest.approx(list(-clf.fold_scores_))
    status, out, _ = _run(["inspect", model], capsys)
    assert f"held-out cost per sample  {-clf.best_score_:.3f}" in out


def test_three_classes_get_a_plot_of_the_rules(tmp_path, capsys, pyplot):
    frame = _table()
    frame["churn"] = np.where(frame["tenure"] > 0.5, "stay", frame["churn"])
    data = tmp_path / "three.csv"
    frame.to_csv(data, index=False)
    status, out, err = _tune(
        data, tmp_path / "m.skops", "--scoring", "f1_macro", capsys=capsys
    )
    assert status == 0, err
    assert "m.png" in out and (tmp_path / "m.png").stat().st_size > 1000
    assert "held-out f1_macro" in out


def _cost_file(tmp_path, text):
    path = tmp_path / "costs.csv"
    path.write_text(text)
    return path


@pytest.fixture
def three(tmp_path):
    frame = _table()
    frame["churn"] = np.where(frame["tenure"] > 0.5, "stay", frame["churn"])
    data = tmp_path / "three.csv"
    frame.to_csv(data, index=False)
    return tmp_path, data, frame


def test_cost_matrix_file_is_read_in_any_order_of_the_classes(three, capsys):
    tmp_path, data, frame = three
    # Columns and rows in other orders than the sorted classes no, stay, yes.
    costs = _cost_file(tmp_path, " ,stay,yes,no\nno,1,2,0\nyes,5,0,10\nstay,0,1,1\n")
    model = tmp_path / "m.skops"
    status, out, err = _tune(data, model, "--cost-matrix", costs, capsys=capsys)
    assert status == 0, err
    clf = persistence.load(model)
    assert clf.objective_ == cost_matrix([[0, 1, 2], [1, 0, 1], [10, 5, 0]])
    assert f"held-out cost per row {-clf.best_score_:.4g};" in out
    report = _strict_json((tmp_path / "m.json").read_text())
    assert report["held_out"]["lower_is_better"] is True


def test_cost_matrix_of_two_classes_is_the_cost_of_the_four_cells(files, capsys):
    tmp_path, csv, _ = files
    costs = _cost_file(tmp_path, ",yes,no\nno,1,0\nyes,0,10\n")
    model = tmp_path / "m.skops"
    argv = ["--cost-matrix", costs, "--pos-label", "yes"]
    status, _, err = _tune(csv, model, *argv, capsys=capsys)
    assert status == 0, err
    assert persistence.load(model).objective_ == cost(fp=1, fn=10)


@pytest.mark.parametrize(
    "text, match",
    [
        (
            ",no,stay,yes\nno,0,1,x\nstay,1,0,1\nyes,1,1,0\n",
            r"row 'no', column 'yes' holds 'x', not a number",
        ),
        (
            ",no,stay,yes\nno,0,1,1\nstay,-1,0,1\nyes,1,1,0\n",
            r"row 'stay', column 'no' is -1: a cost must be a finite number, 0 or",
        ),
        (
            ",no,stay,yes\nno,0,1,1\nstay,1,0\nyes,1,1,0\n",
            r"row 'stay' has 2 costs, but the header names 3 classes",
        ),
        (",no,stay\nno,0,1\nstay,1,0\n", r"lacks 'yes'; the target's classes are"),
        (
            ",no,stay,maybe\nno,0,1,1\nstay,1,0,1\nmaybe,1,1,0\n",
            r"names 'maybe', which the target does not hold and lacks 'yes'",
        ),
        (
            ",no,stay,yes\nno,0,1,1\nyes,1,0,1\nyes,1,1,0\n",
            r"the row label 'yes' appears twice",
        ),
        (
            ",no,stay,yes\nno,0,1,1\nstay,1,0,1\nyess,1,1,0\n",
            r"its rows name the classes 'no', 'stay', 'yess' and its columns",
        ),
        (
            ",no,stay,yes\nno,2,1,1\nstay,1,0,1\nyes,1,1,0\n",
            r"row 0, predicting class 1 costs 1.*class 0 is 'no', 1 is 'stay'",
        ),
        (",no,yes\n", r"needs a header row of class labels and one row per class"),
    ],
)
def test_a_bad_cost_matrix_file_is_one_line_naming_the_cell(three, capsys, text, match):
    tmp_path, data, _ = three
    costs = _cost_file(tmp_path, text)
    before = sorted(p.name for p in tmp_path.iterdir())
    status, _, err = _tune(
        data, tmp_path / "m.skops", "--cost-matrix", costs, capsys=capsys
    )
    assert status == 1 and err.count("\n") == 1
    assert re.search(match, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_cost_matrix_excludes_the_other_objectives(three, capsys):
    tmp_path, data, _ = three
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "tune",
                str(data),
                "--target",
                "churn",
                "--out",
                "m.skops",
                "--cost-matrix",
                "c.csv",
                "--scoring",
                "f1_macro",
            ]
        )
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    status, _, err = _tune(
        data,
        tmp_path / "m.skops",
        "--cost-matrix",
        tmp_path / "absent.csv",
        capsys=capsys,
    )
    assert status == 1 and "absent.csv: no such file" in err


@pytest.fixture
def tuned_file(files, capsys):
    """A model tuned for F1 on data.csv, and a labelled table it never saw."""
    tmp_path, csv, _ = files
    model = tmp_path / "m.skops"
    argv = ["--pos-label", "yes", "--scoring", "f1"]
    assert _tune(csv, model, *argv, capsys=capsys)[0] == 0
    test = _table(n=500, seed=1)
    labelled = tmp_path / "test.csv"
    test.to_csv(labelled, index=False)
    return model, labelled, test


def test_evaluate_scores_the_rule_and_the_default_on_labelled_data(tuned_file, capsys):
    from sklearn.metrics import (
        balanced_accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )

    model, labelled, test = tuned_file
    status, out, err = _run(
        ["evaluate", model, labelled, "--target", "churn", "--json"], capsys
    )
    assert status == 0, err
    facts = _strict_json(out)
    clf = persistence.load(model)
    X, y = test.drop(columns=["churn"]), test["churn"].to_numpy()
    default = np.where(clf.predict_proba(X)[:, 1] >= 0.5, "yes", "no")
    assert facts["classes"] == ["no", "yes"] and facts["n_rows"] == 500
    assert facts["quantity"] == "f1" and facts["lower_is_better"] is False
    for key, predicted in (("decision", clf.predict(X)), ("default", default)):
        rule = facts["rules"][key]
        matrix = rule["confusion_matrix"]
        assert matrix["labels"] == ["no", "yes"] and matrix["rows"] == "truth"
        assert matrix["counts"] == confusion_matrix(y, predicted).tolist()
        assert rule["objective"] == pytest.approx(
            f1_score(y, predicted, pos_label="yes")
        )
        assert rule["accuracy"] == pytest.approx(np.mean(y == predicted))
        assert rule["balanced_accuracy"] == pytest.approx(
            balanced_accuracy_score(y, predicted)
        )
        precision, recall, _, support = precision_recall_fscore_support(
            y, predicted, zero_division=0
        )
        for i, label in enumerate(["no", "yes"]):
            assert rule["per_class"][label]["precision"] == pytest.approx(precision[i])
            assert rule["per_class"][label]["recall"] == pytest.approx(recall[i])
            assert rule["per_class"][label]["support"] == support[i]
    assert facts["rules"]["decision"]["rule"].startswith("threshold 0.")
    assert facts["rules"]["default"]["rule"] == "threshold 0.5"
    argv = ["evaluate", model, labelled, "--target", "churn", "--json"]
    status, chunked, _ = _run([*argv, "--chunk-rows", "64"], capsys)
    assert status == 0 and _strict_json(chunked) == facts


def test_evaluate_text_is_aligned_like_inspect(tuned_file, capsys):
    model, labelled, _ = tuned_file
    status, out, err = _run(["evaluate", model, labelled, "--target", "churn"], capsys)
    assert status == 0, err
    lines = out.splitlines()
    table = lines[lines.index("") + 1 :]
    table = table[: table.index("")]
    header = table[0]
    assert header.strip().split("  ")[0] == "decision rule"
    column = header.index("decision rule")
    rows = {line[:column].strip(): line[column:].split() for line in table[2:]}
    assert set(rows) >= {"f1", "accuracy", "balanced accuracy", "recall yes"}
    assert all(line[column - 1] == " " != line[column] for line in table[1:])
    assert "confusion matrix, decision rule (rows: truth, columns: prediction)" in out


def test_evaluate_shows_a_cost_as_the_cost_per_row(files, capsys):
    tmp_path, csv, frame = files
    model = tmp_path / "m.skops"
    argv = ["--pos-label", "yes", "--cost", "fp=1,fn=5"]
    assert _tune(csv, model, *argv, capsys=capsys)[0] == 0
    status, out, _ = _run(
        ["evaluate", model, csv, "--target", "churn", "--json"], capsys
    )
    facts = _strict_json(out)
    clf = persistence.load(model)
    truth = frame["churn"].to_numpy() == "yes"
    flagged = clf.predict(frame.drop(columns=["churn"])) == "yes"
    by_hand = (np.sum(~truth & flagged) + 5 * np.sum(truth & ~flagged)) / truth.size
    assert facts["quantity"] == "cost per row" and facts["lower_is_better"]
    assert facts["rules"]["decision"]["objective"] == pytest.approx(by_hand)
    status, out, _ = _run(["evaluate", model, csv, "--target", "churn"], capsys)
    (row,) = [line for line in out.splitlines() if line.startswith("cost per row")]
    assert row.split()[3] == f"{by_hand:.4g}"


def _saved(clf, X, y, path, **fit_params):
    pytest.importorskip("skops")
    persistence.dump(clf.fit(X, y, **fit_params), path)
    return path


def test_evaluate_reads_per_sample_costs_from_the_table(tmp_path, capsys):
    pandas = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 600
    X = pandas.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = (X["a"] + rng.normal(size=n) > 1).astype(int).to_numpy()
    amount = rng.uniform(1, 50, size=n)
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring=cost(fp=5, fn="amount"), random_state=0
    )
    model = _saved(clf, X, y, tmp_path / "m.skops", amount=amount)
    data = tmp_path / "labelled.csv"
    X.assign(y=y, amount=amount).to_csv(data, index=False)
    argv = ["evaluate", model, data, "--target", "y", "--json", "--chunk-rows", "100"]
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    flagged = clf.predict(X) == 1
    by_hand = np.mean(np.where(y == 1, np.where(flagged, 0, amount), 5 * flagged))
    rules = _strict_json(out)["rules"]
    assert rules["decision"]["objective"] == pytest.approx(by_hand)
    X.assign(y=y).to_csv(data, index=False)
    status, _, err = _run(argv, capsys)
    assert status == 1 and "no per-sample cost column 'amount'" in err


def test_evaluate_three_classes_with_a_cost_matrix(tmp_path, capsys):
    pandas = pytest.importorskip("pandas")
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=900, n_classes=3, n_informative=4, random_state=0
    )
    X = pandas.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    labels = np.array(["low", "mid", "high"])[y]
    matrix = np.array([[0, 4, 1], [20, 0, 5], [1, 1, 0]])  # high, low, mid
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring=cost_matrix(matrix), random_state=0
    )
    model = _saved(clf, X, labels, tmp_path / "m.skops")
    data = tmp_path / "labelled.csv"
    X.assign(level=labels).to_csv(data, index=False)
    status, out, err = _run(
        ["evaluate", model, data, "--target", "level", "--json"], capsys
    )
    assert status == 0, err
    rules = _strict_json(out)["rules"]
    truth = np.searchsorted(clf.classes_, labels)
    for key, predicted in (
        ("decision", np.searchsorted(clf.classes_, clf.predict(X))),
        ("default", np.argmax(clf.predict_proba(X), axis=1)),
    ):
        assert rules[key]["objective"] == pytest.approx(matrix[truth, predicted].mean())
    assert rules["default"]["rule"] == "argmax"
    assert rules["decision"]["rule"].startswith("argmax p_k / t_k, t = [")


def test_evaluate_a_margin_rule_against_the_margin_0(tmp_path, capsys):
    pandas = pytest.importorskip("pandas")
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(0)
    n = 600
    X = pandas.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = np.where(X["a"] + rng.normal(size=n) > 1, "spam", "ham")
    clf = ThresholdedClassifier(
        LinearSVC(), scoring="f1", pos_label="spam", random_state=0
    )
    model = _saved(clf, X, y, tmp_path / "m.skops")
    data = tmp_path / "labelled.csv"
    X.assign(y=y).to_csv(data, index=False)
    status, out, err = _run(
        ["evaluate", model, data, "--target", "y", "--json"], capsys
    )
    assert status == 0, err
    default = _strict_json(out)["rules"]["default"]
    assert default["rule"] == "margin 0"
    from sklearn.metrics import confusion_matrix

    expected = confusion_matrix(y, clf.estimator_.predict(X), labels=["ham", "spam"])
    assert default["confusion_matrix"]["counts"] == expected.tolist()


def test_evaluate_a_missed_constraint_is_null_with_a_reason(files, capsys):
    tmp_path, csv, _ = files
    model = tmp_path / "m.skops"
    flag = "--allow-missed-constraint"
    assert _tune(csv, model, *MISSED, flag, capsys=capsys)[0] == 0
    # Few positives in this file: the rule's precision falls below the bound.
    frame = _table(n=400, seed=5)
    frame["churn"] = "no"
    frame.loc[:20, "churn"] = "yes"
    data = tmp_path / "hard.csv"
    frame.to_csv(data, index=False)
    status, out, err = _run(
        ["evaluate", model, data, "--target", "churn", "--json"], capsys
    )
    assert status == 0, err
    rule = _strict_json(out)["rules"]["decision"]
    assert rule["constraint"]["met"] is False
    assert rule["objective"] is None
    assert rule["reason"].startswith("precision is ")
    assert rule["reason"].endswith("which misses precision >= 0.5")
    status, out, _ = _run(["evaluate", model, data, "--target", "churn"], capsys)
    assert "-inf" not in out and "which misses precision >= 0.5" in out


@pytest.mark.parametrize(
    "change, argv, match",
    [
        (
            "maybe",
            [],
            r"holds labels the model does not know: 'maybe', 'perhaps' "
            r"\(its classes: 'no', 'yes'\)",
        ),
        (
            None,
            ["--target", "churnn"],
            r"no target column 'churnn'; did you mean "
            r"'churn'\?",
        ),
        ("missing", [], r"the target column 'churn' has 2 missing values"),
        ("no tenure", [], r"no feature column 'tenure'"),
        ("header", [], r"test.csv has a header but no rows"),
    ],
)
def test_evaluate_bad_input_is_one_line(tuned_file, capsys, change, argv, match):
    model, labelled, test = tuned_file
    if change == "maybe":
        test.loc[[3, 70], "churn"] = ["maybe", "perhaps"]
    elif change == "missing":
        test.loc[[3, 70], "churn"] = None
    elif change == "no tenure":
        test = test.drop(columns=["tenure"])
    elif change == "header":
        test = test[:0]
    test.to_csv(labelled, index=False)
    argv = argv or ["--target", "churn"]
    status, out, err = _run(["evaluate", model, labelled, *argv], capsys)
    assert status == 1 and out == "" and err.count("\n") == 1
    assert re.search(match, err), err


# Outputs: never over an input, never over a file that appeared meanwhile,
# all of them or none, and no temporary left behind by a signal.

ROOT = Path(threshold_estimator.__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """A folder with data.csv and the model.skops tuned on it."""
    folder = tmp_path_factory.mktemp("tuned")
    data = folder / "data.csv"
    _table().to_csv(data, index=False)
    model = folder / "model.skops"
    argv = ["tune", data, "--target", "churn", "--drop", "customer", "--out", model]
    assert main([str(a) for a in argv]) == 0
    return folder, data, model


def _copy_of(tuned, tmp_path):
    """The tuned folder's data and model, copied into ``tmp_path``."""
    folder, data, model = tuned
    for path in (data, model):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path / data.name, tmp_path / model.name


def _leftovers(folder):
    return sorted(p.name for p in Path(folder).iterdir() if ".part" in p.name)


@pytest.mark.parametrize("force", [[], ["--force"]])
@pytest.mark.parametrize(
    "command, out",
    [
        ("predict", "data.csv"),
        ("predict", "./../{folder}/data.csv"),
        ("predict", "link.csv"),
        ("predict", "hard.csv"),
        ("tune-report", "data.csv"),
        ("tune-report", "link.csv"),
        ("tune-model", "estimator.skops"),
        ("tune-costs", "costs.csv"),
        ("tune-scores", "data.csv"),
        ("shift", "model.skops"),
        ("shift", "model-link.skops"),
    ],
)
def test_an_output_never_overwrites_an_input(
    tuned, tmp_path, capsys, monkeypatch, command, out, force
):
    data, model = _copy_of(tuned, tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link.csv").symlink_to(data)
    (tmp_path / "model-link.skops").symlink_to(model)
    os.link(data, tmp_path / "hard.csv")
    estimator = tmp_path / "estimator.skops"
    persistence.dump(LogisticRegression(), estimator)
    (tmp_path / "costs.csv").write_text(",no,yes\nno,0,1\nyes,5,0\n")
    out = out.format(folder=tmp_path.name)
    if command == "predict":
        argv = ["predict", model, "data.csv", "--out", out]
    elif command == "shift":
        argv = ["shift", model, "data.csv", "--out", out]
    elif command == "tune-costs":
        argv = ["tune", "data.csv", "--target", "churn", "--drop", "customer"]
        argv += ["--cost-matrix", "costs.csv", "--out", "new.skops", "--report", out]
    elif command == "tune-scores":
        argv = ["tune", "data.csv", "--target", "churn", "--score-column", "tenure"]
        argv += ["--score-type", "logit", "--out", "new.skops", "--report", out]
    else:
        argv = ["tune", "data.csv", "--target", "churn", "--drop", "customer"]
        if command == "tune-report":
            argv += ["--out", "new.skops", "--report", out]
        else:
            argv += ["--model", estimator, "--out", out]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    status, _, err = _run([*argv, *force], capsys)
    assert status == 1 and err.count("\n") == 1, err
    assert "an input of this command" in err or "the same file as the input" in err
    assert "--force" not in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_an_output_that_appears_meanwhile_is_left_as_it_is(tmp_path):
    out = tmp_path / "p.csv"
    refused = pytest.raises(InputError, match="p.csv was created by something else")
    with refused, atomic_outputs(out) as (temporary,):
        temporary.write_text("ours\n")
        out.write_text("theirs\n")
    assert out.read_text() == "theirs\n"
    assert _leftovers(tmp_path) == []
    with atomic_outputs(out, force=True) as (temporary,):
        temporary.write_text("ours\n")
    assert out.read_text() == "ours\n"


def test_outputs_are_written_all_or_none(tmp_path):
    paths = [tmp_path / name for name in ("m.skops", "m.json", "m.png")]
    refused = pytest.raises(InputError, match="m.json was created by something else")
    with refused, atomic_outputs(*paths) as temporaries:
        for temporary in temporaries:
            temporary.write_text("ours")
        paths[1].write_text("theirs")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]
    assert paths[1].read_text() == "theirs"


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP])
def test_without_hard_links_the_output_is_claimed_exclusively(
    tmp_path, monkeypatch, code
):
    def no_link(source, target):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_link)
    out = tmp_path / "p.csv"
    with atomic_outputs(out) as (temporary,):
        temporary.write_text("ours\n")
    assert out.read_text() == "ours\n"
    refused = pytest.raises(InputError, match="created by something else")
    with refused, atomic_outputs(out) as (temporary,):
        temporary.write_text("again\n")
    assert out.read_text() == "ours\n"
    assert _leftovers(tmp_path) == []


def _default_signals():
    # Whoever started the tests may ignore some (nohup, a background job),
    # and the command keeps a signal ignored.
    for signum in _main.STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


def _command(*argv):
    """``threshold-estimator argv`` in a process of its own."""
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), path]))}
    return subprocess.Popen(
        [sys.executable, "-m", "threshold_estimator", *map(str, argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_default_signals if os.name == "posix" else None,
    )


@pytest.fixture(scope="module")
def big(tuned, tmp_path_factory):
    """200,000 rows to predict in 200 chunks: long enough to be stopped."""
    folder, data, model = tuned
    frame = pytest.importorskip("pandas").read_csv(data)
    path = tmp_path_factory.mktemp("big") / "big.csv"
    frame.sample(200_000, replace=True, random_state=0).to_csv(path, index=False)
    return path, model


def _wait_for_a_temporary(process, folder):
    deadline = time.monotonic() + 60
    while not _leftovers(folder):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_stops_predict_in_one_line_and_removes_its_temporary(
    big, tmp_path, name
):
    data, model = big
    before = data.read_bytes()
    out = tmp_path / "p.csv"
    process = _command("predict", model, data, "--chunk-rows", 1000, "--out", out)
    _wait_for_a_temporary(process, tmp_path)
    process.send_signal(getattr(signal, name))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + getattr(signal, name)
    assert err == f"threshold-estimator: stopped by {name}\n"
    assert list(tmp_path.iterdir()) == []
    assert data.read_bytes() == before


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_the_next_run_removes_what_a_killed_run_left(big, tmp_path):
    data, model = big
    out = tmp_path / "p.csv"
    process = _command("predict", model, data, "--chunk-rows", 1000, "--out", out)
    _wait_for_a_temporary(process, tmp_path)
    process.kill()
    process.communicate(timeout=60)
    [left] = _leftovers(tmp_path)
    assert f".{process.pid}." in left
    again = _command("predict", model, data, "--chunk-rows", 50_000, "--out", out)
    _, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert f"note: removed {left}, an unfinished p.csv" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


def test_two_runs_on_one_output_one_writes_the_other_refuses(big, tmp_path):
    data, model = big
    out = tmp_path / "p.csv"
    argv = ("predict", model, data, "--chunk-rows", 20_000, "--out", out)
    runs = [_command(*argv), _command(*argv)]
    results = [(run.communicate(timeout=120)[1], run.returncode) for run in runs]
    results = [(status, err) for err, status in results]
    assert sorted(status for status, _ in results) == [0, 1]
    [err] = [err for status, err in results if status]
    assert err.count("\n") == 1
    assert "was created by something else" in err or "exists" in err
    assert sum(1 for _ in out.open()) == 200_001
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


@pytest.mark.parametrize(
    "pid, host, age, removed",
    [
        ("dead", "here", 0, True),
        ("alive", "here", 0, False),
        ("alive", "elsewhere", 0, False),
        ("alive", "elsewhere", 2 * 24 * 3600, True),
    ],
)
def test_only_stale_temporaries_are_removed(tmp_path, capsys, pid, host, age, removed):
    out = tmp_path / "p.csv"
    if pid == "dead":
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        number = child.pid
    else:
        number = os.getppid()
    if host == "here":
        # .{name}.{pid}.{host}.part{suffix}, as this machine names them.
        with atomic_outputs(tmp_path / "x.csv") as (temporary,):
            host = temporary.name.split(".")[4]
        (tmp_path / "x.csv").unlink()
    left = tmp_path / f".p.csv.{number}.{host}.part.csv"
    left.write_text("half")
    os.utime(left, (time.time() - age, time.time() - age))
    other = tmp_path / f".q.csv.{number}.{host}.part.csv"
    other.write_text("another output's")
    remove_stale_temporaries(out)
    assert left.exists() is not removed
    assert other.exists()
    assert ("note: removed .p.csv." in capsys.readouterr().err) is removed


def test_signals_stop_every_command_in_one_line(files, capsys, monkeypatch):
    tmp_path, csv, _ = files
    before = signal.getsignal(signal.SIGTERM)

    def stopped(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(ThresholdedClassifier, "fit", stopped)
    argv = ["tune", csv, "--target", "churn", "--drop", "customer", "--out"]
    status, _, err = _run([*argv, tmp_path / "m.skops"], capsys)
    assert (status, err) == (143, "threshold-estimator: stopped by SIGTERM\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]
    assert signal.getsignal(signal.SIGTERM) is before

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_demo, "run_demo", interrupted)
    status, _, err = _run(["demo"], capsys)
    assert (status, err) == (130, "threshold-estimator: stopped by SIGINT\n")


HUP = getattr(signal, "SIGHUP", signal.SIGTERM)


def test_an_ignored_signal_stays_ignored(capsys, monkeypatch):
    seen = []
    monkeypatch.setitem(
        _main.COMMANDS, "demo", lambda args: seen.append(signal.getsignal(HUP)) or 0
    )
    previous = signal.signal(HUP, signal.SIG_IGN)
    try:
        assert main(["demo"]) == 0
    finally:
        signal.signal(HUP, previous)
    assert seen == [signal.SIG_IGN]


# predict's outputs: formats, and columns that would hide the table's.


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--id", "prediction"], "--id prediction: the output has its own"),
        (["--id", "proba_yes", "--scores"], "--id proba_yes: the output"),
        (["--id", "margin", "--margin"], "--id margin: the output"),
        (["--out", "p.txt"], r"--out p.txt: name the output .csv, .tsv"),
        (["--out", "p"], r"--out p: name the output .csv, .tsv"),
        (["--out", "folder.csv"], "folder.csv is a folder"),
        (["--out", "dangling.csv"], "dangling.csv exists; pass --force"),
        (["--out", "absent/p.csv"], "absent: no such folder"),
        (["--sep", ",", "--decimal", ","], "the decimal mark ',' is also the column"),
    ],
)
def test_predict_refuses_outputs_it_cannot_write_before_any_work(
    tuned, tmp_path, capsys, monkeypatch, extra, match
):
    data, model = _copy_of(tuned, tmp_path)
    monkeypatch.chdir(tmp_path)
    frame = pytest.importorskip("pandas").read_csv(data)
    frame.assign(prediction=1, proba_yes=0.5, margin=0).to_csv(data, index=False)
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    before = sorted(p.name for p in tmp_path.iterdir())
    status, _, err = _run(["predict", model, data, "--out", "p.csv", *extra], capsys)
    assert status == 1 and err.count("\n") == 1 and match in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_column_named_like_an_output_is_carried_if_not_added(tuned, tmp_path, capsys):
    data, model = _copy_of(tuned, tmp_path)
    pandas = pytest.importorskip("pandas")
    pandas.read_csv(data).assign(margin=7).to_csv(data, index=False)
    out = tmp_path / "p.csv"
    argv = ["predict", model, data, "--id", "margin", "margin", "--out", out]
    assert _run(argv, capsys)[0] == 0
    assert list(pandas.read_csv(out).columns) == ["margin", "prediction"]


@pytest.mark.parametrize("suffix", [".parquet", ".pq", ".tsv"])
def test_predict_writes_the_format_its_output_names(tuned, tmp_path, capsys, suffix):
    pandas = pytest.importorskip("pandas")
    if suffix != ".tsv":
        pytest.importorskip("pyarrow")
    data, model = _copy_of(tuned, tmp_path)
    frame = pandas.read_csv(data)
    frame["ref"] = pandas.array(range(len(frame)), dtype="Int64")
    frame.loc[450, "ref"] = None  # a chunk of integers, then one with a gap
    frame.to_csv(data, index=False)
    argv = ["predict", model, data, "--id", "customer", "ref", "--scores"]
    assert _run([*argv, "--out", tmp_path / "p.csv"], capsys)[0] == 0
    out = tmp_path / f"p{suffix}"
    assert _run([*argv, "--chunk-rows", 100, "--out", out], capsys)[0] == 0
    # The identifiers of a CSV are carried over as text, as written.
    expected = pandas.read_csv(tmp_path / "p.csv", dtype={"ref": str})
    if suffix == ".tsv":
        written = pandas.read_csv(out, sep="\t", dtype={"ref": str})
    else:
        written = pandas.read_parquet(out)
        assert out.read_bytes()[:4] == b"PAR1"
    assert written["ref"].iloc[449] == "449" and written["ref"].isna().sum() == 1
    pandas.testing.assert_frame_equal(written, expected, check_dtype=False)


def test_ids_are_carried_over_as_written(tuned, tmp_path, capsys):
    data, model = _copy_of(tuned, tmp_path)
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(data)
    frame["ref"] = [f"{i:04d}" for i in range(len(frame))]
    frame["number"] = pandas.array(range(len(frame)), dtype="Int64")
    frame.loc[450, "number"] = None
    frame.to_csv(data, index=False)
    out = tmp_path / "p.csv"
    argv = ["predict", model, data, "--id", "ref", "number", "--chunk-rows", 100]
    assert _run([*argv, "--out", out], capsys)[0] == 0
    rows = [line.split(",")[:2] for line in out.read_text().splitlines()[1:]]
    assert [ref for ref, _ in rows] == frame["ref"].tolist()
    assert [number for _, number in rows] == [
        "" if i == 450 else str(i) for i in range(len(frame))
    ]


def test_parquet_output_without_pyarrow_is_refused_before_any_work(
    tuned, tmp_path, capsys, monkeypatch
):
    data, model = _copy_of(tuned, tmp_path)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    status, _, err = _run(
        ["predict", model, data, "--out", tmp_path / "p.parquet"], capsys
    )
    assert status == 1 and "threshold-estimator[parquet]" in err
    assert not (tmp_path / "p.parquet").exists()


# Reading tables: separators, decimal commas, bad numbers, swapped arguments.


@pytest.mark.parametrize(
    "sep, suffix, extra, note",
    [
        (";", ".csv", [], "data.csv as ';'-separated; pass --sep to choose"),
        ("\t", ".csv", [], "data.csv as tab-separated; pass --sep to choose"),
        ("\t", ".tsv", [], None),
        ("|", ".csv", ["--sep", "|"], None),
        ("\t", ".txt", ["--sep", "tab"], None),
    ],
)
def test_separators_are_detected_or_chosen(tmp_path, capsys, sep, suffix, extra, note):
    frame = _table()
    data = tmp_path / f"data{suffix}"
    frame.to_csv(data, index=False, sep=sep)
    model = tmp_path / "m.skops"
    argv = ["tune", data, "--target", "churn", "--drop", "customer", "--out", model]
    status, _, err = _run([*argv, *extra], capsys)
    assert status == 0, err
    assert (note in err) if note else "note: reading" not in err
    out = tmp_path / "p.csv"
    argv = ["predict", model, data, "--id", "customer", "--out", out, *extra]
    status, _, err = _run(argv, capsys)
    assert status == 0, err
    assert err.count("note: reading") == (1 if note else 0)
    assert pandas_read(out)["customer"].tolist() == frame["customer"].tolist()


def test_decimal_commas(tmp_path, capsys):
    frame = _table()
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False, sep=";", decimal=",")
    argv = ["tune", data, "--target", "churn", "--drop", "customer", "--out"]
    status, _, err = _run([*argv, tmp_path / "m.skops"], capsys)
    assert status == 1
    assert re.search(
        r"data.csv, column 'tenure', row 1 after the header: '-?\d+,\d+' is not a "
        r"number \(decimal comma\? pass --decimal ,\)\n$",
        err,
    ), err
    status, _, err = _run([*argv, tmp_path / "m.skops", "--decimal", ","], capsys)
    assert status == 0, err
    out = tmp_path / "p.csv"
    argv = ["predict", tmp_path / "m.skops", data, "--out", out, "--decimal", ","]
    assert _run(argv, capsys)[0] == 0
    assert len(pandas_read(out)) == len(frame)


def _with_cell(frame, column, row, value):
    frame = frame.astype({column: object})
    frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(
    "command, value, match",
    [
        (
            "tune",
            "1.234,5",
            r"column 'tenure', row 17 after the header: '1.234,5' is "
            r"not a number \(decimal comma\? pass --decimal ,\)",
        ),
        ("predict", "1.234,5", r"column 'tenure', row 17 after the header: '1.234,5'"),
        ("predict", "n.a.", r"column 'tenure', row 17 after the header: 'n.a.' is not"),
        ("predict-user-model", "n.a.", r"column 'tenure', row 17 after the header"),
    ],
)
def test_a_bad_number_is_named_by_column_and_row(
    tuned, tmp_path, capsys, command, value, match
):
    data, model = _copy_of(tuned, tmp_path)
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(data)
    if command == "predict-user-model":
        estimator = tmp_path / "estimator.skops"
        persistence.dump(LogisticRegression(), estimator)
        frame[["tenure", "churn"]].to_csv(data, index=False)
        argv = ["tune", data, "--target", "churn", "--model", estimator]
        assert _run([*argv, "--out", model, "--force"], capsys)[0] == 0
        frame = frame[["tenure", "churn"]]
    bad = tmp_path / "bad.csv"
    _with_cell(frame, "tenure", 16, value).to_csv(bad, index=False)
    if command == "tune":
        argv = ["tune", bad, "--target", "churn", "--drop", "customer", "--out", model]
        argv.append("--force")
    else:
        argv = ["predict", model, bad, "--out", tmp_path / "p.csv"]
    status, _, err = _run(argv, capsys)
    assert status == 1 and err.count("\n") == 1 and re.search(match, err), err
    assert not (tmp_path / "p.csv").exists()
    if command == "predict-user-model":
        # The same cell, found from scikit-learn's error when tuning.
        argv = ["tune", bad, "--target", "churn", "--model", estimator]
        status, _, err = _run([*argv, "--out", tmp_path / "new.skops"], capsys)
        assert status == 1 and re.search(match, err.splitlines()[-1]), err


def test_text_among_numbers_is_noted_when_tuning(files, capsys):
    tmp_path, csv, frame = files
    _with_cell(frame, "tenure", 16, "?").to_csv(csv, index=False)
    argv = ["tune", csv, "--target", "churn", "--drop", "customer", "--out"]
    status, _, err = _run([*argv, tmp_path / "m.skops"], capsys)
    assert status == 0
    assert (
        "column 'tenure' is read as text: it holds numbers, but also '?' (row 17" in err
    )


@pytest.mark.parametrize(
    "argv, match",
    [
        (
            ["predict", "data.csv", "model.skops"],
            "model and data swapped\\? data.csv "
            "is a table and model.skops a model file; the model comes first",
        ),
        (
            ["predict", "data.csv", "data.csv"],
            "data.csv is a table, not a model file \\(model and data swapped\\?\\)",
        ),
        (["inspect", "data.csv"], "data.csv is a table, not a model file"),
        (["inspect", "absent.skops"], "absent.skops: no such file"),
        (
            ["predict", "model.skops", "model.skops"],
            "model.skops is a model file, not a table",
        ),
        (["tune", "model.skops", "--target", "churn"], "model.skops is a model file"),
        (
            ["tune", "data.csv", "--target", "churn", "--model", "data.csv"],
            "data.csv is a table, not a model file",
        ),
    ],
)
def test_swapped_model_and_data(tuned, tmp_path, capsys, monkeypatch, argv, match):
    _copy_of(tuned, tmp_path)
    monkeypatch.chdir(tmp_path)
    if argv[0] == "predict":
        argv = [*argv, "--out", "p.csv"]
    elif argv[0] == "tune":
        argv = [*argv, "--drop", "customer", "--out", "new.skops"]
    before = sorted(p.name for p in tmp_path.iterdir())
    status, _, err = _run(argv, capsys)
    assert status == 1 and err.count("\n") == 1 and re.search(match, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "column, values, reason",
    [
        ("customer_id", "shuffled", "all 600 values distinct integers"),
        ("row", "repeated", "integers, and its name"),
        ("Unnamed: 0", "ordered", "all 600 values distinct integers, in row order"),
        ("visits", "repeated", None),
    ],
)
def test_integer_identifiers_used_as_features_are_noted(
    tmp_path, capsys, column, values, reason
):
    frame = _table()
    rng = np.random.default_rng(1)
    frame[column] = {
        "shuffled": rng.permutation(600) + 10_000,
        "repeated": rng.integers(0, 20, size=600),
        "ordered": np.arange(600),
    }[values]
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    argv = ["tune", data, "--target", "churn", "--out", tmp_path / "m.skops"]
    status, _, err = _run(argv, capsys)
    assert status == 0
    expected = (
        f"note: column {column!r} looks like an identifier ({reason}) and is used "
        "as a feature; --drop it if it is one"
    )
    assert (expected in err) if reason else "looks like an identifier" not in err


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere"
)
def test_an_output_in_a_folder_it_cannot_write(tuned, tmp_path, capsys):
    data, model = _copy_of(tuned, tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        status, _, err = _run(
            ["predict", model, data, "--out", locked / "p.csv"], capsys
        )
    finally:
        locked.chmod(0o755)
    assert status == 1 and "is not writable" in err
    assert list(locked.iterdir()) == []


def test_a_long_output_name_gets_a_temporary_that_fits(tuned, tmp_path, capsys):
    data, model = _copy_of(tuned, tmp_path)
    out = tmp_path / f"{'x' * 240}.csv"
    assert _run(["predict", model, data, "--out", out], capsys)[0] == 0
    assert out.exists() and _leftovers(tmp_path) == []


def test_parquet_to_parquet_keeps_the_identifiers_types(tuned, tmp_path, capsys):
    pandas = pytest.importorskip("pandas")
    parquet = pytest.importorskip("pyarrow.parquet")
    data, model = _copy_of(tuned, tmp_path)
    frame = pandas.read_csv(data)
    frame["ref"] = pandas.array(range(len(frame)), dtype="Int64")
    frame.loc[450, "ref"] = None  # pandas reads that chunk's as floats
    frame.to_parquet(tmp_path / "data.parquet")
    out = tmp_path / "p.parquet"
    argv = ["predict", model, tmp_path / "data.parquet", "--id", "ref"]
    assert _run([*argv, "--chunk-rows", 100, "--out", out], capsys)[0] == 0
    table = parquet.read_table(out)
    assert str(table.schema.field("ref").type) == "int64"
    assert table["ref"].to_pylist()[448:452] == [448, 449, None, 451]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize(
    "argv",
    [
        ["predict", "model.skops", "pipe.csv", "--out", "p.csv"],
        ["predict", "pipe.csv", "model.skops", "--out", "p.csv"],
        ["predict", "model.skops", ".", "--out", "p.csv"],
        ["inspect", "pipe.csv"],
        ["tune", "pipe.csv", "--target", "churn", "--out", "m.skops"],
    ],
)
def test_a_pipe_or_a_folder_is_refused_unread(
    tuned, tmp_path, capsys, monkeypatch, argv
):
    _copy_of(tuned, tmp_path)
    monkeypatch.chdir(tmp_path)
    os.mkfifo("pipe.csv")  # reading it would wait for a writer forever
    status, _, err = _run(argv, capsys)
    assert status == 1 and "is not a regular file" in err, err


def test_max_bytes_bounds_what_a_model_file_may_unpack_to(files, capsys):
    tmp_path, csv, _ = files
    model = tmp_path / "m.skops"
    status, _, err = _run(
        ["tune", csv, "--target", "churn", "--drop", "customer", "--out", model],
        capsys,
    )
    assert status == 0, err
    for command in (
        ["inspect", model],
        ["predict", model, csv, "--out", tmp_path / "p.csv"],
    ):
        status, out, err = _run([*command, "--max-bytes", "1K"], capsys)
        assert status == 1 and out == ""
        assert err.count("\n") == 1 and "max_bytes" in err, err
        assert not (tmp_path / "p.csv").exists()
    status, _, _ = _run(["inspect", model, "--max-bytes", "10M"], capsys)
    assert status == 0
    with pytest.raises(SystemExit):
        _run(["inspect", model, "--max-bytes", "lots"], capsys)


@pytest.mark.parametrize(
    "attribute, value",
    [
        ("decision_threshold_", float("nan")),
        ("response_method_", "predict_log_proba"),
        ("classes_", np.array(["no", "yes", "maybe"])),
    ],
)
def test_a_model_file_of_impossible_state_is_one_line_in_every_command(
    files, capsys, attribute, value
):
    tmp_path, csv, _ = files
    model = tmp_path / "m.skops"
    status, _, err = _run(
        ["tune", csv, "--target", "churn", "--drop", "customer", "--out", model],
        capsys,
    )
    assert status == 0, err
    clf = persistence.load(model)
    setattr(clf, attribute, value)
    crafted = tmp_path / "crafted.skops"
    persistence.dump(clf, crafted)
    for command in (
        ["inspect", crafted],
        ["inspect", crafted, "--json"],
        ["predict", crafted, csv, "--out", tmp_path / "p.csv"],
        ["evaluate", crafted, csv, "--target", "churn"],
    ):
        status, out, err = _run(command, capsys)
        assert status == 1 and out == "", command
        assert err.count("\n") == 1 and attribute in err, err
        assert "Traceback" not in err and "NaN" not in out
    assert not (tmp_path / "p.csv").exists()


# Scores from another model: tune --score-column, the TunedThreshold it writes
# read by predict, inspect and evaluate, and shift.

CLASSES3 = ["high", "low", "mid"]


def _scores_table(n=600, seed=0, positives=0.2):
    """A network's validation outputs: a sigmoid's probability and logit for
    two classes, a softmax's probabilities and logits for three."""
    pandas = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    fraud = rng.random(n) < positives
    z = 2.5 * fraud + rng.normal(size=n) - 2
    codes = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    logits = rng.normal(size=(n, 3)) + 2 * np.eye(3)[codes]
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pandas.DataFrame(
        {
            "case": [f"k{i:04d}" for i in range(n)],
            "p": 1 / (1 + np.exp(-z)),
            "z": z,
            "fraud": np.where(fraud, "yes", "no"),
            "triage": np.array(CLASSES3)[codes],
        }
    )
    for k, label in enumerate(CLASSES3):
        frame[f"p_{label}"] = softmax[:, k]
        frame[f"z_{label}"] = logits[:, k]
    return frame


@pytest.fixture
def scores_file(tmp_path):
    frame = _scores_table()
    csv = tmp_path / "val.csv"
    frame.to_csv(csv, index=False)
    # As the command reads it: the comparisons are then exact.
    return tmp_path, csv, pandas_read(csv)


@pytest.fixture(scope="module")
def score_model(tmp_path_factory):
    """A folder with val.csv and threshold.skops, tuned for F1 on its p."""
    folder = tmp_path_factory.mktemp("scores")
    data = folder / "val.csv"
    _scores_table().to_csv(data, index=False)
    model = folder / "threshold.skops"
    argv = ["tune", data, "--target", "fraud", "--score-column", "p"]
    argv += ["--pos-label", "yes", "--scoring", "f1", "--out", model]
    assert main([str(a) for a in argv]) == 0
    return folder, data, model


def _files_of(folder):
    return {p.name: p.read_bytes() for p in Path(folder).iterdir() if p.is_file()}


def test_tune_on_a_score_column_writes_a_tuned_threshold_and_report(
    scores_file, capsys
):
    from threshold_estimator import TunedThreshold, tune_threshold

    tmp_path, csv, frame = scores_file
    model = tmp_path / "threshold.skops"
    argv = ["tune", csv, "--target", "fraud", "--score-column", "p"]
    status, out, err = _run(
        [*argv, "--pos-label", "yes", "--scoring", "f1", "--out", model], capsys
    )
    assert status == 0, err
    expected = tune_threshold(
        frame["fraud"], frame["p"], scoring="f1", pos_label="yes", random_state=0
    )
    loaded = persistence.load(model)
    assert type(loaded) is TunedThreshold
    assert loaded.score_columns_ == ("p",)
    assert loaded.threshold == expected.threshold
    assert loaded.interval == expected.interval
    report = _strict_json((tmp_path / "threshold.json").read_text())
    assert report["model"] == "TunedThreshold"
    assert report["score_columns"] == ["p"] and report["score_type"] == "probability"
    assert report["decision_threshold"] == expected.threshold
    assert report["threshold_interval"] == list(expected.interval)
    assert report["score"]["quantity"] == "f1"
    assert report["score"]["value"] == pytest.approx(expected.score)
    assert report["class_balance"] == frame["fraud"].value_counts().to_dict()
    assert report["command"].startswith("threshold-estimator tune")
    assert out == (
        f"threshold {expected.threshold:.4g}, f1 {expected.score:.4g} on the scores "
        f"tuned on; wrote {model}, {tmp_path / 'threshold.json'}"
        + (f", {tmp_path / 'threshold.png'}\n" if has_matplotlib() else "\n")
    )
    if has_matplotlib():
        assert (tmp_path / "threshold.png").stat().st_size > 1000


@pytest.mark.parametrize(
    "argv, target, columns, params",
    [
        (
            ["--score-column", "z", "--score-type", "logit", "--pos-label", "yes"],
            "fraud",
            ["z"],
            {"score_type": "logit", "pos_label": "yes"},
        ),
        (
            ["--score-column", "p", "--cost", "fp=1,fn=5", "--pos-label", "yes"],
            "fraud",
            ["p"],
            {"scoring": cost(fp=1.0, fn=5.0), "pos_label": "yes"},
        ),
        (
            ["--score-column", "p", "--constraint", "recall:precision>=0.6"],
            "fraud",
            ["p"],
            {"scoring": "constrained", "pos_label": "yes"},
        ),
        (
            ["--score-column", "p", "--class-prior", "no=0.6,yes=0.4"],
            "fraud",
            ["p"],
            {"class_prior": [0.6, 0.4], "pos_label": "yes"},
        ),
        (
            ["--score-column", "p", "--calibration", "sigmoid", "--class-prior", "0.4"],
            "fraud",
            ["p"],
            {"calibration": "sigmoid", "class_prior": 0.4, "pos_label": "yes"},
        ),
        (
            ["--score-column", "p_high", "p_low", "p_mid", "--scoring", "f1_macro"],
            "triage",
            ["p_high", "p_low", "p_mid"],
            {"scoring": "f1_macro"},
        ),
        (
            ["--score-column", "z_high", "z_low", "z_mid", "--score-type", "logit"],
            "triage",
            ["z_high", "z_low", "z_mid"],
            {"score_type": "logit"},
        ),
    ],
    ids=[
        "logit",
        "cost",
        "constraint",
        "class prior by name",
        "calibrated, prior of pos",
        "softmax",
        "softmax logits",
    ],
)
def test_tune_on_scores_is_tune_threshold_on_those_columns(
    scores_file, capsys, argv, target, columns, params
):
    from threshold_estimator import objectives, tune_threshold

    tmp_path, csv, frame = scores_file
    if params.get("scoring") == "constrained":
        params["scoring"] = objectives.constrained("recall", "precision", at_least=0.6)
        argv = [*argv, "--pos-label", "yes"]
    model = tmp_path / "threshold.skops"
    status, out, err = _run(
        ["tune", csv, "--target", target, *argv, "--out", model], capsys
    )
    assert status == 0, err
    scores = frame[columns].to_numpy()
    expected = tune_threshold(frame[target], scores, random_state=0, **params)
    loaded = persistence.load(model)
    np.testing.assert_array_equal(loaded.threshold, expected.threshold)
    assert loaded.score_columns_ == tuple(columns)
    np.testing.assert_array_equal(loaded.predict(scores), expected.predict(scores))
    report = _strict_json((tmp_path / "threshold.json").read_text())
    assert report["objective"] == repr(expected.objective_)
    assert report["class_prior"] == pytest.approx(
        dict(zip(report["class_balance"], expected.class_prior_, strict=True)),
        abs=1e-4,
    )
    if target == "triage":
        assert "note: no PNG: the curve is of one threshold, for two classes" in err
        assert not (tmp_path / "threshold.png").exists()


def _with_score_cell(frame, column, row, value):
    frame = frame.astype({column: object})
    frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(
    "change, argv, match",
    [
        (
            ("p", 4, "high"),
            ["--score-column", "p"],
            r"val.csv, column 'p', row 5 after the header: 'high' is not a number",
        ),
        (
            ("p", 4, None),
            ["--score-column", "p"],
            r"val.csv, column 'p', row 5 after the header has no score; every row "
            r"needs a finite score",
        ),
        (
            ("p", 4, 1.25),
            ["--score-column", "p"],
            r"val.csv, column 'p', row 5 after the header: 1.25 is not a probability "
            r"\(outside \[0, 1\]\); for logits or other unbounded scores pass "
            r"--score-type logit",
        ),
        (
            None,
            ["--score-column", "z"],
            r"column 'z', row 1 after the header: -?[\d.]+ is not a probability",
        ),
        (
            ("p_mid", 6, 0.9),
            ["--target", "triage", "--score-column", "p_high", "p_low", "p_mid"],
            r"val.csv, row 7 after the header: the columns 'p_high', 'p_low', "
            r"'p_mid' sum to [\d.]+, not 1, so they are not a softmax's "
            r"probabilities; for logits .* pass --score-type logit",
        ),
        (
            None,
            ["--target", "triage", "--score-column", "p_low", "p_mid", "p_high"],
            r"--score-column p_low p_mid p_high: these look like the scores of "
            r"'low', 'mid', 'high', but the columns are read in the order of the "
            r"sorted classes \('high', 'low', 'mid'\); give --score-column p_high "
            r"p_low p_mid",
        ),
        (
            None,
            ["--target", "triage", "--score-column", "p_high", "p_low"],
            r"--score-column names 2 columns, but 'triage' has 3 classes \('high', "
            r"'low', 'mid'\): give 3 columns, one per class, in the order of the "
            r"sorted classes",
        ),
        (
            None,
            ["--score-column", "z", "p", "--score-type", "logit"],
            r"two columns of logits for two classes; give one, the logit of the "
            r"positive class",
        ),
        (None, ["--score-column", "p", "p"], r"--score-column p is given twice"),
        (None, ["--score-column", "pp"], r"no score column 'pp'; did you mean 'p'\?"),
        (None, ["--score-column", "fraud"], r"--score-column fraud is the target"),
        (
            None,
            ["--score-column", "p", "--cv", "3", "--drop", "case"],
            r"--cv and --drop are for fitting a model in folds; --score-column "
            r"tunes the threshold on the scores as given: leave them out",
        ),
        (
            None,
            ["--score-type", "logit"],
            r"--score-type says what the --score-column columns hold",
        ),
        (
            None,
            ["--score-column", "p", "--calibration", "temperature"],
            r"--calibration temperature scales the log probabilities of more than "
            r"two classes; for two, use --calibration sigmoid",
        ),
        (
            None,
            ["--score-column", "p", "--class-prior", "no=0.8"],
            r"--class-prior 'no=0.8' names 'no'; name each class once: 'no', 'yes'",
        ),
        (
            None,
            ["--score-column", "p", "--class-prior", "1.5"],
            r"--class-prior '1.5': '1.5' is not a share, a number between 0 and 1",
        ),
        (
            None,
            ["--score-column", "p", "--class-prior", "no=0.5,yes=0.6"],
            r"--class-prior 'no=0.5,yes=0.6': the shares sum to 1.1, not 1",
        ),
        (
            None,
            ["--score-column", "p", "--class-prior", "0.5,0.3,0.2"],
            r"gives 3 shares for 2 classes; give one per class, in the order 'no', "
            r"'yes', or name them: no=...,yes=...",
        ),
    ],
)
def test_tune_on_scores_bad_input_is_one_line_and_writes_nothing(
    scores_file, capsys, change, argv, match
):
    tmp_path, csv, frame = scores_file
    if change is not None:
        _with_score_cell(frame, *change).to_csv(csv, index=False)
    if "--target" not in argv:
        argv = ["--target", "fraud", *argv]
    before = _files_of(tmp_path)
    status, out, err = _run(
        ["tune", csv, *argv, "--out", tmp_path / "threshold.skops"], capsys
    )
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("threshold-estimator: error: ")
    assert re.search(match, err), err
    assert _files_of(tmp_path) == before


def test_score_column_and_model_exclude_each_other(scores_file, capsys):
    _, csv, _ = scores_file
    argv = ["tune", str(csv), "--target", "fraud", "--out", "m.skops"]
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--model", "logistic", "--score-column", "p"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_predict_applies_a_tuned_threshold_to_its_score_columns(
    score_model, tmp_path, capsys
):
    pandas = pytest.importorskip("pandas")
    data, model = _copy_of(score_model, tmp_path)
    tuned = persistence.load(model)
    frame = pandas_read(data)
    expected = tuned.predict(frame["p"])
    argv = ["predict", model, data, "--id", "case", "--scores", "--chunk-rows", 128]
    status, out, err = _run([*argv, "--out", tmp_path / "p.csv"], capsys)
    assert status == 0, err
    assert out == f"wrote 600 predictions to {tmp_path / 'p.csv'}\n"
    written = pandas_read(tmp_path / "p.csv")
    assert list(written.columns) == ["case", "prediction", "proba_no", "proba_yes"]
    assert written["case"].tolist() == frame["case"].tolist()
    assert written["prediction"].tolist() == expected.tolist()
    np.testing.assert_allclose(written["proba_yes"], frame["p"])
    # Another table's name for the same scores, given with --score-column.
    frame.rename(columns={"p": "probability"}).to_csv(tmp_path / "new.tsv", sep="\t")
    argv = ["predict", model, tmp_path / "new.tsv", "--score-column", "probability"]
    status, _, err = _run([*argv, "--out", tmp_path / "p.tsv"], capsys)
    assert status == 0, err
    written = pandas.read_csv(tmp_path / "p.tsv", sep="\t")
    assert written["prediction"].tolist() == expected.tolist()
    if importlib_util_find("pyarrow"):
        frame.to_parquet(tmp_path / "new.parquet")
        argv = ["predict", model, tmp_path / "new.parquet", "--chunk-rows", 100]
        status, _, err = _run([*argv, "--out", tmp_path / "p.parquet"], capsys)
        assert status == 0, err
        written = pandas.read_parquet(tmp_path / "p.parquet")
        assert written["prediction"].tolist() == expected.tolist()


def importlib_util_find(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None


@pytest.mark.parametrize(
    "change, extra, match",
    [
        (
            ("p", 450, "n.a."),
            [],
            r"val.csv, column 'p', row 451 after the header: 'n.a.' is not a number",
        ),
        (
            ("p", 450, -0.5),
            [],
            r"val.csv, column 'p', row 451 after the header: -0.5 is not a "
            r"probability \(outside \[0, 1\]\); the model was tuned on probabilities",
        ),
        (
            "rename",
            [],
            r"val.csv has no score column 'p'.*; if the table holds those scores "
            r"under other names, name them with --score-column",
        ),
        (None, ["--margin"], r"--margin: .*threshold.skops was tuned on scores"),
        (
            None,
            ["--score-column", "p", "z", "case"],
            r"--score-column names 3 columns, but .*threshold.skops has 2 classes",
        ),
        (None, ["--id", "prediction"], r"--id prediction: the output has its own"),
    ],
)
def test_predict_on_scores_bad_input_is_one_line_and_writes_nothing(
    score_model, tmp_path, capsys, change, extra, match
):
    data, model = _copy_of(score_model, tmp_path)
    frame = pandas_read(data)
    if change == "rename":
        frame.rename(columns={"p": "probability"}).to_csv(data, index=False)
    elif change is not None:
        _with_score_cell(frame, *change).to_csv(data, index=False)
    if "--id" in extra:
        frame.assign(prediction=1).to_csv(data, index=False)
    before = _files_of(tmp_path)
    argv = ["predict", model, data, "--chunk-rows", 200, "--out", tmp_path / "p.csv"]
    status, out, err = _run([*argv, *extra], capsys)
    assert status == 1 and out == "" and err.count("\n") == 1
    assert re.search(match, err), err
    assert _files_of(tmp_path) == before


def test_a_tuned_threshold_saved_from_python_needs_its_score_columns(tmp_path, capsys):
    from threshold_estimator import tune_threshold

    frame = _scores_table()
    tuned = tune_threshold(frame["fraud"], frame["p"], n_resamples=0)
    model = tmp_path / "python.skops"
    persistence.dump(tuned, model)
    data = tmp_path / "val.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "p.csv"
    status, _, err = _run(["predict", model, data, "--out", out], capsys)
    assert status == 1 and "does not record its score columns" in err
    assert "name them with --score-column" in err and not out.exists()
    argv = ["predict", model, data, "--score-column", "p", "--out", out]
    assert _run(argv, capsys)[0] == 0
    status, out, _ = _run(["inspect", model], capsys)
    assert status == 0 and "score columns       not recorded" in out


def test_features_models_take_no_score_columns(tuned, tmp_path, capsys):
    data, model = _copy_of(tuned, tmp_path)
    for argv in (
        ["predict", model, data, "--out", tmp_path / "p.csv"],
        ["evaluate", model, data, "--target", "churn"],
        ["shift", model, data, "--out", tmp_path / "s.skops"],
    ):
        status, _, err = _run([*argv, "--score-column", "tenure"], capsys)
        assert status == 1 and err.count("\n") == 1
        assert "--score-column is for a model tuned on scores" in err
    assert _leftovers(tmp_path) == [] and not (tmp_path / "p.csv").exists()


def test_inspect_shows_a_tuned_threshold(score_model, capsys):
    _, _, model = score_model
    tuned = persistence.load(model)
    status, out, err = _run(["inspect", model, "--json"], capsys)
    assert status == 0, err
    facts = _strict_json(out)
    assert facts["model"] == "TunedThreshold"
    assert facts["decision_threshold"] == tuned.threshold
    assert facts["decision_rule"] == "tuned"
    assert facts["threshold_interval"] == list(tuned.interval)
    assert facts["score"]["value"] == pytest.approx(tuned.score)
    assert facts["classes"] == ["no", "yes"] and facts["pos_label"] == "yes"
    assert facts["score_columns"] == ["p"] and facts["score_type"] == "probability"
    assert facts["calibration"] is None and facts["n_samples"] == 600
    assert facts["versions"]["threshold-estimator"] == threshold_estimator.__version__
    status, out, _ = _run(["inspect", model], capsys)
    lines = {line[:20].strip(): line[20:] for line in out.splitlines() if line[:20]}
    assert lines["decision threshold"] == f"{tuned.threshold:.4g} (tuned)"
    assert lines["90% interval"] == "[{:.4g}, {:.4g}]".format(*tuned.interval)
    assert lines["f1"].startswith(f"{tuned.score:.4g} (the scores tuned on")
    assert lines["score columns"] == "p" and lines["score type"] == "probability"
    assert lines["calibration"] == "none" and lines["tuned on"] == "600 scores"


def test_evaluate_a_tuned_threshold_against_the_default_rule(
    score_model, tmp_path, capsys
):
    from sklearn.metrics import confusion_matrix, f1_score

    _, _, model = score_model
    tuned = persistence.load(model)
    frame = _scores_table(n=500, seed=1)
    data = tmp_path / "test.csv"
    frame.to_csv(data, index=False)
    frame = pandas_read(data)
    argv = ["evaluate", model, data, "--target", "fraud", "--json"]
    status, out, err = _run([*argv, "--chunk-rows", 64], capsys)
    assert status == 0, err
    facts = _strict_json(out)
    y = frame["fraud"].to_numpy()
    default = np.where(frame["p"] >= 0.5, "yes", "no")
    for key, predicted in (
        ("decision", tuned.predict(frame["p"])),
        ("default", default),
    ):
        rule = facts["rules"][key]
        assert (
            rule["confusion_matrix"]["counts"]
            == confusion_matrix(y, predicted).tolist()
        )
        assert rule["objective"] == pytest.approx(
            f1_score(y, predicted, pos_label="yes")
        )
    assert (
        facts["rules"]["decision"]["rule"] == f"threshold {tuned.threshold:.4g} (tuned)"
    )
    assert facts["rules"]["default"]["rule"] == "threshold 0.5"


def test_evaluate_logits_and_softmax_against_logit_0_and_argmax(scores_file, capsys):
    tmp_path, csv, frame = scores_file
    for target, argv, default, name in (
        (
            "fraud",
            ["--score-column", "z", "--score-type", "logit", "--pos-label", "yes"],
            np.where(frame["z"] >= 0, "yes", "no"),
            "logit 0",
        ),
        (
            "triage",
            ["--score-column", "p_high", "p_low", "p_mid"],
            np.array(CLASSES3)[np.argmax(frame[["p_high", "p_low", "p_mid"]], axis=1)],
            "argmax",
        ),
    ):
        model = tmp_path / f"{target}.skops"
        tune = ["tune", csv, "--target", target, *argv, "--out", model]
        assert _run(tune, capsys)[0] == 0
        status, out, err = _run(
            ["evaluate", model, csv, "--target", target, "--json"], capsys
        )
        assert status == 0, err
        rule = _strict_json(out)["rules"]["default"]
        assert rule["rule"] == name
        labels = sorted(set(frame[target]))
        counts = [
            [int(np.sum((frame[target] == t) & (default == p))) for p in labels]
            for t in labels
        ]
        assert rule["confusion_matrix"]["counts"] == counts
        decision = _strict_json(out)["rules"]["decision"]["rule"]
        assert decision.startswith(
            "threshold -" if target == "fraud" else "argmax p_k / t_k"
        ), decision
        assert "of the logit" in decision or target == "triage"


# shift: a saved rule re-derived for a new table's class balance.


def _more_positives(frame, column, positive):
    """The rows of ``frame`` with three times as many of ``positive``."""
    pandas = pytest.importorskip("pandas")
    mask = frame[column] == positive
    return pandas.concat([frame[mask]] * 3 + [frame[~mask]], ignore_index=True)


def test_shift_re_derives_a_tuned_threshold_for_the_new_balance(
    score_model, tmp_path, capsys
):
    data, model = _copy_of(score_model, tmp_path)
    new = _more_positives(_scores_table(n=800, seed=2), "fraud", "yes")
    new.drop(columns=["fraud"]).to_csv(tmp_path / "new.csv", index=False)
    scores = pandas_read(tmp_path / "new.csv")["p"]
    tuned = persistence.load(model)
    drift = tuned.check_drift(scores)
    prior = tuned.estimate_class_prior(scores)
    expected = tuned.with_class_prior(prior)
    before = model.read_bytes()
    shifted = tmp_path / "shifted.skops"
    status, out, err = _run(
        ["shift", model, tmp_path / "new.csv", "--out", shifted], capsys
    )
    assert status == 0, err
    assert drift.verdict == "balance shift"
    lines = out.splitlines()
    assert lines[0] == "drift               balance shift"
    assert lines[1] == drift.message
    low, high = prior.interval[:, 1]
    assert lines[2].startswith("new balance         no ")
    assert f"yes {prior[1]:.3g} ({low:.3g} to {high:.3g}); 90% intervals" in lines[2]
    assert lines[2].endswith(f"from {len(new):,} rows")
    shares = tuned.class_prior_
    assert lines[3] == f"tuned for           no {shares[0]:.3g}, yes {shares[1]:.3g}"
    assert lines[4] == (
        f"threshold {tuned.threshold:.4g} -> {expected.threshold:.4g}; wrote {shifted}"
    )
    loaded = persistence.load(shifted)
    assert loaded.threshold == expected.threshold != tuned.threshold
    assert loaded.score_columns_ == ("p",)
    np.testing.assert_array_equal(loaded.class_prior_, expected.class_prior_)
    assert model.read_bytes() == before
    status, out, err = _run(["inspect", shifted, "--json"], capsys)
    assert status == 0, err
    facts = _strict_json(out)
    # What described the old balance's samples is gone; the rule is the new one.
    assert facts["score"] is None and facts["threshold_interval"] is None
    assert facts["class_prior"]["yes"] == round(float(prior[1]), 4)
    assert facts["decision_threshold"] == expected.threshold


def test_shift_re_derives_a_classifiers_threshold_from_its_features(
    tuned, tmp_path, capsys
):
    data, model = _copy_of(tuned, tmp_path)
    new = _more_positives(_table(n=800, seed=3), "churn", "yes")
    new.drop(columns=["churn"]).to_csv(tmp_path / "new.csv", index=False)
    clf = persistence.load(model)
    X = pandas_read(tmp_path / "new.csv")
    expected = clf.with_class_prior(clf.estimate_class_prior(X))
    shifted = tmp_path / "shifted.skops"
    status, out, err = _run(
        ["shift", model, tmp_path / "new.csv", "--out", shifted], capsys
    )
    assert status == 0, err
    assert out.splitlines()[0] == f"drift               {clf.check_drift(X).verdict}"
    assert persistence.load(shifted).decision_threshold_ == pytest.approx(
        expected.decision_threshold_
    )
    assert out.endswith(f"; wrote {shifted}\n")


def test_shift_refuses_scores_that_changed_unless_allowed(
    score_model, tmp_path, capsys
):
    data, model = _copy_of(score_model, tmp_path)
    new = _scores_table(n=800, seed=2).drop(columns=["fraud"])
    new["p"] = 0.6 + 0.3 * new["p"]  # another model's scores
    new.to_csv(tmp_path / "new.csv", index=False)
    shifted = tmp_path / "shifted.skops"
    before = _files_of(tmp_path)
    argv = ["shift", model, tmp_path / "new.csv", "--out", shifted]
    status, out, err = _run(argv, capsys)
    assert status == 1
    assert out.startswith("drift               scores changed\nThe scores themselves")
    assert err.count("\n") == 1
    assert "changed beyond a change of class balance, which no threshold fixes" in err
    assert "--allow-changed-scores" in err
    assert _files_of(tmp_path) == before
    status, out, err = _run([*argv, "--allow-changed-scores"], capsys)
    assert status == 0, err
    assert shifted.exists()


@pytest.mark.parametrize(
    "rows, out, extra, match",
    [
        (
            30,
            "shifted.skops",
            [],
            r"check_drift got 30 rows, too few to judge: .* Pass at least \d+ rows",
        ),
        (
            70,
            "shifted.skops",
            [],
            r"class_prior was estimated from 70 rows, fewer than 100: its shares "
            r"are mostly noise",
        ),
        (800, "threshold.skops", [], r"threshold.skops is an input of this command"),
        (800, "new.csv", [], r"--out new.csv: a model file ends in .skops"),
        (800, "old.skops", [], r"old.skops exists; pass --force to overwrite it"),
        (800, "shifted.skops", ["--score-column", "q"], r"has no score column 'q'"),
        (0, "shifted.skops", [], r"new.csv has a header but no rows"),
    ],
)
def test_shift_bad_input_is_one_line_and_writes_nothing(
    score_model, tmp_path, capsys, monkeypatch, rows, out, extra, match
):
    data, model = _copy_of(score_model, tmp_path)
    monkeypatch.chdir(tmp_path)
    new = _more_positives(_scores_table(n=800, seed=2), "fraud", "yes")
    new[:rows].to_csv(tmp_path / "new.csv", index=False)
    (tmp_path / "old.skops").write_bytes(b"an earlier model")
    before = _files_of(tmp_path)
    status, _, err = _run(
        ["shift", model.name, "new.csv", "--out", out, *extra, "--force"]
        if out == "threshold.skops"
        else ["shift", model.name, "new.csv", "--out", out, *extra],
        capsys,
    )
    assert status == 1 and err.count("\n") == 1, err
    assert re.search(match, err), err
    assert _files_of(tmp_path) == before


def test_a_fault_of_the_program_is_one_line_unless_a_traceback_is_asked(
    files, capsys, monkeypatch
):
    from threshold_estimator.cli import _main as cli_main

    def broken(args):
        raise TypeError("something the program got wrong")

    monkeypatch.setitem(cli_main.COMMANDS, "inspect", broken)
    status, out, err = _run(["inspect", "model.skops"], capsys)
    assert status == 1 and out == ""
    assert err.count("\n") == 1
    assert "internal error: TypeError: something the program got wrong" in err
    monkeypatch.setenv("THRESHOLD_ESTIMATOR_TRACEBACK", "1")
    with pytest.raises(TypeError):
        main(["inspect", "model.skops"])


def test_a_header_naming_a_column_twice_is_refused(tmp_path, capsys):
    data = tmp_path / "twice.csv"
    data.write_text("a,b,a,y\n1,2,3,0\n2,3,4,1\n")
    status, out, err = _run(
        ["tune", data, "--target", "y", "--out", tmp_path / "m.skops"], capsys
    )
    assert status == 1 and out == ""
    assert "the header names 'a' more than once" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["twice.csv"]


def test_advice_about_the_positive_class_is_in_the_commands_words(files, capsys):
    tmp_path, csv, _ = files
    status, _, err = _run(
        [
            "tune",
            csv,
            "--target",
            "churn",
            "--drop",
            "customer",
            "--scoring",
            "f1",
            "--out",
            tmp_path / "m.skops",
        ],
        capsys,
    )
    assert status == 1
    assert "no --pos-label, but --scoring f1 counts one class as positive" in err
    assert "Pass --pos-label yes" in err and "pos_label=" not in err
