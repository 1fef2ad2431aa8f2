"""`mlgate comment`: the real CLI against a fake GitHub REST API on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_github import REPOSITORY, TOKEN, FakeGitHub, serve

from mlgate.github.comment import MAX_BODY, marker_line

PR = 7
COMMENTS = f"/repos/{REPOSITORY}/issues/{PR}/comments"


def comment(
    fake: FakeGitHub, home: Path, report: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return fake.run_mlgate(home, "comment", str(report), *args, **env)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "gate.md"
    path.write_text("### ✅ mlgate gate: pass\n\n| metric | verdict |\n|---|---|\n| a | PASS |\n")
    return path


@pytest.fixture
def pr(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.add_issue("A pull request", [], pull_request=True, number=PR)
    return fake_github


def test_creates_the_comment_with_the_marker_then_updates_it_in_place(
    pr: FakeGitHub, home: Path, report: Path
) -> None:
    first = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert first.returncode == 0, first.stderr
    assert "created the 'gate' comment on #7" in first.stdout
    [posted] = pr.comments[PR]
    assert posted["body"].startswith(marker_line("gate") + "\n### ✅ mlgate gate: pass")

    report.write_text("### ❌ mlgate gate: fail\n")
    second = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert second.returncode == 0, second.stderr
    assert "updated" in second.stdout
    assert len(pr.comments[PR]) == 1
    assert pr.comments[PR][0]["body"].endswith("mlgate gate: fail\n")
    assert [c.method for c in pr.calls() if c.method != "GET"] == ["POST", "PATCH"]


def test_an_unchanged_report_is_not_written_again(pr: FakeGitHub, home: Path, report: Path) -> None:
    comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    again = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert "unchanged" in again.stdout
    assert [c.method for c in pr.calls()] == ["GET", "POST", "GET"]


def test_each_marker_has_its_own_comment(pr: FakeGitHub, home: Path, report: Path) -> None:
    comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    comment(pr, home, report, "--marker", "drift", "--pr", str(PR))
    comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    bodies = [c["body"].splitlines()[0] for c in pr.comments[PR]]
    assert bodies == [marker_line("gate"), marker_line("drift")]


def test_follows_pagination_to_find_its_comment(pr: FakeGitHub, home: Path, report: Path) -> None:
    for index in range(230):
        pr.add_comment(PR, f"review comment {index}", user_type="User")
    ours = pr.add_comment(PR, marker_line("gate") + "\nold report")
    pr.page_size = 100
    result = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert result.returncode == 0, result.stderr
    assert "updated" in result.stdout
    pages = [c.query.get("page", "1") for c in pr.calls("GET")]
    assert pages == ["1", "2", "3"]
    assert ours["body"] == marker_line("gate") + "\n" + report.read_text()
    assert len(pr.comments[PR]) == 231


def test_prefers_the_bots_marked_comment_over_a_copy_by_a_person(
    pr: FakeGitHub, home: Path, report: Path
) -> None:
    human = pr.add_comment(PR, marker_line("gate") + "\nquoted by a reviewer", user_type="User")
    bot = pr.add_comment(PR, marker_line("gate") + "\nold report")
    comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert human["body"].endswith("quoted by a reviewer")
    assert "mlgate gate: pass" in bot["body"]


def test_sends_the_headers_github_documents(pr: FakeGitHub, home: Path, report: Path) -> None:
    comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    headers = pr.calls("POST")[0].headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert headers["User-Agent"].startswith("mlgate/")


@pytest.mark.parametrize("status", [403, 404])
def test_a_read_only_token_is_a_warning_not_a_failed_job(
    pr: FakeGitHub, home: Path, report: Path, status: int
) -> None:
    pr.fail(status, method="POST", message="Resource not accessible by integration")
    result = comment(pr, home, report, "--marker", "gate", "--pr", str(PR), GITHUB_ACTIONS="true")
    assert result.returncode == 0
    assert "read-only token" in result.stderr
    assert f"answered {status}: Resource not accessible by integration" in result.stderr
    assert result.stdout.startswith("::warning title=mlgate comment::")
    assert PR not in pr.comments or not pr.comments[PR]


def test_server_errors_are_retried(pr: FakeGitHub, home: Path, report: Path) -> None:
    pr.fail(502, times=2, method="GET")
    pr.fail(500, method="POST")
    result = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert result.returncode == 0, result.stderr
    assert [c.method for c in pr.calls()] == ["GET", "GET", "GET", "POST", "POST"]
    assert len(pr.comments[PR]) == 1


def test_a_server_that_keeps_failing_is_could_not_check(
    pr: FakeGitHub, home: Path, report: Path
) -> None:
    pr.fail(503, times=99)
    result = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert result.returncode == 2
    assert f"GET {COMMENTS} answered 503" in result.stderr
    assert len(pr.calls()) == 5  # the first try and four retries


def test_secondary_rate_limit_waits_retry_after_then_succeeds(
    pr: FakeGitHub, home: Path, report: Path
) -> None:
    pr.fail(
        403,
        method="POST",
        headers={"retry-after": "1"},
        message="You have exceeded a secondary rate limit",
    )
    started = time.monotonic()
    result = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 1.0, "retry-after must be honoured"
    assert [c.method for c in pr.calls()] == ["GET", "POST", "POST"]


def test_primary_rate_limit_waits_for_the_reset(pr: FakeGitHub, home: Path, report: Path) -> None:
    reset = str(int(time.time()))
    pr.fail(
        429,
        method="GET",
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        message="API rate limit exceeded",
    )
    result = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert result.returncode == 0, result.stderr
    assert [c.method for c in pr.calls()] == ["GET", "GET", "POST"]


def test_a_rate_limit_longer_than_the_budget_gives_up_with_a_reason(
    pr: FakeGitHub, home: Path, report: Path
) -> None:
    pr.fail(403, headers={"retry-after": "3600"}, message="secondary rate limit")
    result = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
    assert result.returncode == 2
    assert "rate limit" in result.stderr and "try again later" in result.stderr
    assert len(pr.calls()) == 1


def test_a_rejected_token_is_could_not_check(pr: FakeGitHub, home: Path, report: Path) -> None:
    result = comment(pr, home, report, "--marker", "gate", "--pr", str(PR), GITHUB_TOKEN="wrong")
    assert result.returncode == 2
    assert "the token was rejected (Bad credentials)" in result.stderr
    assert "wrong" not in result.stderr


def test_pagination_to_another_host_is_not_followed(
    pr: FakeGitHub, home: Path, report: Path
) -> None:
    other: Iterator[FakeGitHub] = serve()
    elsewhere = next(other)
    try:
        for index in range(3):
            pr.add_comment(PR, f"comment {index}", user_type="User")
        pr.page_size = 2
        pr.next_link_base = elsewhere.url
        result = comment(pr, home, report, "--marker", "gate", "--pr", str(PR))
        assert result.returncode == 2
        assert "the next page is on another host" in result.stderr
        assert elsewhere.requests == [], "the token went to another host"
    finally:
        other.close()


def test_works_under_an_enterprise_api_prefix(home: Path, report: Path) -> None:
    server = serve(prefix="/api/v3")
    fake = next(server)
    try:
        fake.add_issue("PR", [], pull_request=True)
        result = comment(fake, home, report, "--marker", "gate", "--pr", "1")
        assert result.returncode == 0, result.stderr
        assert fake.calls("POST")[0].path == f"/api/v3/repos/{REPOSITORY}/issues/1/comments"
    finally:
        server.close()


def test_a_report_over_githubs_limit_is_truncated_with_a_note(
    pr: FakeGitHub, home: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.md"
    big.write_text("| row |\n" * 20000)
    result = comment(pr, home, big, "--marker", "gate", "--pr", str(PR))
    assert result.returncode == 0, result.stderr
    body = pr.comments[PR][0]["body"]
    assert len(body) <= MAX_BODY
    assert body.rstrip().endswith("the full report is in the job summary and the run's artifacts)")


@pytest.mark.parametrize(
    ("event", "number"),
    [
        ({"pull_request": {"number": 12}}, 12),
        ({"issue": {"number": 13, "pull_request": {"url": "x"}}}, 13),
        ({"workflow_run": {"pull_requests": [{"number": 14}]}}, 14),
    ],
)
def test_pull_request_number_comes_from_the_event_payload(
    fake_github: FakeGitHub, home: Path, report: Path, tmp_path: Path, event: dict, number: int
) -> None:
    fake_github.add_issue("A pull request", [], pull_request=True, number=number)
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps(event))
    result = comment(fake_github, home, report, "--marker", "gate", GITHUB_EVENT_PATH=str(payload))
    assert result.returncode == 0, result.stderr
    assert fake_github.calls("POST")[0].path.endswith(f"/issues/{number}/comments")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--marker", "gate"], {}, "no pull request number: pass --pr N"),
        (["--marker", "gate"], {"GITHUB_EVENT_PATH": "{event}"}, "no pull request in the payload"),
        (["--marker", "gate", "--pr", "0"], {}, "--pr must be a pull request number"),
        (["--marker", "bad marker", "--pr", "7"], {}, "--marker 'bad marker' must be"),
        (["--marker", "gate", "--pr", "7"], {"GITHUB_TOKEN": ""}, "GITHUB_TOKEN is not set"),
        (["--marker", "gate", "--pr", "7"], {"GITHUB_REPOSITORY": "nope"}, "owner/name"),
        (["--marker", "gate", "--pr", "7"], {"GITHUB_API_URL": "ftp://x"}, "http(s) URL"),
        (
            ["--marker", "gate", "--pr", "7"],
            {"MLGATE_RETRY_BACKOFF_S": "soon"},
            "MLGATE_RETRY_BACKOFF_S must be seconds",
        ),
    ],
)
def test_missing_context_is_could_not_check(
    pr: FakeGitHub,
    home: Path,
    report: Path,
    tmp_path: Path,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    push_event = tmp_path / "push.json"
    push_event.write_text(json.dumps({"ref": "refs/heads/main"}))
    env = {k: v.format(event=push_event) for k, v in env.items()}
    result = comment(pr, home, report, *args, **env)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert pr.calls() == []


@pytest.mark.parametrize("content", [None, "", "  \n"])
def test_a_missing_or_empty_report_is_could_not_check(
    pr: FakeGitHub, home: Path, tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "report.md"
    if content is not None:
        path.write_text(content)
    result = comment(pr, home, path, "--marker", "gate", "--pr", str(PR))
    assert result.returncode == 2
    assert ("no report file" if content is None else "is empty") in result.stderr


def test_an_unreachable_api_is_could_not_check(home: Path, report: Path) -> None:
    server = serve()
    fake = next(server)
    server.close()  # the port is closed now
    result = comment(fake, home, report, "--marker", "gate", "--pr", "1")
    assert result.returncode == 2
    assert "cannot reach http://127.0.0.1:" in result.stderr
