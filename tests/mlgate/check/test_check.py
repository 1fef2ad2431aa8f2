"""`mlgate check` on a repository that follows the standard, and on one mutation per rule.

Each mutation breaks exactly one thing; the rules that fire (ours, and zizmor's and hadolint's
findings by code) must be exactly the expected ones, so rules neither miss nor overlap.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from check_repo import GOOD, write_repo
from support import VENV_BIN

from mlgate.check.model import Severity, Status
from mlgate.check.runner import run_checks

Files = dict[str, str | bytes | None]


def fired(root: Path) -> set[str]:
    """Failing rule codes; a tool's findings by their own codes; NOT RUN marked as such."""
    report = run_checks(root)
    codes: set[str] = set()
    for result in report.results:
        if result.status is Status.NOT_RUN:
            codes.add(f"NOT RUN {result.code}: {result.reason}")
        for finding in result.findings:
            severity = result.finding_severity(finding).label
            if severity != "info":  # zizmor's informational audits are advice, not the rule
                codes.add(result.finding_code(finding))
    return codes


def replace(path: str, old: str, new: str) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        text = files[path]
        assert isinstance(text, str) and old in text, (path, old)
        files[path] = text.replace(old, new, 1)

    return change


def drop(path: str) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        files[path] = None

    return change


def remove_under(prefix: str) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        for path in list(files):
            if path.startswith(prefix):
                files[path] = None

    return change


def add(path: str, content: str | bytes) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        files[path] = content

    return change


# the shape of a real key: header, base64 body lines, footer (the header alone is not a key)
PRIVATE_KEY = (
    "-----BEGIN OPENSSH "
    + "PRIVATE KEY-----\n"
    + "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" * 3
    + "-----END OPENSSH PRIVATE KEY-----\n"
)
GATE_STEP = '        run: mlgate gate --baseline "origin/${BASE:-main}"\n'
MUTATIONS: dict[str, tuple[Callable[[Files], None], set[str]]] = {
    "no fetch-depth": (replace(".github/workflows/ci.yml", "          fetch-depth: 0\n", ""),
                       {"GATE106"}),
    "continue-on-error on the gate": (
        replace(".github/workflows/ci.yml", GATE_STEP,
                GATE_STEP + "        continue-on-error: true\n"),
        {"GATE105"},
    ),
    "permissions: write-all": (
        replace(".github/workflows/ci.yml", "permissions: {}\n", "permissions: write-all\n"),
        # every job states its own permissions, so only the blanket grant itself is wrong
        {"GHA103"},
    ),
    "an action on a tag": (
        replace(".github/workflows/drift.yml",
                "@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "@v7"),
        {"GHA104"},  # zizmor's unpinned-uses is the same defect: reported once, by GHA104
    ),
    "USER root": (replace("Dockerfile", "USER 10001", "USER root"),
                  {"DOCKER102", "HADOLINT-DL3002"}),
    "no validate stage": (
        replace("dvc.yaml", "mlgate validate gx/expectations/raw_data.json data/raw/data.csv",
                "python -m project.copy"),
        {"DVC105", "GX101"},
    ),
    "a gated metric nobody writes": (
        replace("mlgate.yaml", "    accuracy: {min: 0.8, max_drop: 0.01}\n",
                "    accuracy: {min: 0.8, max_drop: 0.01}\n    auc: {min: 0.9}\n"),
        {"GATE104"},
    ),
    "invalid cron": (replace(".github/workflows/drift.yml", "17 6 * * 1", "61 6 * * 1"),
                     {"DRIFT101"}),
    "image by tag in the overlay": (
        replace("deploy/overlays/production/kustomization.yaml", "digest: sha256:" + "0" * 64,
                "newTag: v1.0.0"),
        {"DEPLOY105"},
    ),
    "pull_request_target": (
        replace(".github/workflows/ci.yml", "  pull_request:\n", "  pull_request_target:\n"),
        {"GHA105", "GATE105"},
    ),
    "credentials persisted": (
        replace(".github/workflows/drift.yml",
                "        with:\n          persist-credentials: false\n", ""),
        {"GHA106"},
    ),
    "untrusted input in run": (
        replace(".github/workflows/ci.yml", "run: make setup && dvc repro",
                'run: echo "${{ github.event.pull_request.title }}"'),
        {"GHA107"},
    ),
    "no HEALTHCHECK": (replace("Dockerfile", "HEALTHCHECK", "# HEALTHCHECK"), {"DOCKER103"}),
    "FROM latest": (replace("Dockerfile", "python:3.11-slim-bookworm", "python:latest"),
                    {"DOCKER104", "HADOLINT-DL3007"}),
    "no .git in .dockerignore": (replace(".dockerignore", ".git\n", ""), {"DOCKER105"}),
    "no probes": (replace("deploy/base/deployment.yaml", "readinessProbe", "startupProbe"),
                  {"DEPLOY102"}),
    "no limits": (replace("deploy/base/deployment.yaml", "limits", "requests"), {"DEPLOY103"}),
    "may run as root": (replace("deploy/base/deployment.yaml", "runAsNonRoot: true",
                                "runAsNonRoot: false"), {"DEPLOY104"}),
    "Argo CD elsewhere": (replace("deploy/argocd/application.yaml", "overlays/production",
                                  "overlays/staging"), {"DEPLOY106"}),
    "no deploy/ though required": (remove_under("deploy/"), {"ADOPT101"}),
    "CODEOWNERS misses the policy": (
        add(".github/CODEOWNERS", "/.github/ @owners\n/deploy/ @owners\n"), {"SEC101"}
    ),
    "an ignore without a reason": (
        replace("mlgate.yaml", "check:\n", "check:\n  ignore:\n    - rule: DOCKER104\n"),
        {"SEC102"},
    ),
    "no Dependabot for actions": (
        replace(".github/dependabot.yml", "github-actions", "npm"), {"SEC103"}
    ),
    "a committed private key": (
        add("keys/deploy.pem", PRIVATE_KEY), {"SEC104"}
    ),
    "a parameter params.yaml lacks": (replace("dvc.yaml", "split.test_size", "split.ratio"),
                                      {"DVC104"}),
    "no default remote": (replace(".dvc/config", "    remote = storage\n", ""), {"DVC102"}),
    "a remote inside the repo": (
        replace(".dvc/config", "~/.dvc-storage/p", "../storage"), {"DVC103"}
    ),
    "dvc.lock ignored": (replace(".gitignore", "/.venv\n", "/.venv\ndvc.lock\n"), {"DVC107"}),
    "a stale dvc.lock": (add("dvc.lock", "schema: '2.0'\nstages:\n  train: {cmd: x}\n"),
                         {"DVC106"}),
    "a release without a gate": (
        replace(".github/workflows/release.yml", "mlgate gate --baseline main", "make test"),
        {"GATE107"},
    ),
    "retrain on drift, but nothing starts it": (
        replace(".github/workflows/drift.yml", "mlgate dispatch retrain.yml", "make retrain"),
        {"DRIFT105"},
    ),
    "drift starts a workflow that is not there": (
        replace(".github/workflows/drift.yml", "dispatch retrain.yml", "dispatch 'retrian.yml'"),
        {"DRIFT105"},
    ),
    "the retrain workflow cannot be started": (
        replace(".github/workflows/retrain.yml", "  workflow_dispatch:\n", "  push:\n"),
        {"DRIFT105", "MONITOR105"},
    ),
    "an engine setting that is not Spark's": (
        replace("mlgate.yaml", "  name: arrow\n", "  name: spark\n  spark: {shuffle: 3}\n"),
        {"DRIFT106"},
    ),
    "drift not startable by hand": (
        replace(".github/workflows/drift.yml", "  workflow_dispatch:\n", ""), {"DRIFT104"}
    ),
    "no profile stage": (replace("dvc.yaml", "mlgate profile", "python -m project.profile"),
                         {"DRIFT102"}),
    "a suite without the column set": (
        replace("gx/expectations/raw_data.json", "expect_table_columns_to_match_set",
                "expect_table_row_count_to_be_between"),
        {"GX104"},
    ),
    "the suite not a dependency": (
        replace("dvc.yaml", "    deps:\n      - gx/expectations/raw_data.json\n", "    deps:\n"),
        {"GX103"},
    ),
    "an expectation of no known shape": (
        replace("gx/expectations/raw_data.json", "expect_column_values_to_not_be_null",
                "column not null"),
        {"GX102"},
    ),
    "a gate rule without a bound": (
        replace("mlgate.yaml", "{min: 0.8, max_drop: 0.01}", "{higher_is_better: true}"),
        {"GATE102"},
    ),
    "metrics not a DVC metric": (
        replace("dvc.yaml", "    metrics:\n      - reports/metrics.json:",
                "    outs:\n      - reports/metrics.json:"),
        {"GATE103"},
    ),
    "a job without a timeout": (
        replace(".github/workflows/drift.yml", "    timeout-minutes: 30\n", ""), {"GHA108"}
    ),
    "PR runs not cancelled": (
        replace(".github/workflows/ci.yml", "  cancel-in-progress: true\n", ""), {"GHA109"}
    ),
    "production never judged": (
        replace(".github/workflows/drift.yml", "      - run: mlgate monitor\n",
                "      - run: make help\n"),
        {"MONITOR101"},
    ),
    "the deployed release asked without its address": (
        replace(".github/workflows/drift.yml",
                "        env:\n          SERVICE_URL: ${{ vars.SERVICE_URL }}\n", ""),
        {"MONITOR104"},
    ),
    "the release tags not fetched": (
        replace(".github/workflows/drift.yml", "          fetch-depth: 0\n", ""), {"MONITOR104"}
    ),
    "the model's answers not profiled": (
        replace("dvc.yaml", " --outputs models/held_out.jsonl", ""), {"MONITOR103"}
    ),
    "the model's answers not kept": (
        replace("dvc.yaml", "    outs:\n      - models/held_out.jsonl\n", ""), {"MONITOR103"}
    ),
    "retrain on a performance failure, but nothing starts it": (
        replace(".github/workflows/drift.yml", "--if-policy monitor.retrain",
                "--if-policy drift.retrain"),
        {"MONITOR105"},
    ),
    "no alert on the latency": (
        replace("deploy/base/rules.yaml", "http_request_duration_seconds_bucket", "x"),
        {"MONITOR106"},
    ),
    "a latency alert off the verify budget": (
        replace("deploy/base/rules.yaml", "            > 0.2\n", "            > 0.5\n"),
        {"MONITOR106"},
    ),
    "nothing scrapes the service": (
        replace("deploy/base/kustomization.yaml", "  - servicemonitor.yaml\n", ""),
        {"MONITOR106"},
    ),
    "no record of the template": (drop(".cruft.json"), {"TEMPLATE101"}),
    "a template record without its commit": (
        replace(".cruft.json", '"0123456789abcdef0123456789abcdef01234567"', "null"),
        {"TEMPLATE101"},
    ),
    "template updates run by hand only": (
        replace(".github/workflows/template.yml", "  schedule:\n    - cron: \"41 5 * * 2\"\n", ""),
        {"TEMPLATE102"},
    ),
    "a template update that proposes nothing": (
        replace(".github/workflows/template.yml", "  mlgate pr ", "  echo mlgate pr "),
        {"TEMPLATE102"},
    ),
    "a template update without history": (
        replace(".github/workflows/template.yml", "          fetch-depth: 0\n", ""),
        {"TEMPLATE102"},
    ),
    "a conflict left from a template update": (
        add("NOTES.md", "# Notes\n\nSetext\n=======\n\n<<<<<<< ours\nmine\n=======\n"
            "theirs\n>>>>>>> theirs\n"),
        {"TEMPLATE103"},
    ),
    "a rejected template change": (add("Makefile.rej", "@@ -1 +1 @@\n-a\n+b\n"), {"TEMPLATE103"}),
    "a bad release limit": (
        replace("mlgate.yaml", "  require: [all]\n", "  require: [all]\n  template:\n"
                "    max_releases_behind: -1\n"),
        {"TEMPLATE104"},
    ),
    "an invalid monitoring policy": (
        replace("mlgate.yaml", "  baseline: deployed\n", "  baseline: HEAD~1\n"), {"MONITOR102"}
    ),
    # required, and the gate, drift and monitor parts (adopted in mlgate.yaml) now run nowhere
    "no workflows though required": (remove_under(".github/workflows/"),
                                     {"ADOPT101", "GATE105", "DRIFT101", "MONITOR101",
                                      "TEMPLATE102"}),
}  # fmt: skip


def build(tmp_path: Path, change: Callable[[Files], None] | None = None) -> Path:
    files: Files = dict(GOOD)
    if change is not None:
        change(files)
    return write_repo(tmp_path / "repo", files)


def test_the_good_repository_passes_every_rule(tmp_path: Path) -> None:
    root = build(tmp_path)
    report = run_checks(root)
    assert {r.status for r in report.results} <= {Status.PASS, Status.SKIPPED}
    skipped = {r.code: r.reason for r in report.results if r.status is Status.SKIPPED}
    assert skipped == {
        "DVC106": "no dvc.lock yet",
        "TEMPLATE104": "no check.template.max_releases_behind in mlgate.yaml",
    }
    assert fired(root) == set()


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_one_mutation_fires_exactly_its_rules(name: str, tmp_path: Path) -> None:
    change, expected = MUTATIONS[name]
    assert fired(build(tmp_path, change)) == expected


def test_at_least_thirty_rules_in_eight_families() -> None:
    from mlgate.check.rules import ALL_RULES

    families = {rule.family for rule in ALL_RULES}
    assert len(ALL_RULES) >= 30
    assert {"dvc", "gx", "gate", "gha", "docker", "deploy", "drift", "sec"} <= families
    for rule in ALL_RULES:
        assert rule.title().endswith("."), rule.code()
        assert rule.link().startswith("https://"), rule.code()


def test_cli_exit_codes_and_formats(tmp_path: Path, mlgate: Callable[..., Any]) -> None:
    root = build(tmp_path)
    assert mlgate("check", str(root)).returncode == 0
    bad = build(tmp_path / "bad", replace("Dockerfile", "USER 10001", "USER root"))
    done = mlgate("check", str(bad), "--format", "json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    failed = {r["code"] for r in data["rules"] if r["status"] == "fail"}
    assert failed == {"DOCKER102", "HADOLINT100"}
    assert mlgate("check", str(bad), "--ignore", "DOCKER102,HADOLINT-DL3002").returncode == 0
    assert mlgate("check", str(bad), "--select", "GHA").returncode == 0
    missing = mlgate("check", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such directory" in missing.stderr


def test_sarif_is_what_code_scanning_takes(tmp_path: Path, mlgate: Callable[..., Any]) -> None:
    bad = build(tmp_path, replace("Dockerfile", "USER 10001", "USER root"))
    sarif = json.loads(mlgate("check", str(bad), "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert all(rule["helpUri"].startswith("https://") for rule in rules.values())
    located = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"])
               for r in run["results"]}  # fmt: skip
    assert ("DOCKER102", "Dockerfile", 4) in located
    assert ("HADOLINT-DL3002", "Dockerfile", 4) in located
    assert rules["HADOLINT-DL3002"]["helpUri"] == "https://github.com/hadolint/hadolint/wiki/DL3002"
    assert rules["DOCKER102"]["helpUri"].endswith("/docs/rules.md#DOCKER102")
    assert all(r["ruleId"] in rules and rules[r["ruleId"]]["id"] == r["ruleId"]
               for r in run["results"])  # fmt: skip


def test_github_format_caps_annotations_and_writes_the_summary(
    tmp_path: Path, mlgate: Callable[..., Any]
) -> None:
    lines = "".join(f"    - rule: X{i}\n" for i in range(14))
    bad = build(tmp_path, replace("mlgate.yaml", "check:\n", f"check:\n  ignore:\n{lines}"))
    summary = tmp_path / "summary.md"
    done = mlgate(
        "check", str(bad), "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert done.returncode == 1
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 10
    assert errors[0].startswith("::error file=mlgate.yaml,line=")
    assert "::notice::4 more findings: see the job summary" in done.stdout
    assert summary.read_text(encoding="utf-8").count("has no reason: not applied") == 14


def test_a_missing_or_broken_tool_is_not_run_never_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hadolint replaced by a crashing program, zizmor absent: exit 2, each says why."""
    root = build(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "hadolint").write_text("#!/bin/sh\necho boom >&2\nexit 3\n", encoding="utf-8")
    (bin_dir / "hadolint").chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))  # tools are looked up beside
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    report = run_checks(root)
    results = {r.code: r for r in report.results}
    assert results["HADOLINT100"].status is Status.NOT_RUN
    assert results["HADOLINT100"].reason == "hadolint failed (exit 3): boom"
    assert results["ZIZMOR100"].status is Status.NOT_RUN
    assert results["ZIZMOR100"].reason.startswith("zizmor is not installed")
    assert report.exit_code(Severity.WARNING) == 2


def test_repo_review_runs_the_rules(tmp_path: Path) -> None:
    """The entry points: `repo-review PATH` lists every rule; on the good repo none fails."""
    from mlgate.check.rules import ALL_RULES

    root = build(tmp_path)
    done = subprocess.run([str(VENV_BIN / "repo-review"), "--format", "json", str(root)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert "Traceback" not in done.stderr and "modified the input" not in done.stderr
    checks = json.loads(done.stdout)["checks"]
    assert {rule.code() for rule in ALL_RULES} <= set(checks)
    assert [code for code, check in checks.items() if check["result"] is False] == []
    assert checks["GHA102"]["description"].endswith("`permissions: {}` at the top.")


def with_ignore(rule: str, *more: Callable[[Files], None]) -> Callable[[Files], None]:
    entry = f"check:\n  ignore:\n    - rule: {rule}\n      reason: this repository differs\n"

    def change(files: Files) -> None:
        replace("mlgate.yaml", "check:\n", entry)(files)
        for other in more:
            other(files)

    return change


def test_an_ignore_waives_a_failing_rule(tmp_path: Path) -> None:
    root = build(tmp_path, with_ignore("DOCKER102", replace("Dockerfile", "USER 10001", "USER 0")))
    results = {r.code: r for r in run_checks(root).results}
    assert results["DOCKER102"].status is Status.IGNORED
    assert results["DOCKER102"].reason == "this repository differs"
    assert results["SEC102"].status is Status.PASS, results["SEC102"].findings


def test_an_ignore_that_waives_nothing_is_a_finding(tmp_path: Path) -> None:
    """The custom data project's GX101 ignore outlives its reason once the suite exists."""
    root = build(tmp_path, with_ignore("DOCKER102"))
    results = {r.code: r for r in run_checks(root).results}
    assert results["DOCKER102"].status is Status.IGNORED
    assert results["SEC102"].status is Status.FAIL
    (finding,) = results["SEC102"].findings
    assert finding.message == (
        "check.ignore of DOCKER102 waives nothing: nothing it names fails without it; delete "
        "the entry"
    )
    assert (finding.path, finding.line) == ("mlgate.yaml", 15)
    # a run of some rules only cannot tell: it says nothing
    partial = {r.code: r for r in run_checks(root, select=["SEC", "DOCKER"]).results}
    assert partial["SEC102"].status is Status.PASS


def test_an_ignore_of_a_tool_that_did_not_run_is_not_called_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hadolint missing: its finding may still be there; only `could not check` is known."""
    root = build(tmp_path, with_ignore("HADOLINT-DL3008"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))  # tools are looked up beside
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    results = {r.code: r for r in run_checks(root).results}
    assert results["HADOLINT100"].status is Status.NOT_RUN
    assert results["SEC102"].status is Status.PASS, results["SEC102"].findings


def test_an_ignore_of_a_defect_one_of_our_rules_reports_says_which(tmp_path: Path) -> None:
    results = {
        r.code: r for r in run_checks(build(tmp_path, with_ignore("ZIZMOR-artipacked"))).results
    }
    (finding,) = results["SEC102"].findings
    assert finding.message == (
        "check.ignore of ZIZMOR-artipacked waives nothing: GHA106 reports this defect; ignore "
        "that rule instead"
    )


def template_with_releases(root: Path) -> dict[str, str]:
    """A template repository: v1.0.0, then v1.1.0, v1.2.0 and v2.0.0; {tag: commit}."""
    ident = ["-c", "user.name=T", "-c", "user.email=t@example.com"]
    root.mkdir()

    def git(*args: str) -> str:
        done = subprocess.run(["git", *ident, *args], cwd=root, capture_output=True, text=True,
                              check=True)  # fmt: skip
        return done.stdout.strip()

    git("init", "--quiet", "--initial-branch=main")
    commits = {}
    for tag in ("v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0"):
        (root / "cookiecutter.json").write_text(json.dumps({"version": tag}))
        git("add", "--all")
        git("commit", "--quiet", "-m", f"release {tag}")
        git("tag", tag)
        commits[tag] = git("rev-parse", "HEAD")
    return commits


def with_record(template: Path, commit: str, limit: object) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        record = json.loads(str(files[".cruft.json"]))
        record.update(template=str(template), commit=commit)
        files[".cruft.json"] = json.dumps(record)
        policy = str(files["mlgate.yaml"])
        setting = f"  template:\n    max_releases_behind: {limit}\n"
        files["mlgate.yaml"] = policy.replace("  require: [all]\n", "  require: [all]\n" + setting)

    return change


def test_releases_behind_are_counted_from_the_templates_tags(tmp_path: Path) -> None:
    """TEMPLATE104 reads the template's history: releases the recorded commit does not contain."""
    commits = template_with_releases(tmp_path / "template")
    behind_three = build(tmp_path / "a", with_record(tmp_path / "template", commits["v1.0.0"], 1))
    report = run_checks(behind_three)
    (result,) = [r for r in report.results if r.code == "TEMPLATE104"]
    assert result.status is Status.FAIL, result
    assert "3 template releases behind (v2.0.0, v1.2.0, v1.1.0); at most 1" in str(result.findings)
    assert "TEMPLATE104" not in fired(build(tmp_path / "b", with_record(
        tmp_path / "template", commits["v1.0.0"], 3)))  # fmt: skip
    # a release tag recorded, as a wheel's render does
    assert "TEMPLATE104" not in fired(build(tmp_path / "c", with_record(
        tmp_path / "template", "v2.0.0", 0)))  # fmt: skip
    unknown = fired(build(tmp_path / "d", with_record(tmp_path / "template", "f" * 40, 0)))
    assert unknown == {"TEMPLATE104"}


def test_a_release_that_changes_no_template_file_is_not_counted(tmp_path: Path) -> None:
    """The template repository also releases its own code: a tag whose commits since the
    recorded one leave the template alone brings a project nothing, and `mlgate update` has
    nothing to do, so it must not count as behind."""
    commits = template_with_releases(tmp_path / "template")
    ident = ["-c", "user.name=T", "-c", "user.email=t@example.com"]
    (tmp_path / "template" / "tools.py").write_text("print('the repository's own code')\n")
    for step in (["add", "--all"], ["commit", "--quiet", "-m", "tools"], ["tag", "v2.0.1"]):
        subprocess.run(["git", *ident, *step], cwd=tmp_path / "template", check=True)
    repo = build(tmp_path / "a", with_record(tmp_path / "template", commits["v2.0.0"], 0))
    assert "TEMPLATE104" not in fired(repo)


def test_releases_behind_offline_is_not_run_never_passed(tmp_path: Path) -> None:
    gone = tmp_path / "no-such-template"
    codes = fired(build(tmp_path, with_record(gone, "0" * 40, 2)))
    (not_run,) = [c for c in codes if c.startswith("NOT RUN TEMPLATE104")]
    assert "cannot read the template" in not_run or "is not a folder" in not_run, not_run
