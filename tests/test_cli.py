import io
import json
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, persistence
from threshold_estimator.cli import main, run_demo
from threshold_estimator.cli._common import has_matplotlib
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
        (["--target", "churn", "--scoring", "f1"], "pass pos_label|Pass pos_label"),
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


def test_usage_errors_exit_2_and_every_command_has_help_with_an_example(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["tune", "data.csv"])
    assert exited.value.code == 2
    for command in ("demo", "tune", "predict", "inspect", "evaluate"):
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
    assert status == 1 and "bad.csv, rows 501 to 600: " in err
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
