"""`mlgate issue --title T --label L FILE`: one open issue per label, updated, never duplicated.

A scheduled check that fails every night must not open an issue every night. The label is the
key: an open issue carrying it gets a comment with the new report; only when none is open is one
created. `--close` closes it when the condition has cleared.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import quote

from ..errors import PASS, CouldNotCheck
from ..io.step_summary import write_step_outputs
from .api import (
    GITHUB_ENVIRONMENT,
    GitHub,
    GitHubContext,
    GitHubError,
    NoPermission,
)
from .comment import read_body

LABEL_COLOR = "d93f0b"
MARKER = "<!-- mlgate:issue -->"


def check_title_and_label(title: str | None, label: str) -> None:
    if title is not None and (not title.strip() or len(title) > 256):
        raise CouldNotCheck("--title must be 1-256 characters")
    if not label.strip() or len(label) > 50 or "," in label:
        raise CouldNotCheck(
            f"--label {label!r} must be 1-50 characters without commas (GitHub's label rules)"
        )


def open_issues(github: GitHub, label: str) -> list[dict[str, Any]]:
    """Open issues (not pull requests) with the label, oldest first."""
    items = github.paginate(
        github.repo_path("/issues"),
        {"state": "open", "labels": label, "sort": "created", "direction": "asc"},
    )
    issues = [i for i in items if isinstance(i, dict) and "pull_request" not in i]
    return sorted(issues, key=lambda issue: issue.get("number", 0))


def ensure_label(github: GitHub, label: str) -> None:
    """Create the label when the repository does not have it yet."""
    try:
        github.request("GET", github.repo_path(f"/labels/{quote(label, safe='')}"))
        return
    except NoPermission as exc:
        if exc.status != 404:
            raise
    try:
        github.request(
            "POST",
            github.repo_path("/labels"),
            json={"name": label, "color": LABEL_COLOR, "description": "opened by mlgate"},
        )
    except GitHubError as exc:
        if exc.status != 422:  # 422: created meanwhile by a concurrent run
            raise


def report_issue(
    github: GitHub, title: str, label: str, text: str | None, *, close: bool
) -> tuple[str, dict[str, Any] | None]:
    """Do what the condition asks; returns (action, the issue) for the output."""
    existing = open_issues(github, label)
    if existing:
        issue = existing[0]
        if len(existing) > 1:
            others = ", ".join(f"#{i.get('number')}" for i in existing[1:])
            print(f"warning: more open issues carry {label!r} ({others}); using the oldest")
        number = issue["number"]
        if text is not None:
            github.request(
                "POST",
                github.repo_path(f"/issues/{number}/comments"),
                json={"body": f"{MARKER}\n{text}"},
            )
        if close:
            github.request(
                "PATCH",
                github.repo_path(f"/issues/{number}"),
                json={"state": "closed", "state_reason": "completed"},
            )
            return "closed", issue
        return "updated", issue
    if close:
        return "none open", None
    ensure_label(github, label)
    body = f"{MARKER}\n{text}"
    created = github.request(
        "POST", github.repo_path("/issues"), json={"title": title, "body": body, "labels": [label]}
    ).json()
    return "created", created


def run_issue(title: str | None, label: str, path: str | None, *, close: bool) -> int:
    check_title_and_label(title, label)
    if not close and (title is None or path is None):
        raise CouldNotCheck("give --title and a report FILE (or --close to close the issue)")
    text = read_body(path) if path is not None else None
    github = GitHub(GitHubContext.from_env())
    try:
        action, issue = report_issue(github, title or "", label, text, close=close)
    except NoPermission as exc:
        raise CouldNotCheck(
            f"{exc}. The job needs 'permissions: issues: write' to open or update the issue"
        ) from None
    if issue is None:
        print(f"mlgate issue: no open issue labelled {label!r}; nothing to close")
    else:
        print(f"mlgate issue: {action} #{issue.get('number')} {issue.get('html_url', '')}".rstrip())
    outputs = {"action": action.replace(" ", "-")}
    if issue is not None:
        outputs |= {"issue-number": issue.get("number"), "issue-url": issue.get("html_url", "")}
    write_step_outputs(outputs)
    return PASS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Comment FILE on the open issue with --label, or open one; never a second. --close "
        "closes it (after commenting FILE, if given)."
    )
    parser.epilog = GITHUB_ENVIRONMENT
    parser.add_argument("file", nargs="?", metavar="FILE", help="Markdown report, or - for stdin")
    parser.add_argument("--title", help="title of a new issue")
    parser.add_argument("--label", required=True, help="the label that identifies the issue")
    parser.add_argument("--close", action="store_true", help="close the open issue, if any")


def run(args: argparse.Namespace) -> int:
    return run_issue(args.title, args.label, args.file, close=args.close)
