"""`mlgate pr --branch B --title T [PATH ...]`: propose the work tree's changes as a pull request.

Release (a new image digest for GitOps) and retrain (a new dvc.lock and metrics) end with a change
a person should review before it takes effect. This commits it on BRANCH, force-pushes the branch
(a re-run of the same release updates it) and opens the pull request, or edits the one already
open from BRANCH, so a workflow needs neither a token in a `git push https://...` URL nor a second
pull request for the same change. On failure the commit stays on the local branch.

Its size (~320 lines) is one job's steps in order: check inputs, commit, push with the token as
a header, open or update; the git runner lives in io/git.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PASS, CouldNotCheck
from ..io.git import Git, token_header_env
from ..io.step_summary import write_step_outputs
from ..io.textfile import read_text
from .api import (
    GITHUB_ENVIRONMENT,
    GitHub,
    GitHubContext,
    GitHubError,
    NoPermission,
    event_default_branch,
)
from .dispatch import check_workflow_name, start_workflow

REMOTE = "origin"
DEFAULT_BASE = "main"
DEFAULT_SERVER_URL = "https://github.com"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
MAX_BODY = 65536  # GitHub refuses longer pull request bodies
TRUNCATED = "\n\n… (truncated)\n"
PUSH_TIMEOUT_S = 600
PERMISSION_HINT = (
    "The job needs 'permissions: pull-requests: write', and the repository must allow GitHub "
    "Actions to create pull requests (Settings > Actions > General > Workflow permissions: "
    "'Allow GitHub Actions to create and approve pull requests')"
)


@dataclass(frozen=True)
class Proposal:
    """What to commit and how the pull request reads."""

    branch: str
    title: str
    message: str
    body: str | None
    base: str
    paths: tuple[str, ...]
    checks: str | None = None  # a workflow to start on the branch (its checks on the head)


def check_title(title: str) -> None:
    if not title.strip() or len(title) > 256:
        raise CouldNotCheck("--title must be 1-256 characters")


def check_branch_name(git: Git, name: str, option: str) -> None:
    """A name git accepts for a branch (no spaces, no `..`, not starting with `-`)."""
    if name.startswith("-") or git.run(["check-ref-format", "--branch", name]).returncode != 0:
        raise CouldNotCheck(f"{option} {name!r} is not a valid branch name")


def read_body_file(path: str) -> str:
    """The pull request's description, from a file or `-` for standard input; may be empty."""
    text = sys.stdin.read() if path == "-" else read_text(
        Path(path), path, missing=f"no --body-file at {path}"
    )  # fmt: skip
    if len(text) > MAX_BODY:
        text = text[: MAX_BODY - len(TRUNCATED)] + TRUNCATED
    return text


def require_work_tree(git: Git) -> None:
    if not git.in_work_tree():
        raise CouldNotCheck(
            f"{Path.cwd()} is not inside a git work tree: run mlgate pr in the checkout whose "
            "changes it should propose"
        )


def check_paths(git: Git, paths: Sequence[str]) -> None:
    """Every PATH names something: a file or directory here, or one git knows (a deletion)."""
    for path in paths:
        if os.path.lexists(path):
            continue
        known = git.run(["ls-files", "--error-unmatch", "--", path])
        changed = git.run(["status", "--porcelain", "--", path])
        if known.returncode != 0 and not changed.stdout.strip():
            raise CouldNotCheck(f"PATH {path!r} matches no file in the work tree or in git")


def has_changes(git: Git, paths: Sequence[str]) -> bool:
    """Anything to commit in PATHs (the whole tree without): modified, staged or untracked."""
    spec = ["--", *paths] if paths else []
    status = git.check(
        ["status", "--porcelain", "-z", "--untracked-files=all", *spec], "git status failed"
    )
    return bool(status)


def identity_options(git: Git, env: Mapping[str, str] | None = None) -> list[str]:
    """`-c user.name/user.email` for the Actions bot, unless git already knows who commits."""
    env = os.environ if env is None else env

    def config(key: str) -> str:
        return git.run(["config", "--get", key]).stdout.strip()

    name = config("user.name")
    email = config("user.email") or env.get("EMAIL", "").strip()
    author = (env.get("GIT_AUTHOR_NAME") or name) and (env.get("GIT_AUTHOR_EMAIL") or email)
    committer = (env.get("GIT_COMMITTER_NAME") or name) and (
        env.get("GIT_COMMITTER_EMAIL") or email
    )
    if author and committer:
        return []
    return ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]


def commit_changes(git: Git, proposal: Proposal) -> str:
    """Create or reset BRANCH at HEAD and commit PATHs on it; returns the commit id."""
    git.check(["switch", "-q", "-C", proposal.branch], f"cannot switch to {proposal.branch}")
    spec = ["--", *proposal.paths] if proposal.paths else []
    git.check(["add", "-A", *spec], "git add failed")
    git.check(
        [*identity_options(git), "commit", "-q", "-m", proposal.message, *spec],
        "git commit failed",
    )
    return git.check(["rev-parse", "HEAD"], "git rev-parse failed")


def push_branch(git: Git, branch: str, url: str, token: str, commit: str) -> None:
    """Force-push HEAD to origin's BRANCH; on failure say where the commit still is."""
    server_url = os.environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL
    env = token_header_env(url, token, server_url)
    result = git.run(
        ["push", "--force", REMOTE, f"HEAD:refs/heads/{branch}"], env=env, timeout=PUSH_TIMEOUT_S
    )
    if result.returncode != 0:
        output = git.tail(result)
        hint = ""
        if "403" in output or "denied" in output.lower():
            hint = " The job needs 'permissions: contents: write' to push a branch."
        raise CouldNotCheck(
            f"git push to {REMOTE} ({git.scrub(url)}) failed: {output.rstrip('.')}. The commit "
            f"{commit[:12]} stays on the local branch {branch}.{hint}"
        )


def open_pulls(github: GitHub, owner: str, branch: str) -> list[dict[str, Any]]:
    """Open pull requests from BRANCH of this repository, oldest first."""
    items = github.paginate(
        github.repo_path("/pulls"), {"head": f"{owner}:{branch}", "state": "open"}
    )
    pulls = [
        p for p in items
        if isinstance(p, dict) and (p.get("head") or {}).get("ref", branch) == branch
    ]  # fmt: skip
    return sorted(pulls, key=lambda pull: pull.get("number", 0))


def our_emails(git: Git, env: Mapping[str, str] | None = None) -> set[str]:
    """Who commits as mlgate pr: the Actions bot, or the identity git or the environment sets."""
    env = os.environ if env is None else env
    emails = {BOT_EMAIL, git.run(["config", "--get", "user.email"]).stdout.strip()}
    emails |= {env.get(name, "").strip() for name in ("GIT_COMMITTER_EMAIL", "GIT_AUTHOR_EMAIL",
                                                       "EMAIL")}  # fmt: skip
    return {email.lower() for email in emails if email}


def people_commits(github: GitHub, pulls: list[dict[str, Any]], ours: set[str]) -> list[str]:
    """The commits of the open pull request someone else made ("sha name"). Force-pushing its
    branch would throw them away: a resolved conflict, a fix pushed to the branch, GitHub's
    "Update branch" merge."""
    if not pulls or not isinstance(pulls[0].get("number"), int):
        return []
    number = pulls[0]["number"]
    found = []
    for item in github.paginate(github.repo_path(f"/pulls/{number}/commits"), {}):
        commit = item.get("commit") if isinstance(item, dict) else None
        if not isinstance(commit, dict):
            continue
        people = [(commit.get(role) or {}) for role in ("author", "committer")]
        if any(str(p.get("email", "")).lower() not in ours for p in people):
            found.append(f"{str(item.get('sha', ''))[:12]} {people[0].get('name', '?')}")
    return found


def open_or_update(
    github: GitHub, proposal: Proposal, existing: list[dict[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """Edit the open pull request from BRANCH (`existing`, listed before the push), or open
    one; returns (action, pull request)."""
    owner = github.context.repository.split("/")[0]
    if not existing:
        payload = {
            "title": proposal.title,
            "head": proposal.branch,
            "base": proposal.base,
            "body": proposal.body or "",
        }
        try:
            created = github.request("POST", github.repo_path("/pulls"), json=payload).json()
            return "created", created
        except GitHubError as exc:
            if exc.status != 422:  # 422 also when a concurrent run opened it meanwhile
                raise
            existing = open_pulls(github, owner, proposal.branch)
            if not existing:
                raise
    pull = existing[0]
    number = pull.get("number")
    if not isinstance(number, int):
        raise CouldNotCheck("GitHub listed the open pull request without a number")
    changes: dict[str, str] = {"title": proposal.title}
    if proposal.body is not None:  # without --body-file, keep what people wrote there
        changes["body"] = proposal.body
    updated = github.request("PATCH", github.repo_path(f"/pulls/{number}"), json=changes).json()
    return "updated", updated if isinstance(updated, dict) else pull


def run_pr(
    branch: str,
    title: str,
    paths: Sequence[str],
    *,
    body_file: str | None = None,
    base: str | None = None,
    message: str | None = None,
    checks: str | None = None,
) -> int:
    check_title(title)
    if checks is not None:
        check_workflow_name(checks)
    if message is not None and not message.strip():
        raise CouldNotCheck("--message must not be empty")
    body = read_body_file(body_file) if body_file is not None else None
    git = Git(purpose="proposing a change")
    require_work_tree(git)
    check_branch_name(git, branch, "--branch")
    default_branch = event_default_branch() or DEFAULT_BASE
    base = base or default_branch
    check_branch_name(git, base, "--base")
    if branch in (base, default_branch):
        raise CouldNotCheck(
            f"--branch {branch!r} is the base of the pull request or the default branch; "
            "refusing to force-push it: name a branch of its own (e.g. deploy/v1.2.3)"
        )
    check_paths(git, paths)
    if not has_changes(git, paths):
        where = " in " + ", ".join(paths) if paths else ""
        print(f"mlgate pr: nothing to propose (no changes{where})")
        write_step_outputs({"changed": "false"})
        return PASS
    context = GitHubContext.from_env()
    git = Git(purpose="proposing a change", secrets=[context.token])
    url = git.run(["remote", "get-url", REMOTE])
    if url.returncode != 0 or not url.stdout.strip():
        raise CouldNotCheck(f"this repository has no remote named {REMOTE!r} to push to")
    proposal = Proposal(branch, title, message or title, body, base, tuple(paths), checks)
    github = GitHub(context)
    existing = open_pulls(github, context.repository.split("/")[0], branch)
    people = people_commits(github, existing, our_emails(git))
    if people:
        number = existing[0]["number"]
        print(f"::warning::mlgate pr: not replacing {branch}: pull request #{number} has "
              f"commits by people ({', '.join(people[:3])}"
              f"{' …' if len(people) > 3 else ''}); merge or close it, and the next run "
              "proposes again")  # fmt: skip
        write_step_outputs({"changed": "false", "kept": "true", "number": number})
        return PASS
    commit = commit_changes(git, proposal)
    push_branch(git, branch, url.stdout.strip(), context.token, commit)
    print(f"mlgate pr: pushed {commit[:12]} to {REMOTE} {branch}")
    try:
        action, pull = open_or_update(github, proposal, existing)
    except NoPermission as exc:
        raise CouldNotCheck(
            f"pushed {branch}, but cannot open its pull request: {str(exc).rstrip('.')}. "
            + PERMISSION_HINT
        ) from None
    except GitHubError as exc:
        raise CouldNotCheck(f"pushed {branch}, but cannot open its pull request: {exc}") from None
    number, html_url = pull.get("number"), str(pull.get("html_url", ""))
    print(f"mlgate pr: {action} #{number} {html_url}".rstrip())
    if proposal.checks:
        try:
            start_workflow(github, proposal.checks, branch)
        except CouldNotCheck as exc:
            raise CouldNotCheck(
                f"{action} #{number}, but its checks did not start: {exc}"
            ) from None
        print(f"mlgate pr: started {proposal.checks} on {branch} (its checks show on #{number})")
    write_step_outputs({"changed": "true", "branch": branch, "number": number, "url": html_url})
    return PASS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Commit the changes in PATH (default: the whole work tree) on BRANCH, reset to HEAD, "
        "force-push it to origin (the token as a header for GitHub's host, never in a URL) and "
        "open a pull request from it, or update the one already open. No changes: 'nothing to "
        "propose', exit 0. Step outputs: changed, branch, number, url."
    )
    parser.epilog = (
        f"{GITHUB_ENVIRONMENT} Exit codes: 0 proposed or nothing to propose, 2 could not (no "
        "git work tree, no origin, push or API failure; the commit stays on the local branch)."
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="only commit changes here")
    parser.add_argument("--branch", required=True, help="the pull request's branch (force-pushed)")
    parser.add_argument("--title", required=True, help="the pull request's title")
    parser.add_argument(
        "--body-file", metavar="FILE", help="its description (Markdown), or - for stdin"
    )
    parser.add_argument(
        "--base",
        help="branch to merge into (default: the repository's default branch from "
        "GITHUB_EVENT_PATH, else main)",
    )
    parser.add_argument("--message", metavar="MSG", help="commit message (default: the title)")
    parser.add_argument(
        "--checks",
        metavar="WORKFLOW",
        help="start WORKFLOW (e.g. ci.yml, with a workflow_dispatch trigger) on the branch after "
        "pushing: a push with the workflow's GITHUB_TOKEN starts no workflow, so the pull "
        "request's checks would not run (needs 'actions: write')",
    )


def run(args: argparse.Namespace) -> int:
    return run_pr(
        args.branch, args.title, args.paths, body_file=args.body_file, base=args.base,
        message=args.message, checks=args.checks,
    )  # fmt: skip
