"""The ``threshold-estimator`` command.

``threshold-estimator demo`` runs the classic threshold-moving experiment on
data it generates (no download) and prints the default 0.5 cut-off,
scikit-learn's ``TunedThresholdClassifierCV`` and ``ThresholdedClassifier``
side by side. The threshold is tuned on the training half only; the test half
is scored once, at the end.

``tune``, ``predict``, ``inspect``, ``evaluate`` and ``shift`` work on files:
a CSV or Parquet table in, a model file and a report out; a model file and a
table in, predictions out (CSV, tab-separated or Parquet), in chunks; a model
file in, what it holds out; a model file and a labelled table in, the rule's
objective, confusion matrix and rates beside the untuned rule's out; a model
file and new rows in, the drift verdict and a model file re-derived for
their class balance out. ``tune --score-column`` tunes the threshold of
scores that another model wrote into the table (a network's sigmoid or
softmax outputs, or logits) instead of fitting a model: its model file, a
``TunedThreshold``, reads those columns wherever the others read features.
Bad input is one line on standard error and exit status 1; a usage error
exits with 2. Whatever JSON they write is strict: no ``NaN`` or
``Infinity``, a missing value null with a field saying why. Outputs appear
complete or not at all, never over an input, nor over an existing file
without ``--force``; SIGINT, SIGTERM and SIGHUP stop a command with one line
and status 128 + the signal's number, its unfinished files removed.

The modules: ``_main`` (the parser, :func:`main` and its signal handling),
``_demo``, ``_models`` (the models ``tune --model`` names), one module a
command (``_tune``, ``_predict``, ``_inspect``, ``_evaluate``, ``_shift``),
``_objectives`` (the options saying what a rule is for: objective, positive
class, class balance), ``_inputs`` (what a model file reads from a table:
features, or score columns), ``_files`` (tables in and out, outputs put in
place safely, messages) and ``_common`` (loading model files, reported
values, JSON values).
"""

from threshold_estimator.cli._demo import demo_data, run_demo
from threshold_estimator.cli._main import main
from threshold_estimator.cli._models import MODELS, default_model

__all__ = ["MODELS", "default_model", "demo_data", "run_demo", "main"]
