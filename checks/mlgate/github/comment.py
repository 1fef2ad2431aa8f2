"""`mlgate comment FILE --marker ID`: one sticky comment per pull request and marker.

The comment carries a hidden HTML marker; the next run finds it and edits it instead of adding
another, so a busy pull request shows one report that is always current. A token that may not
comment (a fork's pull request) is a warning, not a failed job: the verdict is in the job summary.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from ..errors import PASS, CouldNotCheck
from ..io.textfile import read_text
from .api import GITHUB_ENVIRONMENT, GitHub, GitHubContext, NoPermission, is_actions

MARKER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_BODY = 65536  # GitHub refuses longer comment bodies
TRUNCATED = "\n\n… (truncated: the full report is in the job summary and the run's artifacts)\n"


def marker_line(marker: str) -> str:
    return f"<!-- mlgate:{marker} -->"


def read_body(path: str) -> str:
    """The Markdown to post, from a file or `-` for standard input."""
    if path == "-":
        text = sys.stdin.read()
    else:
        text = read_text(Path(path), path, missing=f"no report file at {path}")
    if not text.strip():
        raise CouldNotCheck(f"{path} is empty: there is nothing to post")
    return text


def with_marker(marker: str, text: str) -> str:
    """Marker first, then the report, cut to GitHub's size limit if needed."""
    head = marker_line(marker) + "\n"
    if len(head) + len(text) > MAX_BODY:
        text = text[: MAX_BODY - len(head) - len(TRUNCATED)] + TRUNCATED
    return head + text


def check_marker(marker: str) -> str:
    if not MARKER_ID.match(marker):
        raise CouldNotCheck(
            f"--marker {marker!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return marker


def pull_request_number(pr: int | None, env: dict[str, str] | None = None) -> int:
    """From --pr, else from the event payload of the workflow run."""
    if pr is not None:
        if pr < 1:
            raise CouldNotCheck(f"--pr must be a pull request number, not {pr}")
        return pr
    env = dict(os.environ) if env is None else env
    event_path = env.get("GITHUB_EVENT_PATH")
    if not event_path:
        raise CouldNotCheck(
            "no pull request number: pass --pr N, or run in a pull_request workflow "
            "(GITHUB_EVENT_PATH is not set)"
        )
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CouldNotCheck(f"cannot read the event payload {event_path}: {exc}") from None
    number = _number_in_event(event)
    if number is None:
        name = env.get("GITHUB_EVENT_NAME", "this event")
        raise CouldNotCheck(
            f"no pull request in the payload of {name}: pass --pr N or run on pull_request"
        )
    return number


def _number_in_event(event: Any) -> int | None:
    if not isinstance(event, dict):
        return None
    candidates = [
        (event.get("pull_request") or {}).get("number"),
        (event.get("issue") or {}).get("number")
        if (event.get("issue") or {}).get("pull_request")
        else None,
    ]
    runs = (event.get("workflow_run") or {}).get("pull_requests") or []
    if runs and isinstance(runs[0], dict):
        candidates.append(runs[0].get("number"))
    for number in candidates:
        if isinstance(number, int) and not isinstance(number, bool) and number > 0:
            return number
    return None


def find_sticky(comments: list[dict[str, Any]], marker: str) -> dict[str, Any] | None:
    """The comment to edit: the oldest carrying the marker, a bot's preferred over a person's."""
    line = marker_line(marker)
    ours = [c for c in comments if isinstance(c.get("body"), str) and line in c["body"]]
    bots = [c for c in ours if (c.get("user") or {}).get("type") == "Bot"]
    chosen = bots or ours
    return chosen[0] if chosen else None


def post_sticky(github: GitHub, number: int, marker: str, text: str) -> tuple[str, str]:
    """Create or update; returns (what happened, the comment's URL)."""
    body = with_marker(marker, text)
    comments_path = github.repo_path(f"/issues/{number}/comments")
    existing = find_sticky(list(github.paginate(comments_path)), marker)
    if existing is None:
        created = github.request("POST", comments_path, json={"body": body}).json()
        return "created", str(created.get("html_url", ""))
    url = str(existing.get("html_url", ""))
    if existing.get("body") == body:
        return "unchanged", url
    comment_id = existing.get("id")
    if not isinstance(comment_id, int):
        raise CouldNotCheck("GitHub listed the marked comment without an id")
    github.request("PATCH", github.repo_path(f"/issues/comments/{comment_id}"), json={"body": body})
    return "updated", url


def run_comment(path: str, marker: str, pr: int | None) -> int:
    marker = check_marker(marker)
    text = read_body(path)
    number = pull_request_number(pr)
    github = GitHub(GitHubContext.from_env())
    try:
        action, url = post_sticky(github, number, marker, text)
    except NoPermission as exc:
        warning = (
            f"cannot comment on pull request #{number} ({exc}). A pull request from a fork gets "
            "a read-only token; the verdict is in the job summary."
        )
        if is_actions():
            print(f"::warning title=mlgate comment::{warning}")
        print(f"warning: {warning}", file=sys.stderr)
        return PASS
    print(f"mlgate comment: {action} the {marker!r} comment on #{number} {url}".rstrip())
    return PASS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Post FILE (Markdown) as the pull request comment carrying the marker, editing it in "
        "place on later runs. 403/404 (a fork's read-only token) is a warning."
    )
    parser.epilog = GITHUB_ENVIRONMENT
    parser.add_argument("file", metavar="FILE", help="Markdown report, or - for stdin")
    parser.add_argument("--marker", required=True, metavar="ID", help="which sticky comment")
    parser.add_argument(
        "--pr", type=int, help="pull request number (default: from GITHUB_EVENT_PATH)"
    )


def run(args: argparse.Namespace) -> int:
    return run_comment(args.file, args.marker, args.pr)
