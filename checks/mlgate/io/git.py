"""git for every command: one runner, and files as committed at a ref (the baseline metrics and
the policy of the base branch).

Paths are passed as `REF:./path`, relative to the directory the command runs in, so a project
in a subdirectory of a monorepo works the same as one at the root.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CouldNotCheck

URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")
BASELINE = "comparing with a baseline ref"


class GitError(CouldNotCheck):
    """git is missing, the directory is not a repository, or a ref cannot be found."""


@dataclass(frozen=True)
class Revision:
    ref: str
    commit: str

    @property
    def short(self) -> str:
        return self.commit[:7]


class Git:
    """Runs git in `cwd` (default: here). A missing git, a timeout or a failed command becomes
    GitError, with tokens and URL credentials removed from what git printed."""

    def __init__(
        self, cwd: Path | None = None, *, purpose: str = "this command", secrets: Sequence[str] = ()
    ) -> None:
        self.cwd = cwd
        self.purpose = purpose  # "proposing a change": why git is needed, for the message
        self.secrets = [s for s in secrets if s]

    def run(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
        raw: bool = False,
    ) -> subprocess.CompletedProcess[Any]:
        """The finished command, whatever its exit code; bytes when `raw`, else text."""
        try:
            return subprocess.run(
                ["git", *args], cwd=self.cwd, capture_output=True, text=not raw, check=False,
                stdin=subprocess.DEVNULL, env=None if env is None else dict(env), timeout=timeout,
            )  # fmt: skip
        except FileNotFoundError:
            raise GitError(f"git is not installed; {self.purpose} needs it") from None
        except NotADirectoryError:
            raise GitError(f"{self.cwd} is not a directory") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} did not finish within {timeout:.0f} s") from None

    def check(self, args: Sequence[str], what: str, **kwargs: Any) -> str:
        """stdout of a git command that must succeed; `what` names it in the error."""
        result = self.run(args, **kwargs)
        if result.returncode != 0:
            raise GitError(f"{what}: {self.tail(result)}")
        return result.stdout.strip()

    def tail(self, result: subprocess.CompletedProcess[str], lines: int = 8) -> str:
        """The last lines git printed, with tokens and URL credentials removed."""
        text = result.stderr.strip() or result.stdout.strip() or f"exit {result.returncode}"
        kept = [line.strip() for line in text.splitlines() if line.strip()]
        return self.scrub(" | ".join(kept[-lines:]))

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return URL_CREDENTIALS.sub(r"\1***@", text)

    def in_work_tree(self) -> bool:
        inside = self.run(["rev-parse", "--is-inside-work-tree"])
        return inside.returncode == 0 and inside.stdout.strip() == "true"


def resolve(ref: str, cwd: Path) -> Revision:
    """The commit a ref names, or an error that says how to make it available."""
    if not ref or ref.startswith("-") or any(c in ref for c in "\n\r\0"):
        raise GitError(f"{ref!r} is not a git ref")
    git = Git(cwd, purpose=BASELINE)
    if not git.in_work_tree():
        raise GitError(
            f"{cwd} is not inside a git work tree: comparing with baseline {ref!r} needs the "
            "repository's history"
        )
    found = git.run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"])
    if found.returncode == 0:
        return Revision(ref, found.stdout.strip())
    shallow = git.run(["rev-parse", "--is-shallow-repository"]).stdout.strip() == "true"
    if shallow:
        raise GitError(
            f"baseline ref {ref!r} is not in this clone because the clone is shallow: check out "
            "with full history (actions/checkout with 'fetch-depth: 0') or run "
            "'git fetch --unshallow'"
        )
    hint = ""
    if ref.startswith("origin/"):
        hint = f"; fetch it first: git fetch origin {ref.removeprefix('origin/')}"
    raise GitError(
        f"unknown baseline ref {ref!r}: no branch, tag or commit of that name here{hint}"
    )


def read_at(revision: Revision, path: str, cwd: Path) -> str | None:
    """Text of `path` (relative to `cwd`) as committed at `revision`; None when not committed."""
    spec = f"{revision.commit}:./{path.removeprefix('./')}"
    git = Git(cwd, purpose=BASELINE)
    if git.run(["cat-file", "-e", spec]).returncode != 0:
        return None
    shown = git.run(["cat-file", "blob", spec], raw=True)
    if shown.returncode != 0:
        kind = git.run(["cat-file", "-t", spec]).stdout.strip() or "unreadable"
        raise GitError(f"{path} at {revision.ref} is a {kind}, not a file")
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise GitError(f"{path} at {revision.ref} is not UTF-8 text") from None


def ignored(path: str, cwd: Path) -> bool:
    """Whether git ignores `path` (a DVC-cached output is listed in a .gitignore)."""
    git = Git(cwd, purpose=BASELINE)
    return git.run(["check-ignore", "--quiet", "--no-index", "--", path]).returncode == 0


def token_header_env(
    url: str, token: str, server_url: str, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment for git over https: no prompts, and the token as a header for GitHub's host.

    Like actions/checkout, the token travels as `http.<origin>/.extraheader`, but through
    GIT_CONFIG_* variables, so it is in no command line and no file. An empty value first
    clears a header a checkout with persisted credentials left. Only an https origin on the
    GitHub server's host (GITHUB_SERVER_URL) gets the token.
    """
    result = dict(os.environ if env is None else env)
    result["GIT_TERMINAL_PROMPT"] = "0"
    origin, server = urlsplit(url), urlsplit(server_url)
    if not token or origin.scheme != "https" or not origin.hostname:
        return result
    if (origin.hostname.lower(), origin.port or 443) != (
        (server.hostname or "").lower(),
        server.port or 443,
    ):
        return result
    host = origin.hostname.lower() + (f":{origin.port}" if origin.port else "")
    key = f"http.https://{host}/.extraheader"
    credentials = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    try:
        count = max(0, int(result.get("GIT_CONFIG_COUNT") or 0))
    except ValueError:
        count = 0
    result.update(
        {
            f"GIT_CONFIG_KEY_{count}": key,
            f"GIT_CONFIG_VALUE_{count}": "",
            f"GIT_CONFIG_KEY_{count + 1}": key,
            f"GIT_CONFIG_VALUE_{count + 1}": f"AUTHORIZATION: basic {credentials}",
            "GIT_CONFIG_COUNT": str(count + 2),
        }
    )
    return result
