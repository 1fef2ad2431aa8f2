"""The compiled predict path on a user's table: dates, words and target-encoded categories.

A render's own training on the houses table (an id left out, a %Y-%m-%d date, free-text notes,
an 80-value district that is target-encoded, counts and gaps): the service compiles every
block, and the compiled answers equal the pipeline's on real rows and on the awkward ones
(missing and far-future dates, words never seen, unseen districts, empty notes).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from houses import houses

from mlgate.serve import Settings
from mlgate.serve.compiled import DateBlock, TargetBlock, WordsBlock
from mlgate.serve.model import Model

ROLES = (
    "roles:\n  listing_id: identifier\n  listed_at: {role: datetime, format: '%Y-%m-%d'}\n"
    "  notes: text\n  district: categorical\n  garage: boolean\n"
)


def trained(sample_project: SimpleNamespace, params: dict, tmp_path: Path, model: str) -> Model:
    roles = tmp_path / "roles.yaml"
    roles.write_text(ROLES, encoding="utf-8")
    params["data"].update(target="price", task="regression")
    params["features"] = {**params.get("features", {}), "roles": str(roles)}
    params["model"] = {"name": model, "params": {"n_estimators": 20} if model != "linear" else {}}
    model_dir = tmp_path / "models"
    sample_project.train.save(*sample_project.train.train(houses(800), params), model_dir)
    schema = json.loads((model_dir / "schema.json").read_text(encoding="utf-8"))
    settings = Settings(model_dir=model_dir, metrics_file=tmp_path / "none.json")
    served = Model(settings, schema, "test", sample_project.features.as_text)
    served.load()
    return served


def columns(served: Model, records: list[dict[str, Any]]) -> list[list[Any]]:
    return [[record.get(f.name) for record in records] for f in served.features]


def awkward(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = json.loads(frame.drop(columns=["price"]).head(40).to_json(orient="records"))
    rows[0].update(listed_at=None, notes=None, district=None)
    rows[1].update(listed_at="2041-02-28", notes="helipad vineyard", district="district 99")
    rows[2].update(listed_at="1950-07-01", notes="", rooms=None, area_m2=None)
    rows[3].update(notes="SEA VIEW!!! sea-view, renovated; renovated")
    return rows


@pytest.mark.parametrize("model", ["gradient_boosting", "random_forest", "linear"])
def test_every_block_compiles_and_answers_as_the_pipeline(
    sample_project: SimpleNamespace, params: dict, tmp_path: Path, model: str
) -> None:
    served = trained(sample_project, params, tmp_path, model)
    assert served.info["predictor"] == "compiled"
    kinds = {type(block) for block in served.compiled.blocks}  # type: ignore[union-attr]
    assert {DateBlock, WordsBlock, TargetBlock} <= kinds
    batch = columns(served, awkward(houses(200, seed=5)))
    compiled, _ = served.compiled.predict(batch)  # type: ignore[union-attr]
    expected, _ = served._pipeline_predict(batch)
    np.testing.assert_allclose(compiled, expected, rtol=1e-9)


def test_a_mismatch_falls_back_to_the_pipeline(
    sample_project: SimpleNamespace, params: dict, tmp_path: Path, monkeypatch: Any
) -> None:
    """A compiled date block that read dates differently is caught on the probe rows: the
    service serves the pipeline itself (slower, never wrong)."""
    served = trained(sample_project, params, tmp_path, "linear")
    assert served.info["predictor"] == "compiled"
    original = DateBlock.transform
    monkeypatch.setattr(DateBlock, "transform", lambda self, cols: original(self, cols) + 1.0)
    served.load()
    assert served.info["predictor"] == "pipeline"
    assert served.compiled is None
