"""A repository whose release v1.0.0 committed its metrics: what `mlgate monitor` compares
production with. The gate's rules: accuracy at least 0.8 and at most 0.05 below v1.0.0's
0.90, ROC AUC at least 0.8."""

from __future__ import annotations

import json
from pathlib import Path

from gitrepo import commit, git, init_repo, metrics_json

GATE_POLICY = """gate:
  metrics: reports/metrics.json
  rules:
    accuracy: {min: 0.8, max_drop: 0.05}
    roc_auc: {min: 0.8}
"""
MODEL_SCHEMA = json.dumps({"task": "classification", "target": {"name": "y", "classes": [0, 1]},
                           "features": []})  # fmt: skip


def released(folder: Path, home: Path) -> Path:
    path = init_repo(folder, home)
    commit(path, home, {"mlgate.yaml": GATE_POLICY, "models/schema.json": MODEL_SCHEMA,
                        "reports/metrics.json": metrics_json({"accuracy": 0.9, "roc_auc": 0.95})},
           "release")  # fmt: skip
    git(path, home, "tag", "v1.0.0")
    return path
