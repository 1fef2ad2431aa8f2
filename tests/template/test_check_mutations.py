"""The default render, broken one way at a time: exactly the rule that guards it fires.

tests/checks/test_check.py does the same on a hand-written repository (every rule, 40
mutations); this table breaks the generated project itself, so the rules are known to read the
files the template really writes. zizmor and hadolint run too: where a break is also theirs,
their finding is expected by its code, unless one of mlgate's rules owns that audit (the
defect is then reported once, by the rule: see runner.OWNED_AUDITS).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from rendering import COMBINATIONS, render

from mlgate.check.model import Status
from mlgate.check.runner import run_checks

Mutation = Callable[[Path], None]


def replace(path: str, old: str, new: str, *, pattern: bool = False) -> Mutation:
    def change(project: Path) -> None:
        file = project / path
        text = file.read_text(encoding="utf-8")
        if pattern:
            changed = re.sub(old, new, text, count=1, flags=re.MULTILINE)
        else:
            changed = text.replace(old, new, 1)
        assert changed != text, f"{path}: {old!r} not found"
        file.write_text(changed, encoding="utf-8")

    return change


def edit_yaml(path: str, edit: Callable[[dict], None]) -> Mutation:
    def change(project: Path) -> None:
        file = project / path
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        edit(data)
        file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    return change


def add_file(path: str, text: str) -> Mutation:
    def change(project: Path) -> None:
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text, encoding="utf-8")

    return change


def both(*mutations: Mutation) -> Mutation:
    def change(project: Path) -> None:
        for mutate in mutations:
            mutate(project)

    return change


def remove(path: str) -> Mutation:
    def change(project: Path) -> None:
        (project / path).unlink()

    return change


def drop_stage(name: str) -> Mutation:
    return edit_yaml("dvc.yaml", lambda dvc: dvc["stages"].pop(name))


def container(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]["containers"][0]


CI, DRIFT, RELEASE = (f".github/workflows/{n}.yml" for n in ("ci", "drift", "release"))
SHA_CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
KEY = (
    "-----BEGIN OPENSSH "
    + "PRIVATE KEY-----\n"
    + "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" * 3
    + "-----END OPENSSH"
)

MUTATIONS: dict[str, tuple[Mutation, set[str]]] = {
    "no fetch-depth on the gate's checkout": (
        replace(CI, r"^ +fetch-depth: 0.*\n", "", pattern=True), {"GATE106"}),
    "continue-on-error on the gate step": (
        replace(CI, "        id: gate\n", "        id: gate\n        continue-on-error: true\n"),
        {"GATE105"}),
    "permissions: write-all": (
        replace(DRIFT, r"^    permissions:\n      contents: read.*\n",
                "    permissions: write-all\n", pattern=True),
        {"GHA103"}),
    # every job of release.yml states its own permissions: GHA102 says so at info only
    "no top-level permissions": (replace(RELEASE, "permissions: {}\n", ""), set()),
    "no top-level permissions, a job without its own": (
        both(replace(RELEASE, "permissions: {}\n", ""),
             replace(RELEASE, r"^  gate:\n((?:    .*\n)*?)    permissions:\n(      .*\n)+",
                     r"  gate:\n\1", pattern=True)),
        {"GHA102"}),
    "an action on a tag": (replace(CI, SHA_CHECKOUT, "actions/checkout@v7"),
                           {"GHA104"}),
    # ci.yml is then no pull-request workflow, so no pull request runs the gate: GATE105 too
    "pull_request_target": (replace(CI, "  pull_request:\n", "  pull_request_target:\n"),
                            {"GHA105", "GATE105"}),
    "persisted credentials": (
        replace(CI, "persist-credentials: false", "persist-credentials: true"), {"GHA106"}),
    "a PR title in a script": (
        replace(CI, "        run: make lint\n",
                '        run: make lint && echo "${{ github.event.pull_request.title }}"\n'),
        {"GHA107"}),
    "release on a branch": (replace(RELEASE, '    tags: ["v*.*.*"]', "    branches: [main]"),
                            {"GATE107"}),
    "invalid cron": (replace(DRIFT, "cron: '17 6 * * 1'", "cron: '61 6 * * 1'"), {"DRIFT101"}),
    "USER root": (replace("Dockerfile", "USER 10001", "USER root"),
                  {"DOCKER102", "HADOLINT-DL3002"}),
    "no HEALTHCHECK": (replace("Dockerfile", r"^HEALTHCHECK .*\\\n.*\n", "", pattern=True),
                       {"DOCKER103"}),
    "base image latest": (
        replace("Dockerfile", r"^FROM python:\S+ AS runtime", "FROM python:latest AS runtime",
                pattern=True),
        {"DOCKER104", "HADOLINT-DL3007"}),
    "no validate stage": (drop_stage("validate"), {"DVC105", "GX101"}),
    "train reads unvalidated data": (
        replace("dvc.yaml", "      - reports/validation.json\n", ""), {"DVC105"}),
    "no profile stage": (drop_stage("profile"), {"DRIFT102"}),
    "a gated metric nobody writes": (
        replace("mlgate.yaml", "  rules:\n",
                "  rules:\n    precision_at_5: {higher_is_better: true, min: 0.5}\n"),
        {"GATE104"}),
    "a gate rule without a bound": (
        replace("mlgate.yaml", "min: 0.90, max_drop: 0.02}", "}"), {"GATE102"}),
    "image by tag in the overlay": (
        replace("deploy/overlays/production/kustomization.yaml", r"^    digest: .*$",
                "    newTag: latest", pattern=True),
        {"DEPLOY105"}),
    "no resource limits": (
        edit_yaml("deploy/base/deployment.yaml",
                  lambda d: container(d)["resources"].pop("limits")),
        {"DEPLOY103"}),
    "no readiness probe": (
        edit_yaml("deploy/base/deployment.yaml", lambda d: container(d).pop("readinessProbe")),
        {"DEPLOY102"}),
    "root allowed": (
        edit_yaml("deploy/base/deployment.yaml", lambda d: (
            container(d)["securityContext"].pop("runAsNonRoot"),
            d["spec"]["template"]["spec"]["securityContext"].pop("runAsNonRoot"))),
        {"DEPLOY104"}),
    "CODEOWNERS lost mlgate.yaml": (
        both(replace(".github/CODEOWNERS", r"^\*\s.*\n", "", pattern=True),
             replace(".github/CODEOWNERS", r"^/mlgate\.yaml\s.*\n", "", pattern=True)),
        {"SEC101"}),
    "a committed private key": (add_file("config/deploy_key", KEY + " PRIVATE KEY-----\n"),
                                {"SEC104"}),
    "retrain on drift switched on (the template is ready for it)": (
        replace("mlgate.yaml", "retrain: false", "retrain: true"), set()),
    "retrain on drift, but nothing starts it": (
        both(replace("mlgate.yaml", "retrain: false", "retrain: true"),
             replace(DRIFT, "mlgate dispatch retrain.yml --if-policy drift.retrain", "make help")),
        {"DRIFT105"}),
    "retrain on drift, but retrain.yml cannot be started": (
        both(replace("mlgate.yaml", "retrain: false", "retrain: true"),
             replace(".github/workflows/retrain.yml", "  workflow_dispatch:\n", "")),
        {"DRIFT105"}),
    "no scheduled template update": (remove(".github/workflows/template.yml"), {"TEMPLATE102"}),
    "a template update from a shallow clone": (
        replace(".github/workflows/template.yml", "          fetch-depth: 0 # the three-way merge "
                "finds the files as first rendered in history\n", ""), {"TEMPLATE102"}),
    "a conflict marker left by a template update": (
        replace("Makefile", "\nhelp:", "\n<<<<<<< ours\n=======\n>>>>>>> template\nhelp:"),
        {"TEMPLATE103"}),
    "an ignore without a reason": (
        replace("mlgate.yaml", "  ignore: []", "  ignore:\n    - rule: DOCKER104"), {"SEC102"}),
    "no record of the template": (remove(".cruft.json"), {"TEMPLATE101"}),
    "a template record without its commit": (
        replace(".cruft.json", r'"commit": "[0-9a-f]{40}"', '"commit": null', pattern=True),
        {"TEMPLATE101"}),
    "the alerts not deployed": (
        replace("deploy/overlays/production/kustomization.yaml", r"^components:\n.*\n", "",
                pattern=True),
        {"MONITOR106"}),
    "the latency budget changed in one place only": (
        replace("mlgate.yaml", "p95_ms: 200", "p95_ms: 150"), {"MONITOR106"}),
    "production never judged": (
        replace(DRIFT, "mlgate monitor --format md --json logs/monitor.json", "make help"),
        {"MONITOR101"}),
    "an invalid monitoring policy": (replace("mlgate.yaml", "min_labels: 100", "min_labels: 0"),
                                     {"MONITOR102"}),
    "the model's answers not profiled": (
        replace("dvc.yaml", "--outputs models/held_out.jsonl ", ""), {"MONITOR103"}),
    "the deployed release asked without SERVICE_URL": (
        replace(DRIFT, "        env:\n          SERVICE_URL: ${{ vars.SERVICE_URL }}\n", ""),
        {"MONITOR104"}),
    "the deployed release's tag not fetched": (
        replace(DRIFT, r"^ +fetch-depth: 0 # the release tags.*\n", "", pattern=True),
        {"MONITOR104"}),
    "retrain on a performance failure switched on (the template is ready for it)": (
        replace("mlgate.yaml", "retrain: false     # true: on a performance FAIL",
                "retrain: true     # true: on a performance FAIL"), set()),
    "retrain on a performance failure, but nothing starts it": (
        both(replace("mlgate.yaml", "retrain: false     # true: on a performance FAIL",
                     "retrain: true     # true: on a performance FAIL"),
             replace(DRIFT, "--if-policy monitor.retrain", "--if-policy drift.retrain")),
        {"MONITOR105"}),
}  # fmt: skip


def fired(project: Path) -> set[str]:
    """Failing rules, tool findings by their own codes (warnings and up); NOT RUN marked."""
    codes: set[str] = set()
    for result in run_checks(project).results:
        if result.status is Status.NOT_RUN:
            codes.add(f"NOT RUN {result.code}: {result.reason}")
        codes |= {
            result.finding_code(f)
            for f in result.findings
            if result.finding_severity(f).label != "info"
        }
    return codes


@pytest.fixture(scope="module")
def default_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = render(tmp_path_factory.mktemp("mutations"), **COMBINATIONS[0])
    assert fired(project) == set()
    return project


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_one_break_fires_its_rule(name: str, default_render: Path, tmp_path: Path) -> None:
    mutate, expected = MUTATIONS[name]
    project = Path(shutil.copytree(default_render, tmp_path / default_render.name))
    mutate(project)
    assert fired(project) == expected
