"""`mlgate issue`: one labelled issue, opened once, then updated; the real CLI, a fake GitHub."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fake_github import REPOSITORY, FakeGitHub

from mlgate.github.issue import MARKER

LABEL = "data drift"


def issue(fake: FakeGitHub, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return fake.run_mlgate(home, "issue", *args, **env)


def open_drift_issue(
    fake: FakeGitHub, home: Path, report: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    return issue(fake, home, "--title", "Data drift detected", "--label", LABEL, str(report), **env)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "drift.md"
    path.write_text("### Drift in 3 of 5 columns\n")
    return path


def test_opens_one_issue_and_creates_the_missing_label(
    fake_github: FakeGitHub, home: Path, report: Path, tmp_path: Path
) -> None:
    outputs = tmp_path / "github_output"
    result = open_drift_issue(fake_github, home, report, GITHUB_OUTPUT=str(outputs))
    assert result.returncode == 0, result.stderr
    assert "mlgate issue: created #1" in result.stdout
    [created] = fake_github.issues.values()
    assert created["title"] == "Data drift detected"
    assert created["body"] == f"{MARKER}\n### Drift in 3 of 5 columns\n"
    assert [label["name"] for label in created["labels"]] == [LABEL]
    label_post = [c for c in fake_github.calls("POST") if c.path.endswith("/labels")]
    assert label_post and label_post[0].body["name"] == LABEL
    assert "/labels/data drift" in [c.path.removeprefix(f"/repos/{REPOSITORY}") for c in
                                    fake_github.calls("GET")]  # fmt: skip
    assert outputs.read_text().splitlines() == [
        "action=created",
        "issue-number=1",
        f"issue-url=https://github.com/{REPOSITORY}/issues/1",
    ]


def test_the_next_run_comments_on_the_open_issue_and_never_opens_a_second(
    fake_github: FakeGitHub, home: Path, report: Path
) -> None:
    open_drift_issue(fake_github, home, report)
    report.write_text("### Drift in 4 of 5 columns\n")
    for _ in range(2):
        result = open_drift_issue(fake_github, home, report)
        assert result.returncode == 0, result.stderr
        assert "mlgate issue: updated #1" in result.stdout
    assert len(fake_github.issues) == 1
    assert [c["body"] for c in fake_github.comments[1]] == [
        f"{MARKER}\n### Drift in 4 of 5 columns\n"
    ] * 2


def test_an_existing_label_is_not_created_again(
    fake_github: FakeGitHub, home: Path, report: Path
) -> None:
    fake_github.labels.add(LABEL)
    open_drift_issue(fake_github, home, report)
    assert not [c for c in fake_github.calls("POST") if c.path.endswith("/labels")]


def test_a_label_created_meanwhile_by_another_run_is_fine(
    fake_github: FakeGitHub, home: Path, report: Path
) -> None:
    fake_github.fail(404, method="GET", path_contains="/labels/")
    fake_github.labels.add(LABEL)  # the POST will answer 422 already_exists
    result = open_drift_issue(fake_github, home, report)
    assert result.returncode == 0, result.stderr
    assert len(fake_github.issues) == 1


def test_closed_issues_and_pull_requests_with_the_label_are_not_reused(
    fake_github: FakeGitHub, home: Path, report: Path
) -> None:
    fake_github.add_issue("old drift", [LABEL], state="closed")
    fake_github.add_issue("retrain PR", [LABEL], pull_request=True)
    result = open_drift_issue(fake_github, home, report)
    assert "created #3" in result.stdout


def test_with_several_open_the_oldest_is_updated_and_the_others_named(
    fake_github: FakeGitHub, home: Path, report: Path
) -> None:
    fake_github.add_issue("first", [LABEL])
    fake_github.add_issue("second", [LABEL])
    result = open_drift_issue(fake_github, home, report)
    assert "updated #1" in result.stdout
    assert "more open issues carry 'data drift' (#2)" in result.stdout
    assert list(fake_github.comments) == [1]


def test_finds_the_open_issue_across_pages(
    fake_github: FakeGitHub, home: Path, report: Path
) -> None:
    for index in range(5):
        fake_github.add_issue(f"other {index}", [LABEL], pull_request=True)
    fake_github.add_issue("the drift issue", [LABEL])
    fake_github.page_size = 2
    result = open_drift_issue(fake_github, home, report)
    assert "updated #6" in result.stdout
    assert len(fake_github.issues) == 6


def test_close_comments_and_closes_when_the_condition_clears(
    fake_github: FakeGitHub, home: Path, report: Path, tmp_path: Path
) -> None:
    open_drift_issue(fake_github, home, report)
    clear = tmp_path / "clear.md"
    clear.write_text("No drift in the last window.\n")
    outputs = tmp_path / "github_output"
    result = issue(fake_github, home, "--label", LABEL, "--close", str(clear),
                   GITHUB_OUTPUT=str(outputs))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "closed #1" in result.stdout
    assert fake_github.issues[1]["state"] == "closed"
    assert fake_github.issues[1]["state_reason"] == "completed"
    assert fake_github.comments[1][-1]["body"].endswith("No drift in the last window.\n")
    assert outputs.read_text().startswith("action=closed\n")
    again = issue(fake_github, home, "--label", LABEL, "--close")
    assert again.returncode == 0
    assert "nothing to close" in again.stdout


def test_without_issue_permission_it_is_could_not_check(
    fake_github: FakeGitHub, home: Path, report: Path
) -> None:
    fake_github.fail(403, method="POST", message="Resource not accessible by integration")
    fake_github.labels.add(LABEL)
    result = open_drift_issue(fake_github, home, report)
    assert result.returncode == 2
    assert "issues: write" in result.stderr
    assert fake_github.issues == {}


def test_server_errors_are_retried(fake_github: FakeGitHub, home: Path, report: Path) -> None:
    fake_github.fail(500, times=2, method="GET", path_contains="/issues")
    result = open_drift_issue(fake_github, home, report)
    assert result.returncode == 0, result.stderr
    assert len(fake_github.issues) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--label", "a,b", "--title", "t", "{report}"], "without commas"),
        (["--label", "", "--title", "t", "{report}"], "--label '' must be"),
        (["--label", "drift", "--title", " ", "{report}"], "--title must be 1-256 characters"),
        (["--label", "drift", "{report}"], "give --title and a report FILE"),
        (["--label", "drift", "--title", "t"], "give --title and a report FILE"),
        (["--label", "drift", "--title", "t", "{missing}"], "no report file"),
    ],
)
def test_bad_arguments_are_could_not_check_before_any_call(
    fake_github: FakeGitHub, home: Path, report: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [a.format(report=report, missing=tmp_path / "none.md") for a in args]
    result = issue(fake_github, home, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert fake_github.calls() == []
