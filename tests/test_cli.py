import io
import subprocess
import sys

from threshold_estimator.cli import main, run_demo


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
