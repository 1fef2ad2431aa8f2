"""`mlgate gate` end to end: the real command in real git repositories.

A pull request is simulated the way CI sees it: `main` holds the policy and the committed
metrics, a branch is checked out, and the pipeline has just written new metrics in the work
tree. Every way the gate cannot check must exit 2 with a message a person can act on; it must
never pass by accident, and the policy that judges a change is the one at the baseline ref.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from gitrepo import commit, git, git_env, init_repo, make_repo, metrics_json, write_files
from support import run_mlgate

METRICS = "reports/metrics.json"
POLICY = """\
gate:
  metrics: reports/metrics.json
  baseline: main
  on_missing_baseline: fail
  rules:
    accuracy: {higher_is_better: true, min: 0.90, max_drop: 0.01}
    roc_auc: {higher_is_better: true, min: 0.95, max_drop_rel: 0.02}
"""
BASELINE = {"accuracy": 0.93, "roc_auc": 0.97}
GOOD = {"accuracy": 0.935, "roc_auc": 0.965}
HEAVY = ("pandas", "great_expectations", "dvc", "sklearn", "requests")


def run_gate(
    home: Path, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `mlgate gate ARGS` in `cwd` as CI would."""
    return run_mlgate(home, "gate", *args, cwd=cwd, env={"GIT_CONFIG_NOSYSTEM": "1", **(env or {})})


def pull_request(
    tmp_path: Path,
    home: Path,
    metrics: dict[str, object] | str | None,
    *,
    policy: str = POLICY,
    baseline: dict[str, object] | str | None = BASELINE,
) -> Path:
    """main with `policy` and `baseline` committed; branch 'feature' with `metrics` written."""
    repo = make_repo(tmp_path, home, policy, baseline)
    git(repo, home, "checkout", "-q", "-b", "feature")
    if metrics is None:
        write_files(repo, {METRICS: None})
    else:
        write_files(repo, {METRICS: metrics if isinstance(metrics, str) else metrics_json(metrics)})
    return repo


def assert_could_not_check(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, no traceback, and every word of the explanation in the output."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    for word in words:
        assert word in output, f"{word!r} not in:\n{output}"
    return output


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Could not check before judging anything: one line on stderr, nothing on stdout."""
    assert_could_not_check(result, *words)
    assert result.stderr.startswith("mlgate gate: could not check: ")
    assert result.stdout == ""


def head(repo: Path, home: Path, ref: str = "main") -> str:
    return git(repo, home, "rev-parse", ref)


# --- verdicts ------------------------------------------------------------------------------------


def test_better_metrics_pass(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, GOOD)
    result = run_gate(home, repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "mlgate gate: PASS"
    assert lines[1] == "metrics: reports/metrics.json   policy: mlgate.yaml at main"
    assert lines[2] == f"baseline: main ({head(repo, home)[:7]})"
    table = {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", line) for line in lines[4:])}
    assert table["metric"] == ["baseline", "current", "delta", "rule", "verdict"]
    assert table["accuracy"] == [
        "0.93",
        "0.935",
        "+0.005 (+0.54%)",
        "min 0.9, max_drop 0.01",
        "PASS",
    ]
    assert table["roc_auc"] == [
        "0.97",
        "0.965",
        "-0.005 (-0.52%)",
        "min 0.95, max_drop_rel 0.02",
        "PASS",
    ]


def test_worse_metric_fails_and_names_it(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, {"accuracy": 0.91, "roc_auc": 0.968})
    result = run_gate(home, repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("mlgate gate: FAIL\n")
    assert "accuracy: dropped 0.02 from 0.93 to 0.91 (max_drop 0.01)" in result.stdout
    assert "roc_auc:" not in result.stdout  # only the failing metric has reasons
    assert result.stderr == ""


def test_below_min_fails_even_when_the_baseline_was_worse(tmp_path: Path, home: Path) -> None:
    repo = pull_request(
        tmp_path,
        home,
        {"accuracy": 0.85, "roc_auc": 0.97},
        baseline={"accuracy": 0.8, "roc_auc": 0.97},
    )
    result = run_gate(home, repo)
    assert result.returncode == 1
    assert "accuracy: 0.85 is below min 0.9" in result.stdout


def test_without_baseline_absolute_rules_judge_outside_git(tmp_path: Path, home: Path) -> None:
    """No baseline ref anywhere: min/max still work, and git is not needed at all."""
    project = tmp_path / "plain"
    write_files(
        project,
        {
            "mlgate.yaml": "gate:\n  rules:\n    accuracy: {min: 0.9}\n",
            METRICS: metrics_json({"accuracy": 0.95}),
        },
    )
    result = run_gate(home, project, env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "baseline: none (no baseline ref given (--baseline or gate.baseline))" in result.stdout


def test_lowering_the_threshold_in_the_change_does_not_help(tmp_path: Path, home: Path) -> None:
    """The policy comes from the baseline ref; all three reports show what the change edits."""
    repo = make_repo(tmp_path, home, POLICY, BASELINE)
    git(repo, home, "checkout", "-q", "-b", "lower-the-bar")
    lowered = POLICY.replace("min: 0.90, max_drop: 0.01", "min: 0.5, max_drop: 0.5")
    commit(
        repo,
        home,
        {"mlgate.yaml": lowered, METRICS: metrics_json({"accuracy": 0.6, "roc_auc": 0.97})},
        "lower the bar",
    )

    text = run_gate(home, repo, "--format", "md", "--output", "report.md", "--json", "r.json")
    assert text.returncode == 1, text.stdout + text.stderr
    assert "policy: mlgate.yaml at main" in text.stdout
    assert "accuracy: 0.6 is below min 0.9" in text.stdout
    assert "accuracy: dropped 0.33 from 0.93 to 0.6 (max_drop 0.01)" in text.stdout
    assert "the new rules apply after merge:" in text.stdout
    assert (
        "  rules.accuracy: now min 0.9, max_drop 0.01; after merge min 0.5, max_drop 0.5"
        in text.stdout
    )

    markdown = (repo / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("### ❌ mlgate gate: fail\n")
    assert "**This pull request changes the gate policy.**" in markdown
    assert "| rule | now | after merge |" in markdown
    assert "| `rules.accuracy` | min 0.9, max_drop 0.01 | min 0.5, max_drop 0.5 |" in markdown

    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "fail" and report["exit_code"] == 1
    assert report["policy"] == {
        "source": "mlgate.yaml at main",
        "changes": [
            {
                "item": "rules.accuracy",
                "now": "min 0.9, max_drop 0.01",
                "after_merge": "min 0.5, max_drop 0.5",
            }
        ],
    }


def test_the_new_rules_judge_after_merge(tmp_path: Path, home: Path) -> None:
    """Once the loosened policy is on main, the next change is judged by it."""
    repo = make_repo(tmp_path, home, POLICY, BASELINE)
    lowered = POLICY.replace("min: 0.90, max_drop: 0.01", "min: 0.5, max_drop: 0.5")
    commit(repo, home, {"mlgate.yaml": lowered}, "merged: lower the bar")
    git(repo, home, "checkout", "-q", "-b", "next")
    write_files(repo, {METRICS: metrics_json({"accuracy": 0.6, "roc_auc": 0.97})})
    result = run_gate(home, repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "edits the gate policy" not in result.stdout


def test_policy_not_yet_committed_at_the_baseline_is_noted(tmp_path: Path, home: Path) -> None:
    """The change that introduces mlgate.yaml is judged by its own rules, and says so."""
    repo = make_repo(tmp_path, home, None, BASELINE)
    git(repo, home, "checkout", "-q", "-b", "add-gate")
    write_files(repo, {"mlgate.yaml": POLICY, METRICS: metrics_json(GOOD)})
    result = run_gate(home, repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "metrics: reports/metrics.json   policy: mlgate.yaml (working tree)\n" in result.stdout
    assert "note: mlgate.yaml is not committed at main: the rules of this change apply" in (
        result.stdout
    )


# --- could not check: the workspace metrics ----------------------------------------------------


@pytest.mark.parametrize(
    ("metrics", "words"),
    [
        pytest.param(
            None,
            ["no metrics file at reports/metrics.json", "run the pipeline first (dvc repro)"],
            id="metrics-file-missing",
        ),
        pytest.param(
            '{"accuracy": 0.93,\n "roc_auc": }\n',
            ["reports/metrics.json is not valid JSON", "line 2, column"],
            id="invalid-json",
        ),
        pytest.param(
            "[0.93, 0.97]\n",
            ["must hold an object of metrics", "not list"],
            id="json-not-an-object",
        ),
        pytest.param(
            '{"accuracy": 0.93, "accuracy": 0.95, "roc_auc": 0.97}',
            ["has the key 'accuracy' twice"],
            id="duplicate-key",
        ),
    ],
)
def test_unreadable_metrics_file(
    tmp_path: Path, home: Path, metrics: str | None, words: list[str]
) -> None:
    repo = pull_request(tmp_path, home, metrics)
    assert_refused(run_gate(home, repo), *words)


@pytest.mark.parametrize(
    ("metrics", "words"),
    [
        pytest.param(
            '{"roc_auc": 0.97}',
            ["reports/metrics.json has no 'accuracy' although the baseline has it", "stopped"],
            id="metric-missing",
        ),
        pytest.param(
            '{"accuracy": NaN, "roc_auc": 0.97}', ["accuracy: current value is NaN"], id="nan"
        ),
        pytest.param(
            '{"accuracy": Infinity, "roc_auc": 0.97}',
            ["accuracy: current value is infinite"],
            id="infinity",
        ),
        pytest.param(
            '{"accuracy": "0.93", "roc_auc": 0.97}',
            ["accuracy: current value is the text '0.93', not a number"],
            id="text-value",
        ),
        pytest.param(
            '{"accuracy": true, "roc_auc": 0.97}',
            ["accuracy: current value is the boolean true, not a number"],
            id="boolean-value",
        ),
        pytest.param(
            '{"accuracy": null, "roc_auc": 0.97}',
            ["accuracy: current value is null"],
            id="null-value",
        ),
    ],
)
def test_unmeasured_metric(tmp_path: Path, home: Path, metrics: str, words: list[str]) -> None:
    """One unusable value: the report is shown, the metric is UNMEASURED, the gate exits 2."""
    repo = pull_request(tmp_path, home, metrics)
    result = run_gate(home, repo)
    assert_could_not_check(result, "mlgate gate: COULD NOT CHECK", "UNMEASURED", *words)
    roc_auc = next(line for line in result.stdout.splitlines() if line.startswith("roc_auc "))
    assert roc_auc.endswith("PASS")  # the good metric is still judged and shown


def test_rule_for_a_metric_the_file_never_has(tmp_path: Path, home: Path) -> None:
    policy = POLICY + "    f1_score: {min: 0.5}\n"
    repo = pull_request(tmp_path, home, GOOD, policy=policy)
    assert_could_not_check(
        run_gate(home, repo),
        "f1_score: the rule names 'f1_score' but reports/metrics.json has no such metric",
        "metrics there: accuracy, roc_auc",
    )


def test_misspelt_rule_name_gets_a_suggestion(tmp_path: Path, home: Path) -> None:
    policy = POLICY.replace("    roc_auc:", "    roc_acu:")
    repo = pull_request(tmp_path, home, GOOD, policy=policy)
    assert_could_not_check(run_gate(home, repo), "has no such metric (did you mean 'roc_auc'?)")


def test_fail_beats_could_not_check(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, '{"accuracy": 0.5, "roc_auc": NaN}')
    result = run_gate(home, repo)
    assert result.returncode == 1
    assert "accuracy: 0.5 is below min 0.9" in result.stdout
    assert "roc_auc: current value is NaN" in result.stdout


# --- could not check: the policy ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        pytest.param(
            None, ["no policy file at mlgate.yaml", "or pass --config"], id="policy-missing"
        ),
        pytest.param(
            POLICY.replace("{higher_is_better: true, min: 0.90,", "{higher_is_better: true min"),
            ["mlgate.yaml is not valid YAML", "line 6"],
            id="invalid-yaml",
        ),
        pytest.param(
            POLICY.replace("max_drop: 0.01", "max_dorp: 0.01"),
            ["gate.rules.accuracy: unknown key 'max_dorp'", "(did you mean 'max_drop'?)"],
            id="unknown-rule-key",
        ),
        pytest.param(
            POLICY.replace("on_missing_baseline", "on_missing_basline"),
            ["gate: unknown key 'on_missing_basline'", "did you mean 'on_missing_baseline'"],
            id="unknown-gate-key",
        ),
        pytest.param(
            POLICY + "    loss: {higher_is_better: false}\n",
            ["gate.rules.loss has no bound", "would pass anything"],
            id="rule-without-bound",
        ),
        pytest.param(
            POLICY.replace("max_drop: 0.01", "max_drop: .nan"),
            ["gate.rules.accuracy.max_drop must be a finite number"],
            id="nan-bound",
        ),
    ],
)
def test_broken_policy_in_the_change(
    tmp_path: Path, home: Path, policy: str | None, words: list[str]
) -> None:
    """The change's own mlgate.yaml must be valid too: it is the policy after merge."""
    repo = pull_request(tmp_path, home, GOOD)
    write_files(repo, {"mlgate.yaml": policy})
    assert_refused(run_gate(home, repo), *words)


@pytest.mark.parametrize(
    ("broken", "words"),
    [
        pytest.param(
            POLICY.replace("min: 0.90", "mni: 0.90"),
            ["mlgate.yaml at main: gate.rules.accuracy: unknown key 'mni'", "did you mean 'min'"],
            id="unknown-key",
        ),
        pytest.param(
            POLICY + "  rules: {}\n",
            ["mlgate.yaml at main is not valid YAML", "duplicate key 'rules'"],
            id="duplicate-key",
        ),
    ],
)
def test_invalid_policy_at_the_baseline(
    tmp_path: Path, home: Path, broken: str, words: list[str]
) -> None:
    """A broken policy on main cannot be repaired by the change it judges: exit 2, 'at main'."""
    repo = make_repo(tmp_path, home, broken, BASELINE)
    git(repo, home, "checkout", "-q", "-b", "fix-policy")
    write_files(repo, {"mlgate.yaml": POLICY, METRICS: metrics_json(GOOD)})
    assert_refused(run_gate(home, repo), *words)


# --- could not check: the baseline -------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        pytest.param(
            "release-9",
            ["unknown baseline ref 'release-9': no branch, tag or commit of that name here"],
            id="unknown-ref",
        ),
        pytest.param(
            "origin/develop",
            ["unknown baseline ref 'origin/develop'", "fetch it first: git fetch origin develop"],
            id="unfetched-remote-branch",
        ),
        pytest.param("--output=x", ["'--output=x' is not a git ref"], id="option-like-ref"),
    ],
)
def test_unknown_baseline_ref(tmp_path: Path, home: Path, ref: str, words: list[str]) -> None:
    repo = pull_request(tmp_path, home, GOOD)
    assert_refused(run_gate(home, repo, f"--baseline={ref}"), *words)


def test_unknown_baseline_ref_from_the_policy(tmp_path: Path, home: Path) -> None:
    repo = pull_request(
        tmp_path, home, GOOD, policy=POLICY.replace("baseline: main", "baseline: trunk")
    )
    assert_refused(run_gate(home, repo), "unknown baseline ref 'trunk'")


@pytest.fixture
def shallow_clone(tmp_path: Path, home: Path) -> tuple[Path, dict[str, str]]:
    """A depth-1 clone of a repo with two commits on main and a feature branch."""
    source = make_repo(tmp_path, home, POLICY, BASELINE, name="source")
    first = head(source, home)
    commit(source, home, {METRICS: metrics_json({"accuracy": 0.931, "roc_auc": 0.97})}, "retrain")
    git(source, home, "checkout", "-q", "-b", "feature", first)
    commit(source, home, {"notes.txt": "feature\n"}, "feature")
    git(source, home, "checkout", "-q", "main")
    clone = tmp_path / "clone"
    git(tmp_path, home, "clone", "-q", "--depth", "1", f"file://{source}", str(clone))
    assert git(clone, home, "rev-parse", "--is-shallow-repository") == "true"
    write_files(clone, {METRICS: metrics_json(GOOD)})
    return clone, {"first": first, "feature": "origin/feature"}


@pytest.mark.parametrize("missing", ["first", "feature"])
def test_shallow_clone_without_the_baseline(
    shallow_clone: tuple[Path, dict[str, str]], home: Path, missing: str
) -> None:
    clone, refs = shallow_clone
    result = run_gate(home, clone, "--baseline", refs[missing])
    assert_refused(result, "is not in this clone because the clone is shallow", "fetch-depth: 0")
    assert "git fetch --unshallow" in result.stderr


def test_shallow_clone_with_the_baseline_works(
    shallow_clone: tuple[Path, dict[str, str]], home: Path
) -> None:
    """The shallow message is about the missing ref, not about shallow clones as such."""
    clone, _refs = shallow_clone
    result = run_gate(home, clone, "--baseline", "origin/main")
    assert result.returncode == 0, result.stdout + result.stderr


WARN_POLICY = """\
gate:
  baseline: main
  on_missing_baseline: {on_missing}
  rules:
    accuracy: {{min: 0.9, max_drop: 0.01}}
    loss: {{max_rise: 0.05}}
"""


def test_metrics_not_committed_at_the_baseline_fails_closed(tmp_path: Path, home: Path) -> None:
    repo = pull_request(
        tmp_path,
        home,
        {"accuracy": 0.95, "loss": 0.2},
        policy=WARN_POLICY.format(on_missing="fail"),
        baseline=None,
    )
    result = run_gate(home, repo)
    assert_could_not_check(
        result,
        "reports/metrics.json is not committed at main; commit it (with dvc.lock) and the next "
        "change is compared with it",
        "set on_missing_baseline: warn to allow this",
    )
    assert "UNMEASURED" in result.stdout


def test_a_git_ignored_metrics_file_is_blamed_on_the_dvc_cache(tmp_path: Path, home: Path) -> None:
    """A metric DVC caches is git-ignored: it never reaches main until `cache: false`."""
    repo = pull_request(tmp_path, home, {"accuracy": 0.95, "loss": 0.2},
                        policy=WARN_POLICY.format(on_missing="fail"), baseline=None)  # fmt: skip
    write_files(repo, {"reports/.gitignore": "/metrics.json\n"})
    assert_could_not_check(
        run_gate(home, repo),
        "reports/metrics.json is not committed at main; git ignores it: a DVC metric needs "
        "'cache: false' in dvc.yaml to be committed",
    )


def test_metrics_not_committed_at_the_baseline_with_warn(tmp_path: Path, home: Path) -> None:
    """First run of a new repo: nothing to compare with, allowed, and the report says so."""
    repo = pull_request(
        tmp_path,
        home,
        {"accuracy": 0.95, "loss": 0.2},
        policy=WARN_POLICY.format(on_missing="warn"),
        baseline=None,
    )
    result = run_gate(home, repo, "--json", "gate.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("mlgate gate: PASS\n")
    assert "accuracy: not compared with the baseline: reports/metrics.json is not committed" in (
        result.stdout
    )
    assert "loss: not compared with the baseline" in result.stdout
    assert "UNMEASURED (allowed)" in result.stdout
    report = json.loads((repo / "gate.json").read_text(encoding="utf-8"))
    assert [(m["metric"], m["verdict"], m["blocking"]) for m in report["metrics"]] == [
        ("accuracy", "PASS", False),
        ("loss", "UNMEASURED", False),
    ]


def test_warn_still_fails_an_absolute_bound(tmp_path: Path, home: Path) -> None:
    repo = pull_request(
        tmp_path,
        home,
        {"accuracy": 0.5, "loss": 0.2},
        policy=WARN_POLICY.format(on_missing="warn"),
        baseline=None,
    )
    result = run_gate(home, repo)
    assert result.returncode == 1
    assert "accuracy: 0.5 is below min 0.9" in result.stdout


def test_invalid_metrics_at_the_baseline(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, GOOD, baseline='{"accuracy": 0.93,')
    assert_could_not_check(
        run_gate(home, repo), "reports/metrics.json at main is not valid JSON", "UNMEASURED"
    )


def test_not_a_git_repository_with_a_baseline(tmp_path: Path, home: Path) -> None:
    project = tmp_path / "not-a-repo"
    write_files(project, {"mlgate.yaml": POLICY, METRICS: metrics_json(GOOD)})
    result = run_gate(
        home, project, "--baseline", "main", env={"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    )
    assert_refused(
        result, "is not inside a git work tree", "baseline 'main' needs the repository's history"
    )


# --- reports -------------------------------------------------------------------------------------


def test_json_format(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, {"accuracy": 0.91, "roc_auc": 0.97})
    result = run_gate(home, repo, "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["schema"] == "mlgate.gate/1"
    assert (report["verdict"], report["exit_code"]) == ("fail", 1)
    assert report["baseline"] == {"ref": "main", "commit": head(repo, home), "note": None}
    assert [(m["metric"], m["verdict"]) for m in report["metrics"]] == [
        ("accuracy", "FAIL"),
        ("roc_auc", "PASS"),
    ]
    accuracy = report["metrics"][0]
    assert accuracy["blocking"] is True
    assert (accuracy["baseline"], accuracy["current"]) == (0.93, 0.91)
    assert accuracy["delta"] == pytest.approx(-0.02)
    assert accuracy["reasons"] == ["dropped 0.02 from 0.93 to 0.91 (max_drop 0.01)"]


def test_markdown_format(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, GOOD)
    result = run_gate(home, repo, "--format", "md")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "### ✅ mlgate gate: pass"
    assert f"baseline `main` (`{head(repo, home)[:7]}`)" in lines[2]
    assert "| metric | baseline | current | delta | rule | verdict |" in lines
    assert "|---|---:|---:|---:|---|---|" in lines
    assert (
        "| `accuracy` | 0.93 | 0.935 | +0.005 (+0.54%) | min 0.9, max_drop 0.01 | ✅ PASS |"
        in lines
    )


@pytest.mark.parametrize("fmt", ["json", "md", "text"])
def test_output_file_gets_the_format_and_the_terminal_the_table(
    tmp_path: Path, home: Path, fmt: str
) -> None:
    repo = pull_request(tmp_path, home, GOOD)
    result = run_gate(home, repo, "--format", fmt, "--output", "out/gate-report")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("mlgate gate: PASS\n")
    assert "accuracy" in result.stdout
    written = (repo / "out" / "gate-report").read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(written)["verdict"] == "pass"
    elif fmt == "md":
        assert written.startswith("### ✅ mlgate gate: pass")
    else:
        assert written == result.stdout


def test_json_file_is_written_when_the_gate_could_not_check(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, None)
    result = run_gate(home, repo, "--json", "gate.json", "--format", "md", "--output", "gate.md")
    assert_refused(result, "no metrics file at reports/metrics.json")
    report = json.loads((repo / "gate.json").read_text(encoding="utf-8"))
    assert (report["verdict"], report["exit_code"]) == ("could_not_check", 2)
    assert "no metrics file at reports/metrics.json" in report["error"]
    markdown = (repo / "gate.md").read_text(encoding="utf-8")
    assert markdown.startswith("### ⚠️ mlgate gate: could not check")
    assert "no metrics file at reports/metrics.json" in markdown


def test_json_file_for_an_unmeasured_metric(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, '{"accuracy": NaN, "roc_auc": 0.97}')
    result = run_gate(home, repo, "--json", "gate.json")
    assert result.returncode == 2
    report = json.loads((repo / "gate.json").read_text(encoding="utf-8"))
    assert (report["verdict"], report["exit_code"]) == ("could_not_check", 2)
    assert [m["verdict"] for m in report["metrics"]] == ["UNMEASURED", "PASS"]
    assert report["metrics"][0]["current"] is None
    assert report["metrics"][0]["reasons"] == ["current value is NaN"]


def test_job_summary_is_appended_on_every_run(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, GOOD)
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert run_gate(home, repo, env=env).returncode == 0
    assert run_gate(home, repo, "--format", "json", env=env).returncode == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n")
    assert text.count("### ✅ mlgate gate: pass") == 2
    assert text.count("| metric | baseline | current | delta | rule | verdict |") == 2


def test_job_summary_carries_the_reason_when_the_gate_could_not_check(
    tmp_path: Path, home: Path
) -> None:
    repo = pull_request(tmp_path, home, GOOD)
    summary = tmp_path / "summary.md"
    result = run_gate(
        home, repo, "--baseline", "release-9", env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert result.returncode == 2
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### ⚠️ mlgate gate: could not check\n")
    assert "unknown baseline ref 'release-9'" in text


def test_job_summary_of_a_failing_gate(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, {"accuracy": 0.91, "roc_auc": 0.97})
    summary = tmp_path / "summary.md"
    assert run_gate(home, repo, env={"GITHUB_STEP_SUMMARY": str(summary)}).returncode == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### ❌ mlgate gate: fail")
    assert "- `accuracy`: dropped 0.02 from 0.93 to 0.91 (max_drop 0.01)" in text


# --- a project in a subdirectory ---------------------------------------------------------------


@pytest.fixture
def monorepo(tmp_path: Path, home: Path) -> Path:
    """A repo whose root has its own, stricter policy and metrics, and a project in `sub/`.

    Reading the root's files instead of `sub/`'s would change every number in the report.
    """
    repo = init_repo(tmp_path / "mono", home)
    commit(
        repo,
        home,
        {
            "mlgate.yaml": "gate:\n  baseline: main\n  rules:\n    accuracy: {min: 0.99}\n",
            METRICS: metrics_json({"accuracy": 0.5}),
            "sub/mlgate.yaml": POLICY,
            f"sub/{METRICS}": metrics_json(BASELINE),
        },
        "two projects",
    )
    git(repo, home, "checkout", "-q", "-b", "feature")
    return repo


def test_config_in_a_subdirectory(monorepo: Path, home: Path) -> None:
    write_files(monorepo, {f"sub/{METRICS}": metrics_json({"accuracy": 0.925, "roc_auc": 0.97})})
    result = run_gate(home, monorepo, "--config", "sub/mlgate.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "metrics: reports/metrics.json   policy: mlgate.yaml at main" in result.stdout
    accuracy = next(line for line in result.stdout.splitlines() if line.startswith("accuracy"))
    assert accuracy.split()[1:4] == ["0.93", "0.925", "-0.005"]


def test_config_in_a_subdirectory_uses_its_baseline_policy(monorepo: Path, home: Path) -> None:
    """The policy at the baseline is read at the same subpath: sub/mlgate.yaml at main."""
    lowered = POLICY.replace("max_drop: 0.01", "max_drop: 0.5")
    write_files(
        monorepo,
        {
            "sub/mlgate.yaml": lowered,
            f"sub/{METRICS}": metrics_json({"accuracy": 0.91, "roc_auc": 0.97}),
        },
    )
    result = run_gate(home, monorepo, "--config", "sub/mlgate.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "accuracy: dropped 0.02 from 0.93 to 0.91 (max_drop 0.01)" in result.stdout
    assert "after merge min 0.9, max_drop 0.5" in result.stdout
    assert "below min 0.99" not in result.stdout


def test_config_by_absolute_path_from_outside_the_repo(
    monorepo: Path, home: Path, tmp_path: Path
) -> None:
    write_files(monorepo, {f"sub/{METRICS}": metrics_json(GOOD)})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_gate(home, elsewhere, "--config", str(monorepo / "sub" / "mlgate.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_inside_the_subdirectory(monorepo: Path, home: Path) -> None:
    write_files(monorepo, {f"sub/{METRICS}": metrics_json({"accuracy": 0.91, "roc_auc": 0.97})})
    result = run_gate(home, monorepo / "sub")
    assert result.returncode == 1
    assert "dropped 0.02 from 0.93 to 0.91" in result.stdout


# --- start-up cost -------------------------------------------------------------------------------


def test_the_gate_imports_nothing_heavy(tmp_path: Path, home: Path) -> None:
    """The gate runs in CI before any ML dependency is needed; it must stay light and fast."""
    repo = pull_request(tmp_path, home, GOOD)
    code = textwrap.dedent(
        f"""\
        import sys
        import mlgate.cli
        code = mlgate.cli.main(["gate", "--json", "gate.json"])
        print("exit", code)
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo,
        env=git_env(home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    *report, exit_line, heavy = result.stdout.splitlines()
    assert report[0] == "mlgate gate: PASS"
    assert exit_line == "exit 0"
    assert heavy == "[]"


# --- bugs ----------------------------------------------------------------------------------------


def test_huge_integer_metric_is_could_not_check(tmp_path: Path, home: Path) -> None:
    repo = pull_request(tmp_path, home, '{"accuracy": 1' + "0" * 400 + ', "roc_auc": 0.97}')
    assert_could_not_check(run_gate(home, repo), "accuracy")


def test_json_report_with_an_overflowing_delta(tmp_path: Path, home: Path) -> None:
    policy = "gate:\n  baseline: main\n  rules:\n    score: {max_drop: 0.01}\n"
    repo = pull_request(tmp_path, home, {"score": 1e308}, policy=policy, baseline={"score": -1e308})
    result = run_gate(home, repo, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["metrics"][0]["delta"] is None


LOOSER_RULES = "  rules:\n    accuracy: {min: 0.5}\n    roc_auc: {min: 0.5}\n"


def sneaky_branch(tmp_path: Path, home: Path, gate_head: str) -> Path:
    """A change that loosens the rules and worsens the model in the same commit."""
    repo = make_repo(tmp_path, home, POLICY, BASELINE)
    git(repo, home, "checkout", "-q", "-b", "sneaky")
    worse = metrics_json({"accuracy": 0.6, "roc_auc": 0.6})
    commit(repo, home, {"mlgate.yaml": gate_head + LOOSER_RULES, METRICS: worse}, "loosen")
    return repo


@pytest.mark.parametrize("ref", ["HEAD", "@", "HEAD~1", "main^", "FETCH_HEAD", "@{u}"])
def test_a_policy_cannot_name_a_baseline_that_moves_with_the_change(
    tmp_path: Path, home: Path, ref: str
) -> None:
    repo = sneaky_branch(tmp_path, home, f"gate:\n  baseline: '{ref}'\n")
    result = run_gate(home, repo)
    assert result.returncode == 2, result.stdout
    assert "must name a branch or tag such as origin/main" in result.stderr
    assert "choose its own judge" in result.stderr


def test_without_any_baseline_the_report_says_the_working_trees_rules_applied(
    tmp_path: Path, home: Path
) -> None:
    repo = sneaky_branch(tmp_path, home, "gate:\n  on_missing_baseline: warn\n")
    result = run_gate(home, repo)
    assert result.returncode == 0, result.stdout  # nothing trusted to compare with
    assert "policy: mlgate.yaml (working tree)" in result.stdout
    assert "no baseline: the rules of the working tree's mlgate.yaml apply" in result.stdout
    judged = run_gate(home, repo, "--baseline", "main")  # what CI runs
    assert judged.returncode == 1, judged.stdout
    assert "policy: mlgate.yaml at main" in judged.stdout
    assert "rules.accuracy: now min 0.9, max_drop 0.01; after merge min 0.5" in judged.stdout


def test_a_baseline_taken_from_the_working_tree_is_pointed_out(tmp_path: Path, home: Path) -> None:
    repo = make_repo(tmp_path, home, POLICY, BASELINE)
    result = run_gate(home, repo)
    assert result.returncode == 0, result.stdout
    assert "comes from gate.baseline in the working tree's mlgate.yaml" in result.stdout
    assert "comes from gate.baseline" not in run_gate(home, repo, "--baseline", "main").stdout
