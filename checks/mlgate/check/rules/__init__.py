"""Every rule, family by family; `ALL_RULES` is what `mlgate check` and repo-review run."""

from __future__ import annotations

from typing import Any

from . import adopt, deploy, docker, drift, dvc, gate, gha, gx, monitor, sec, template, tools
from .base import Rule, rules_in

ALL_RULES: list[type[Rule]] = [
    *rules_in(adopt),
    *rules_in(dvc),
    *rules_in(gx),
    *rules_in(gate),
    *rules_in(gha),
    *rules_in(docker),
    *rules_in(deploy),
    *rules_in(drift),
    *rules_in(monitor),
    *rules_in(sec),
    *rules_in(template),
    *rules_in(tools),
]
FAMILIES: dict[str, dict[str, Any]] = {
    "adoption": {"name": "Adoption", "order": 0},
    "dvc": {"name": "DVC pipeline", "order": 1},
    "gx": {"name": "Data tests (Great Expectations)", "order": 2},
    "gate": {"name": "Metric gate", "order": 3},
    "gha": {"name": "GitHub Actions", "order": 4},
    "docker": {"name": "Container", "order": 5},
    "deploy": {"name": "Deployment (GitOps)", "order": 6},
    "drift": {"name": "Drift monitoring", "order": 7},
    "monitor": {"name": "Production performance", "order": 8},
    "sec": {"name": "Security and ownership", "order": 9},
    "template": {"name": "Template updates", "order": 10},
    "tools": {"name": "zizmor and hadolint", "order": 11},
}
