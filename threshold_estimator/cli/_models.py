"""The models ``tune --model`` names, and the columns they leave out."""

import re

import numpy as np
from sklearn.linear_model import LogisticRegression

from threshold_estimator.cli._files import note

MODELS = ("logistic", "hgb", "forest")

# id, customer_id, CustomerID, order_no, account number, pandas's saved index.
_IDENTIFIER_NAME = re.compile(
    r"(?i:(.*[\W_])?(id|ids|key|uuid|index|idx|no|nr|number))"
    r"|.*[a-z0-9](Id|ID)"
    r"|(?i:customer|client|user|account|row|record|unnamed: \d+)"
)


def default_model(name, X, random_state=None):
    """One of the command's models by name, behind its preprocessing.

    Non-numeric columns are one-hot encoded (at most 50 categories each, the
    rarest grouped, unseen ones ignored) after their missing values are
    filled with the most frequent one; numeric columns are imputed with the
    median where the model cannot take missing values (``logistic`` also
    scales them). ``hgb`` takes them as they are.

    Parameters
    ----------
    name : {"logistic", "hgb", "forest"}
        Logistic regression, histogram gradient boosting or a random forest.
    X : DataFrame
        The features, whose numeric and other columns are named in the
        model (plain lists, which model files store without code).
    random_state : int, default=None
        Seed of the models that draw at random.

    Returns
    -------
    model : Pipeline

    Examples
    --------
    >>> import pandas as pd
    >>> from threshold_estimator.cli import default_model
    >>> X = pd.DataFrame({"tenure": [1.0, 2.0], "plan": ["basic", "pro"]})
    >>> model = default_model("logistic", X)
    >>> model.steps[-1][1]
    LogisticRegression(max_iter=1000)
    >>> [(name, columns) for name, _, columns in model.steps[0][1].transformers]
    [('numbers', ['tenure']), ('categories', ['plan'])]
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = {
        "logistic": make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
        "hgb": "passthrough",
        "forest": SimpleImputer(strategy="median"),
    }[name]
    classifier = {
        "logistic": LogisticRegression(max_iter=1000),
        "hgb": HistGradientBoostingClassifier(random_state=random_state),
        "forest": RandomForestClassifier(random_state=random_state),
    }[name]
    categories = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=50,
            sparse_output=False,
        ),
    )
    numbers = [str(c) for c in X.select_dtypes(include="number").columns]
    others = [str(c) for c in X.columns if str(c) not in numbers]
    preprocess = ColumnTransformer(
        [("numbers", numeric, numbers), ("categories", categories, others)]
    )
    return make_pipeline(preprocess, classifier)


def without_identifiers(X):
    """``X`` without text columns that would only memorise rows.

    A text column whose values are all different (an e-mail, an order
    number) or that has more than 1,000 of them would put every value into
    the model file and teach the model nothing. An integer column that looks
    like an identifier stays (it may be a count), with a note.
    """
    for name, reason in _integer_identifiers(X):
        note(
            f"column {name!r} looks like an identifier ({reason}) and is used as "
            "a feature; --drop it if it is one"
        )
    text = X.select_dtypes(exclude="number")
    counts = text.nunique()
    dropped = [
        str(name)
        for name, count in counts.items()
        if count > 1000 or (count > 1 and count == text[name].notna().sum())
    ]
    if dropped:
        note(
            f"left out {', '.join(dropped)}: text with a different value in "
            "(nearly) every row, which the model would only memorise; "
            "--drop them to silence this"
        )
    return X.drop(columns=dropped)


def _integer_identifiers(X):
    """The integer columns of ``X`` that look like identifiers, with why.

    Integers named like one (``id``, ``customer_id``, ``CustomerID``), or
    all different and in row order, consecutive, or more than 200 of them.
    """
    found = []
    for name in X.select_dtypes(include="integer").columns:
        values = X[name].dropna().to_numpy(dtype=float)
        n = values.size
        distinct = n > 1 and np.unique(values).size == n
        steps = np.sign(np.diff(values))
        ordered = distinct and abs(steps.mean()) >= 0.9
        consecutive = distinct and values.max() - values.min() == n - 1
        named = bool(_IDENTIFIER_NAME.fullmatch(str(name)))
        if distinct and (named or ordered or consecutive or n > 200):
            order = ", in row order" if ordered else ""
            found.append((str(name), f"all {n:,} values distinct integers{order}"))
        elif named:
            found.append((str(name), "integers, and its name"))
    return found
