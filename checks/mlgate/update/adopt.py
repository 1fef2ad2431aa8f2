"""`mlgate update --adopt`: give a project rendered before .cruft.json existed its record.

An update needs the template commit the project was rendered from and the answers. A project
made before the record existed (or from a wheel, which knew only its release) has neither, so
both are found by matching: the template is rendered as it was at a commit, with answers, and
compared line by line with the project's files; the closest render wins.

- Answers: what the user gives (--answer) wins; then what the project shows of them
  (answers.py: a saved answers file, paths, printed lines); each choice answer not given (a
  list in that commit's cookiecutter.json) is then tried in turn, keeping the value whose
  render is closest. What is left takes the template's default, and the summary says which.
- Commit: `--from REF` when the user knows it. Otherwise every commit of the template's default
  branch that changed what a project is rendered from (the newest 300) is ranked by how many of
  the project's files are byte-identical to the template's file at that commit (read from git's
  blob ids, no rendering: files without Jinja); the best 8 are rendered and the closest wins,
  the newer on a tie (the files that tie did not change between them).

Written here rather than with `cruft link`, which records a commit it is told and cannot
search for one.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CouldNotCheck
from ..io.template_repo import TemplateHistory, cloned, is_remote
from .answers import answer_files, infer, plain_path
from .apply import RECORD, load_record, template_imports

HISTORY_LIMIT = 300
RENDERED_CANDIDATES = 8
MIN_IDENTICAL = 0.25  # below this share of identical files, the project is not from the template
SKIP = ["data", "models", "reports", "logs", "dvc.lock", "uv.lock", "vendor"]  # as the hook's
MACHINE_KEYS = ("_output_dir", "_repo_dir", "_checkout")
IGNORED_FOLDERS = {RECORD, ".git", ".venv", ".dvc", *SKIP}  # at the top of the project
CACHES = {"__pycache__", ".pytest_cache", ".ruff_cache", ".git"}


@dataclass
class Match:
    commit: str
    distance: int  # lines that differ between the render and the project
    identical: int  # files byte-identical
    compared: int


@dataclass
class Adopted:
    template: str
    commit: str
    subject: str
    match: Match
    answers: dict[str, Any]
    assumed: list[str] = field(default_factory=list)  # answers left at the template's default
    inferred: bool = True  # False: the commit was given with --from
    directory: str | None = None  # the template's folder in its repository, as cruft records it
    skip: list[str] = field(default_factory=list)
    checkout: str | None = None  # the branch the project follows, kept from a record


def adopt(
    project: Path,
    template: str | None,
    ref: str | None,
    given: Mapping[str, str],
    *,
    directory: str | None = None,
    force: bool = False,
) -> Adopted:
    record = load_record(project) or {}
    if record.get("commit") and not force:
        raise CouldNotCheck(
            f"{RECORD} already records commit {record['commit']} of {record.get('template')}: "
            "`mlgate update` uses it; --force finds the commit again and replaces the record"
        )
    template = template or record.get("template")
    if not template:
        raise CouldNotCheck("--adopt needs --template URL-or-path: this project names no template")
    if not is_remote(str(template)):
        template = str(Path(str(template)).expanduser().resolve())  # recorded as an absolute path
    directory = directory or record.get("directory")
    mine = [p.relative_to(project).as_posix() for p in compared_files(project)]
    with cloned(str(template), blobs=True) as history, tempfile.TemporaryDirectory() as scratch:
        renderer = Renderer(history, Path(scratch), directory)
        if ref:
            candidates = [history.require(ref, "branch, tag or commit")]
        else:
            head = history.head()
            paths = history.template_paths(head, directory)
            inside = "/".join(filter(None, [(directory or "").strip("/"),
                                            renderer.folder_name(head)]))  # fmt: skip
            candidates = ranked(history, project, history.history(paths, HISTORY_LIMIT),
                                inside, given)  # fmt: skip
        if not candidates:
            raise CouldNotCheck(f"the template {template} has no commit to compare with")
        first = candidates[0]
        folder = renderer.checkout(first) / renderer.folder_name(first)
        context = renderer.defaults(first)
        read = infer(folder, list(compared_files(folder)), project, mine, context)
        answers = {**read, **dict(given)}
        best = closest(renderer, project, candidates, answers)
        if best.identical < MIN_IDENTICAL * best.compared and not force:  # before tuning: cheap
            raise CouldNotCheck(
                f"{project} does not look rendered from {template}: at best {best.identical} of "
                f"{best.compared} template files are identical (commit {best.commit[:12]}); "
                "check --template (and --directory), or --force to record it anyway"
            )
        context = renderer.defaults(best.commit)
        answers = tune_choices(renderer, project, best.commit, answers, context, set(given))
        best = closest(renderer, project, candidates, answers)
        full = renderer.answers(best.commit, answers)
        subject = history.git.check(["log", "-1", "--format=%s", best.commit], "git log failed")
        subject = subject if len(subject) <= 72 else subject[:71] + "…"
        context = renderer.defaults(best.commit)
        folder = renderer.checkout(best.commit) / renderer.folder_name(best.commit)
        records = answer_files(folder, list(compared_files(folder)), full)
    assumed = [k for k, v in context.items() if not k.startswith("_") and k not in answers
               and "{{" not in str(v)]  # fmt: skip
    skip = list(record.get("skip", SKIP if "mlgate_source" in context else []))
    skip += [path for path in records if path not in skip]  # cruft's own answers there differ
    return Adopted(str(template), best.commit, subject, best, full, assumed, ref is None,
                   directory, skip, record.get("checkout"))  # fmt: skip


def write_record(project: Path, adopted: Adopted) -> None:
    context = {k: v for k, v in adopted.answers.items() if k not in MACHINE_KEYS}
    context.update(_template=adopted.template, _commit=adopted.commit)
    record = {"template": adopted.template, "commit": adopted.commit, "checkout": adopted.checkout,
              "context": {"cookiecutter": context}, "directory": adopted.directory,
              "skip": adopted.skip}  # fmt: skip
    (project / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


# --- choice answers, by rendering ------------------------------------------------------------


def tune_choices(renderer: Renderer, project: Path, commit: str, answers: dict[str, Any],
                 context: Mapping[str, Any], given: set[str]) -> dict[str, Any]:  # fmt: skip
    """Each choice answer not given: the value whose render is closest to the project."""
    answers = dict(answers)
    for key, options in context.items():
        if key.startswith("_") or key in given or not isinstance(options, list) or len(options) < 2:
            continue
        scored = []
        for option in options:
            trial = {**answers, key: option}
            match = renderer.compare(project, commit, trial)
            if match is not None:
                scored.append((match.distance, options.index(option), option))
        if scored:
            answers[key] = min(scored)[2]
    return answers


# --- ranking commits without rendering ------------------------------------------------------------


def ranked(history: TemplateHistory, project: Path, commits: list[str], folder: str,
           answers: Mapping[str, Any]) -> list[str]:  # fmt: skip
    """The commits most likely rendered from, best first: most files byte-identical."""
    hashes = project_hashes(project)
    scored = []
    for age, commit in enumerate(commits):
        blobs = history.blobs(commit, folder)
        same = sum(
            1 for path, blob in blobs.items() if hashes.get(plain_path(path, answers)) == blob
        )
        scored.append((-same, age, commit))
    return [commit for _, _, commit in sorted(scored)[:RENDERED_CANDIDATES]]


def project_hashes(project: Path) -> dict[str, str]:
    files = list(compared_files(project))
    if not files:
        return {}
    names = "\n".join(str(p) for p in files) + "\n"
    done = subprocess.run(["git", "hash-object", "--no-filters", "--stdin-paths"], input=names,
                          capture_output=True, text=True, check=False)  # fmt: skip
    ids = done.stdout.split()
    if done.returncode != 0 or len(ids) != len(files):
        return {}
    return {p.relative_to(project).as_posix(): blob for p, blob in zip(files, ids, strict=True)}


def compared_files(root: Path) -> Iterator[Path]:
    """The files a render and a project are compared on: not data, locks, caches or .git."""
    for folder, subfolders, files in os.walk(root):
        if Path(folder) == root:
            subfolders[:] = [d for d in subfolders if d not in IGNORED_FOLDERS]
        subfolders[:] = [d for d in subfolders if d not in CACHES]
        for name in files:
            if Path(folder) != root or name not in IGNORED_FOLDERS:
                yield Path(folder) / name


# --- rendering and comparing ----------------------------------------------------------------------


def closest(renderer: Renderer, project: Path, candidates: list[str],
            answers: Mapping[str, Any]) -> Match:  # fmt: skip
    matches = [m for c in candidates if (m := renderer.compare(project, c, answers))]
    if not matches:
        raise CouldNotCheck(
            "the template could not be rendered with these answers at any candidate commit: "
            "give the answers as key=value (see cookiecutter.json)"
        )
    order = {commit: index for index, commit in enumerate(candidates)}
    return min(matches, key=lambda m: (m.distance, order[m.commit]))


class Renderer:
    """Renders the template at a commit with answers, remembering what it rendered."""

    def __init__(self, history: TemplateHistory, scratch: Path, directory: str | None) -> None:
        self.history = history
        self.scratch = scratch
        self.directory = directory
        self.checkouts: dict[str, Path] = {}
        self.renders: dict[str, Path | None] = {}
        # cookiecutter's replay files and clones stay in the scratch folder, not the user's home
        self.config = {"replay_dir": str(scratch / "replay"),
                       "cookiecutters_dir": str(scratch / "cookiecutters")}  # fmt: skip

    def checkout(self, commit: str) -> Path:
        if commit not in self.checkouts:
            folder = self.history.export(commit, self.scratch / f"t{len(self.checkouts)}")
            self.checkouts[commit] = folder / self.directory if self.directory else folder
        return self.checkouts[commit]

    def folder_name(self, commit: str) -> str:
        return next((p.name for p in self.checkout(commit).iterdir() if p.name.startswith("{{")),
                    "")  # fmt: skip

    def defaults(self, commit: str) -> dict[str, Any]:
        path = self.checkout(commit) / "cookiecutter.json"
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CouldNotCheck(f"the template's cookiecutter.json is unreadable: {exc}") from None
        return loaded if isinstance(loaded, dict) else {}

    def answers(self, commit: str, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Every answer as cookiecutter computes it (defaults and derived values filled in)."""
        from cookiecutter.generate import generate_context
        from cookiecutter.prompt import prompt_for_config

        template = self.checkout(commit)
        with _silenced(), template_imports(template):
            context = generate_context(str(template / "cookiecutter.json"),
                                       extra_context=dict(answers))  # fmt: skip
            return dict(prompt_for_config(context, no_input=True))

    def render(self, commit: str, answers: Mapping[str, Any]) -> Path | None:
        from cookiecutter.main import cookiecutter

        key = json.dumps([commit, dict(answers)], sort_keys=True, default=str)
        if key not in self.renders:
            out = self.scratch / f"r{len(self.renders)}"
            extra = dict(answers)
            try:
                folder = self.checkout(commit)
                with _silenced(), template_imports(folder):  # no hooks: see apply.quiet_cruft
                    made = cookiecutter(str(folder), no_input=True, extra_context=extra,
                                        output_dir=str(out), accept_hooks=False,
                                        default_config=self.config)  # fmt: skip
                self.renders[key] = Path(made)
            except (Exception, SystemExit):  # an old commit that these answers do not fit
                self.renders[key] = None
        return self.renders[key]

    def compare(self, project: Path, commit: str, answers: Mapping[str, Any]) -> Match | None:
        rendered = self.render(commit, answers)
        if rendered is None:
            return None
        distance = identical = compared = 0
        for path in compared_files(rendered):
            mine = project / path.relative_to(rendered)
            theirs = _lines(path)
            compared += 1
            if not mine.is_file():
                distance += len(theirs)
                continue
            ours = _lines(mine)
            if ours == theirs:
                identical += 1
                continue
            matcher = difflib.SequenceMatcher(None, theirs, ours, autojunk=False)
            distance += sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2
                            in matcher.get_opcodes() if tag != "equal")  # fmt: skip
        return Match(commit, distance, identical, compared)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return [path.read_bytes().hex()] if path.is_file() else []


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """Quiet at the file descriptors too: the template's hooks are processes of their own."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(0), os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "r+") as devnull:  # a hook that asks gets no answer, not a hang
            for fd in (0, 1, 2):
                os.dup2(devnull.fileno(), fd)
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                yield
    finally:
        for fd, copy in enumerate(saved):
            os.dup2(copy, fd)
            os.close(copy)
