"""`mlgate check` never crashes: strange repositories give findings or "not applicable".

A rule that raised would be reported as "internal error" (not run); these tests require that
no rule ever gets there, whatever the repository holds.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from check_repo import GOOD, write_repo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgate.check.repo import Repo
from mlgate.check.runner import run_checks

WORKFLOW = ".github/workflows/ci.yml"


def no_internal_errors(root: Path) -> None:
    report = run_checks(root)
    broken = [f"{r.code}: {r.reason}" for r in report.results if "internal error" in r.reason]
    assert broken == []


STRANGE: dict[str, dict[str, str | bytes]] = {
    "malformed YAML": {WORKFLOW: "on: [push\njobs: {", "dvc.yaml": "stages: [",
                       "mlgate.yaml": "::"},
    "a workflow that is a list": {WORKFLOW: "- a\n- b\n"},
    "a workflow that is a string": {WORKFLOW: "just text\n"},
    "jobs of the wrong shape": {WORKFLOW: "on: push\njobs: [1, 2]\n"},
    "steps of the wrong shape": {WORKFLOW: "on: push\njobs:\n  a:\n    runs-on: x\n    steps: 3\n"},
    "binary files": {WORKFLOW: b"\x00\x01\x02" * 100, "Dockerfile": b"\x00\xff" * 50,
                     "dvc.yaml": b"\x89PNG\x00"},
    "non-UTF-8 text": {"mlgate.yaml": "gate: caf\xe9\n".encode("latin-1"),
                       WORKFLOW: "on: push # \xe9\n".encode("latin-1")},
    "a policy that is a list": {"mlgate.yaml": "- gate\n"},
    "stages as a list": {"dvc.yaml": "stages:\n  - train\n", "params.yaml": "[1]\n"},
    "a Dockerfile of continuations": {"Dockerfile": "FROM \\\n\\\n"},
    "deploy manifests of garbage": {"deploy/base/deployment.yaml": "---\n- 1\n---\nkind: [\n",
                                    "deploy/overlays/production/kustomization.yaml": "images: 3\n"},
    "aliases and merges": {WORKFLOW: "x: &a {on: push}\non: *a\njobs:\n  j:\n    <<: *a\n"},
    "a cron of another kind": {".github/workflows/drift.yml":
                               "on:\n  schedule: [{cron: 5}, 'x', {cron: '* * *'}]\n"
                               "jobs:\n  d:\n    runs-on: x\n    steps: [{run: mlgate drift}]\n"},
    "an ignore list of numbers": {"mlgate.yaml": "check:\n  ignore: [1, {rule: 2}]\n"},
}  # fmt: skip


@pytest.mark.parametrize("name", list(STRANGE))
def test_strange_files_give_findings_not_tracebacks(name: str, tmp_path: Path) -> None:
    no_internal_errors(write_repo(tmp_path / "repo", {**GOOD, **STRANGE[name]}))


def test_an_empty_directory_and_a_repo_without_github(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    no_internal_errors(empty)
    files = {k: v for k, v in GOOD.items() if not k.startswith(".github/")}
    no_internal_errors(write_repo(tmp_path / "no-github", files))


def test_symlink_loops_and_links_out_of_the_tree(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", dict(GOOD))
    (root / "dvc.yaml").unlink()
    os.symlink("dvc.yaml", root / "dvc.yaml")  # a link to itself
    os.symlink(".", root / "loop")  # a directory loop for every walk
    (root / "Dockerfile").unlink()
    outside = tmp_path / "outside"
    outside.write_text("FROM python:latest\n", encoding="utf-8")
    os.symlink(outside, root / "Dockerfile")
    no_internal_errors(root)
    assert "cannot be read" in Repo(root).read("dvc.yaml").problem
    assert Repo(root).read("Dockerfile").problem == "is a link out of the repository"


def test_a_50_mb_file_is_not_read(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", dict(GOOD))
    with open(root / ".github" / "workflows" / "huge.yml", "wb") as handle:
        handle.truncate(50 << 20)  # sparse: 50 MB on paper
    with open(root / "blob.bin", "wb") as handle:
        handle.truncate(50 << 20)
    no_internal_errors(root)
    assert Repo(root).read(".github/workflows/huge.yml").problem.startswith("is too large")


KEYS = st.sampled_from(["on", "jobs", "steps", "uses", "run", "with", "permissions", "needs",
                        "schedule", "cron", "push", "tags", "pull_request", "continue-on-error",
                        "fetch-depth", "persist-credentials", "runs-on", "concurrency", "env",
                        "timeout-minutes", "x"])  # fmt: skip
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["mlgate gate", "mlgate drift",
                    "actions/checkout@v4", "v*", "write-all", "0", "17 6 * * 1"]))  # fmt: skip
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(KEYS, st.integers()), inner, max_size=5)),
    max_leaves=40,
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(document=DOCUMENTS)
def test_random_workflow_documents_never_raise(document: object, tmp_path: Path) -> None:
    root = tmp_path / "fuzz"
    if not root.exists():
        write_repo(root, dict(GOOD))  # a valid policy and pipeline, so GATE rules get this far
    text = yaml.safe_dump(document, allow_unicode=True)
    (root / WORKFLOW).write_text(text, encoding="utf-8")
    report = run_checks(root, select=["GHA", "GATE", "DRIFT"])  # every workflow rule, as run
    broken = [f"{r.code}: {r.reason}" for r in report.results if "internal error" in r.reason]
    assert broken == []
