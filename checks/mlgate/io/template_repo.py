"""A cookiecutter template's git history, read from a clone: what a template update brings.

`mlgate update` lists the template commits an update brings (for the pull request), `--adopt`
looks for the commit a project was rendered from, and `mlgate check` counts the releases a
project is behind. All three read the template's repository the same way: a bare clone into a
temporary folder (without file contents for a remote URL, `--filter=blob:none`, so it is quick),
no prompts, and for a private template on GitHub the token in MLGATE_TEMPLATE_TOKEN as a header
(never in a URL or a command line).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import CouldNotCheck
from .git import Git, token_header_env

TOKEN_VARIABLE = "MLGATE_TEMPLATE_TOKEN"
DEFAULT_SERVER_URL = "https://github.com"
CLONE_TIMEOUT_S = 300
RELEASE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")  # a final release tag, as hatch-vcs reads it


def is_remote(template: str) -> bool:
    return "://" in template or template.startswith("git@") or template.startswith("gh:")


def reachable(template: str, project: Path) -> str:
    """The template as git can reach it: a folder recorded relative is relative to the project
    (where .cruft.json is), whatever folder mlgate runs in; a URL or absolute path as is."""
    if is_remote(template) or Path(template).expanduser().is_absolute():
        return template
    return str((project / template).resolve())


def git_env(template: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for git reaching the template: no prompts, its token if one is set."""
    env = os.environ if env is None else env
    server = env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL
    return token_header_env(template, env.get(TOKEN_VARIABLE, "").strip(), server, env)


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:12]


def release_key(tag: str) -> tuple[int, int, int] | None:
    found = RELEASE.match(tag)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


class TemplateHistory:
    """A bare clone of the template's repository; see the module docstring."""

    def __init__(self, folder: Path, template: str) -> None:
        self.folder = folder
        self.template = template
        token = os.environ.get(TOKEN_VARIABLE, "")
        self.git = Git(folder, purpose="reading the template's history", secrets=[token])

    def resolve(self, ref: str) -> str | None:
        """The commit a branch, tag or (abbreviated) commit names in the template; None if none."""
        if not ref or ref.startswith("-"):
            return None
        found = self.git.run(["rev-parse", "--verify", "--quiet", "--end-of-options",
                              f"{ref}^{{commit}}"])  # fmt: skip
        return found.stdout.strip() if found.returncode == 0 else None

    def require(self, ref: str, what: str) -> str:
        commit = self.resolve(ref)
        if commit is None:
            raise CouldNotCheck(f"the template {self.template} has no {what} {ref!r}")
        return commit

    def head(self) -> str:
        return self.require("HEAD", "default branch")

    def template_paths(self, commit: str, directory: str | None = None) -> list[str]:
        """What renders a project: cookiecutter.json, hooks/ and the `{{ ... }}` folder."""
        prefix = f"{directory.strip('/')}/" if directory else ""
        listed = self.git.check(["ls-tree", "--name-only", commit, *([prefix] if prefix else [])],
                                "git ls-tree failed")  # fmt: skip
        names = [Path(line).name for line in listed.splitlines()]
        kept = [n for n in names if n in ("cookiecutter.json", "hooks") or n.startswith("{{")]
        return [prefix + name for name in kept] or [prefix or "."]

    def commits(self, before: str, after: str, paths: list[str]) -> tuple[list[Commit], int]:
        """(commits in before..after that change the template, newest first; all commits)."""
        span = f"{before}..{after}"
        every = self.git.check(["rev-list", "--count", span], "git rev-list failed")
        listed = self.git.check(["log", "--format=%H%x09%s", span, "--", *paths],
                                "git log failed")  # fmt: skip
        found = [Commit(*line.split("\t", 1)) for line in listed.splitlines() if "\t" in line]
        return found, int(every or 0)

    def history(self, paths: list[str], limit: int) -> list[str]:
        """Commits of the default branch that change the template, newest first."""
        listed = self.git.check(["rev-list", f"--max-count={limit}", "HEAD", "--", *paths],
                                "git rev-list failed")  # fmt: skip
        return listed.splitlines()

    def blobs(self, commit: str, folder: str) -> dict[str, str]:
        """{path inside `folder`: blob id} of every file under it at `commit`."""
        listed = self.git.run(["ls-tree", "-r", "-z", commit, "--", f"{folder}/"])
        blobs = {}
        for entry in listed.stdout.split("\0"):
            meta, _, path = entry.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                blobs[path.removeprefix(f"{folder}/")] = parts[2]
        return blobs

    def export(self, commit: str, target: Path) -> Path:
        """The template's files at `commit` in `target` (to render them)."""
        target.mkdir(parents=True, exist_ok=True)
        archive = target.parent / f"{target.name}.tar"
        self.git.check(["archive", "--format=tar", f"--output={archive}", commit],
                       "git archive failed", timeout=CLONE_TIMEOUT_S)  # fmt: skip
        shutil.unpack_archive(archive, target, filter="data")
        archive.unlink()
        return target

    def releases_not_in(self, commit: str) -> list[str]:
        """Release tags (vX.Y.Z) whose commit `commit` does not contain, newest first."""
        listed = self.git.check(["tag", "--list", "--no-merged", commit], "git tag failed")
        tags = [tag for tag in listed.splitlines() if release_key(tag)]
        return sorted(tags, key=lambda tag: release_key(tag) or (0, 0, 0), reverse=True)

    def releases_behind(self, commit: str, directory: str | None = None) -> list[str]:
        """Release tags `commit` lacks that change what a project is rendered from (a release
        of the template repository's own code brings a project nothing), newest first."""
        behind = []
        for tag in self.releases_not_in(commit):
            paths = self.template_paths(tag, directory)
            changed = self.git.check(["rev-list", "--max-count=1", f"{commit}..{tag}", "--",
                                      *paths], "git rev-list failed")  # fmt: skip
            if changed:
                behind.append(tag)
        return behind


@contextmanager
def cloned(template: str, *, blobs: bool = False) -> Iterator[TemplateHistory]:
    """A bare clone of `template` (a URL or a local path) that is removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="mlgate-template-"))
    try:
        source = template
        if not is_remote(template):
            local = Path(template).expanduser()
            if not local.is_dir():
                raise CouldNotCheck(f"the template {template} is not a folder here")
            source = str(local.resolve())
        options = ["--filter=blob:none"] if is_remote(template) and not blobs else []
        git = Git(None, purpose="reading the template's history",
                  secrets=[os.environ.get(TOKEN_VARIABLE, "")])  # fmt: skip
        done = git.run(["clone", "--bare", "--quiet", *options, "--", source, str(folder / "git")],
                       env=git_env(template), timeout=CLONE_TIMEOUT_S)  # fmt: skip
        if done.returncode != 0:
            hint = f" (a private template needs a token in {TOKEN_VARIABLE})"
            said = f"{git.tail(done, 3)}{hint if is_remote(template) else ''}"
            raise CouldNotCheck(f"cannot read the template {git.scrub(template)}: {said}")
        yield TemplateHistory(folder / "git", template)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
