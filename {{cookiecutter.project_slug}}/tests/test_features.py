from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from project.features import build_preprocessor, feature_settings, infer_schema, read_roles
from project.params import ParamsError


def mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mean radius": [1.0, 2.0, np.nan, 4.0],
            "colour": ["red", None, "blue", "red"],
            "flag": [True, False, True, True],
            "target": [0, 1, 0, 1],
        }
    )


def test_schema_kinds_and_categories() -> None:
    schema = infer_schema(mixed_frame(), target="target", task="classification")
    kinds = {f["name"]: f["kind"] for f in schema["features"]}
    assert kinds == {"mean radius": "numeric", "colour": "categorical", "flag": "categorical"}
    colour = next(f for f in schema["features"] if f["name"] == "colour")
    assert colour["categories"] == ["blue", "red"]
    assert schema["target"]["classes"] == [0, 1]


def test_preprocessor_imputes_and_ignores_unknown_categories() -> None:
    frame = mixed_frame()
    schema = infer_schema(frame, target="target", task="classification")
    pre = build_preprocessor(schema).fit(frame.drop(columns=["target"]))
    unseen = pd.DataFrame({"mean radius": [np.nan], "colour": ["purple"], "flag": [False]})
    out = pre.transform(unseen)
    assert out.shape[0] == 1
    assert not np.isnan(out).any()


def test_schema_of_the_project_data(sample_frame: pd.DataFrame, params: dict) -> None:
    data = params["data"]
    schema = infer_schema(sample_frame, target=data["target"], task=data["task"])
    columns = len(schema["features"]) + len(schema["dropped"])
    assert columns == sample_frame.shape[1] - 1
    assert schema["task"] == data["task"]


def listings(rows: int = 120) -> pd.DataFrame:
    """An id, a listing date, notes, a count and a price: what a user's own table holds."""
    rng = np.random.default_rng(4)
    words = ["sea view", "renovated", "garden", "quiet street", "needs work", "balcony"]
    return pd.DataFrame(
        {
            "listing_id": [f"L{1000 + i}" for i in range(rows)],
            "listed_at": pd.date_range("2021-01-01", periods=rows, freq="5D").strftime("%Y-%m-%d"),
            "notes": [", ".join(rng.choice(words, 3, replace=False)) for _ in range(rows)],
            "rooms": rng.integers(1, 6, rows),
            "price": rng.normal(300_000, 50_000, rows),
        }
    )


ROLES = {
    "listed_at": {"role": "datetime", "format": "%Y-%m-%d", "source": "roles.yaml"},
    "notes": {"role": "text", "source": "roles.yaml"},
}


def test_roles_decide_what_the_model_sees() -> None:
    """Dates become calendar parts and an age, notes become words, the id is left out."""
    frame = listings()
    schema = infer_schema(frame, target="price", task="regression", roles=ROLES)
    kinds = {f["name"]: f["kind"] for f in schema["features"]}
    assert kinds == {"listed_at": "datetime", "notes": "text", "rooms": "numeric"}
    assert [d["name"] for d in schema["dropped"]] == ["listing_id"]
    assert schema["reference_date"].startswith(str(frame["listed_at"].max()))
    pre = build_preprocessor(schema).fit(frame.drop(columns=["price"]), frame["price"])
    names = list(pre.get_feature_names_out())
    wanted = {"datetime__listed_at_year", "datetime__listed_at_age_days", "text_notes__sea",
              "text_notes__view", "numeric__rooms"}  # fmt: skip
    assert wanted <= set(names)
    assert not any("listing_id" in name for name in names)


def test_a_future_date_and_new_words_are_not_unseen_labels() -> None:
    """A date after training is a point on the calendar (age below zero), new words are
    nothing, a missing date is imputed: no error, no NaN."""
    frame = listings()
    schema = infer_schema(frame, target="price", task="regression", roles=ROLES)
    pre = build_preprocessor(schema).fit(frame.drop(columns=["price"]), frame["price"])
    later = pd.DataFrame({"listing_id": ["X1", "X2"], "listed_at": ["2031-06-01", None],
                          "notes": ["helipad, vineyard", None], "rooms": [3, np.nan]})  # fmt: skip
    out = pre.transform(later)
    dense = out.toarray() if hasattr(out, "toarray") else out
    assert not np.isnan(dense).any()
    names = list(pre.get_feature_names_out())
    age = names.index("datetime__listed_at_age_days")
    trained = pre.transform(frame.drop(columns=["price"]))
    assert dense[0, age] < trained[:, age].min()  # scaled age: newer than anything trained on


def test_many_categories_are_target_encoded_not_one_hot() -> None:
    """A district with more values than features.max_categories is one column, not 60."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"district": [f"d{i % 60}" for i in range(600)],
                          "price": rng.normal(0, 1, 600)})  # fmt: skip
    schema = infer_schema(frame, target="price", task="regression")
    pre = build_preprocessor(schema, max_categories=30).fit(frame[["district"]], frame["price"])
    assert pre.transform(frame[["district"]]).shape[1] == 1


def test_roles_file_errors_name_the_file(tmp_path) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text("roles:\n  notes: prose\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"roles.yaml: column 'notes' has role 'prose'"):
        read_roles(path)
    assert read_roles(tmp_path / "absent.yaml") == {}
    with pytest.raises(ParamsError, match="features.reference_date"):
        feature_settings({"features": {"reference_date": "soon"}})


@pytest.mark.parametrize(
    ("roles", "change", "words"),
    [
        ({"notes": {"role": "text", "source": "roles.yaml"}}, {"notes": None}, "holds no word"),
        ({"notes": {"role": "text", "source": "roles.yaml"}}, {"notes": "a b"}, "holds no word"),
        ({"listed_at": {"role": "datetime", "format": "%Y-%m-%d %Q", "source": "roles.yaml"}},
         {}, "is not valid"),
        ({"listed_at": {"role": "datetime", "format": "%d/%m/%Y", "source": "roles.yaml"}},
         {}, "no value parses as a date"),
    ],
)  # fmt: skip
def test_roles_the_data_cannot_have_are_a_clear_error(
    roles: dict, change: dict, words: str
) -> None:
    """A stage that cannot train says why in one line (exit 2), never with a traceback."""
    frame = listings().assign(**change)
    with pytest.raises(ParamsError, match=words):
        infer_schema(frame, target="price", task="regression", roles=roles)


def test_a_format_must_be_text(tmp_path) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text("roles:\n  listed_at: {role: datetime, format: 2020}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="format must be a strftime text"):
        read_roles(path)


def test_old_and_far_dates_are_ages_not_overflows() -> None:
    """1700 and 2300 are dates: their age is a number of days, not an int64 overflow."""
    frame = listings()
    frame.loc[0, "listed_at"], frame.loc[1, "listed_at"] = "1700-06-01", "2300-01-01"
    schema = infer_schema(frame, target="price", task="regression", roles=ROLES)
    pre = build_preprocessor(schema).fit(frame.drop(columns=["price"]), frame["price"])
    out = pre.transform(frame.drop(columns=["price"]))
    dense = out.toarray() if hasattr(out, "toarray") else out
    assert np.isfinite(dense).all()
