"""Every rendered option combination follows the standard: `mlgate check` finds nothing.

mlgate's own rules run in-process on every covering render (every pair of answers); zizmor
and hadolint run through the real CLI once per distinct set of workflows and Dockerfile
(python version x deploy). `pytest -m all_combinations` runs the rules on all 1,440 renders.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from rendering import (
    COMBINATIONS,
    all_combinations,
    combination_id,
    distinct_renders,
    expected_files,
    module_of,
    render_one,
    rendered_files,
)
from support import VENV_BIN, tool_env

from mlgate.check.model import Severity, Status
from mlgate.check.runner import run_checks

TOOL_RULES = ("ZIZMOR100", "HADOLINT100")
WORKFLOWS = ("ci.yml", "release.yml", "drift.yml", "retrain.yml", "template.yml")
TOOL_INPUTS = (*(f".github/workflows/{name}" for name in WORKFLOWS), "Dockerfile")


def expected_ignored(answers: dict[str, str]) -> set[str]:
    """The rules the template's mlgate.yaml ignores, with a reason, for these answers."""
    return {"GX101"} if answers["dataset"] == "custom" else set()


def expected_not_adopted(answers: dict[str, str]) -> set[str]:
    """deploy: none renders no manifests: the deploy part is not adopted (nor required)."""
    return {f"DEPLOY10{n}" for n in range(1, 7)} if answers["deploy"] == "none" else set()


def answers_by_project(rendered: dict[str, Path]) -> dict[Path, dict[str, str]]:
    return {rendered[combination_id(answers)]: answers for answers in COMBINATIONS}


def test_every_render_passes_the_rules(rendered: dict[str, Path]) -> None:
    assert rules_problems(rendered, COMBINATIONS) == []


def rules_problems(rendered: dict[str, Path], combinations: list[dict[str, str]]) -> list[str]:
    problems = []
    for answers in combinations:
        project = rendered[combination_id(answers)]
        report = run_checks(project, ignore=TOOL_RULES)
        for result, finding in report.failing(Severity.INFO):
            problems.append(f"{combination_id(answers)}: {result.code} {finding.message}")
        by_status = {status: set() for status in Status}
        for result in report.results:
            by_status[result.status].add(result.code)
        if by_status[Status.NOT_RUN]:
            problems.append(f"{combination_id(answers)}: not run {by_status[Status.NOT_RUN]}")
        if by_status[Status.IGNORED] != expected_ignored(answers):
            problems.append(f"{combination_id(answers)}: ignored {by_status[Status.IGNORED]}")
        if by_status[Status.NOT_ADOPTED] != expected_not_adopted(answers):
            problems.append(
                f"{combination_id(answers)}: not adopted {by_status[Status.NOT_ADOPTED]}"
            )
    return problems[:20]


@pytest.mark.all_combinations
def test_all_1440_renders(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Nightly-style: every combination rendered, with the file set and the rules checked."""
    combinations = list(all_combinations())
    output = tmp_path_factory.mktemp("all-combinations")
    with ProcessPoolExecutor() as pool:
        projects = list(pool.map(render_one, [(output, a) for a in combinations], chunksize=16))
    rendered = {combination_id(a): p for a, p in zip(combinations, projects, strict=True)}
    wrong = [
        combination_id(a)
        for a in combinations
        if rendered_files(rendered[combination_id(a)])
        != expected_files(a, module_of(rendered[combination_id(a)]))
    ]
    assert wrong == []
    assert rules_problems(rendered, combinations) == []


@pytest.fixture(scope="module")
def tool_sets(rendered: dict[str, Path]) -> list[tuple[dict[str, str], Path]]:
    answers_of = answers_by_project(rendered)
    renders = distinct_renders(answers_of, TOOL_INPUTS)
    assert len(renders) == 6  # python version x deploy
    return [(answers_of[project], project) for project in renders]


def test_every_distinct_workflow_set_passes_mlgate_check_with_its_tools(
    tool_sets: list[tuple[dict, Path]], home: Path
) -> None:
    for answers, project in tool_sets:
        run = subprocess.run(
            [VENV_BIN / "mlgate", "check", "--format", "json", "--fail-on", "info", project],
            capture_output=True,
            text=True,
            env=tool_env(home),
            timeout=120,
        )
        report = json.loads(run.stdout)
        statuses = {rule["code"]: rule["status"] for rule in report["rules"]}
        assert {code: statuses[code] for code in TOOL_RULES} == dict.fromkeys(TOOL_RULES, "pass"), (
            combination_id(answers),
            run.stderr,
        )
        assert run.returncode == 0, (combination_id(answers), run.stdout[-3000:], run.stderr)
