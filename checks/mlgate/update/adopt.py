"""`mlgate update --adopt`: give a project rendered before .cruft.json existed its record.

An update needs the template commit the project was rendered from and the answers. A project
made before the record existed (or from a wheel, which knew only its release) has neither, so
both are found by matching: the template is rendered as it was at a commit, with answers, and
compared line by line with the project's files; the closest render wins.

- Answers: what the user gives (key=value) wins; then what the project says about itself in
  pyproject.toml (name, description, author, Python version, package folder); each choice
  answer (a list in cookiecutter.json) is then tried in turn, keeping the value whose render is
  closest. What is left takes the template's default, and the summary says which those are.
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
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CouldNotCheck
from ..io.template_repo import TemplateHistory, cloned
from .apply import QUIET, RECORD

HISTORY_LIMIT = 300
RENDERED_CANDIDATES = 8
SKIP = ["data", "models", "reports", "logs", "dvc.lock", "uv.lock", "vendor"]  # as the hook's
MACHINE_KEYS = ("_output_dir", "_repo_dir", "_checkout")
IGNORED_FOLDERS = {RECORD, ".git", ".venv", ".dvc", *SKIP}  # at the top of the project
CACHES = {"__pycache__", ".pytest_cache", ".ruff_cache", ".git"}
VARIABLE = re.compile(r"\{\{\s*cookiecutter\.(\w+)\s*\}\}")


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


def adopt(
    project: Path, template: str | None, ref: str | None, given: Mapping[str, str]
) -> Adopted:
    record = existing_record(project)
    template = template or (record or {}).get("template")
    if not template:
        raise CouldNotCheck("--adopt needs --template URL-or-path: this project names no template")
    directory = (record or {}).get("directory")
    with cloned(str(template), blobs=True) as history, tempfile.TemporaryDirectory() as scratch:
        renderer = Renderer(history, Path(scratch), directory)
        head = history.head()
        context = renderer.defaults(head)
        answers = {**known_answers(project, context), **dict(given)}
        if ref:
            candidates = [history.require(ref, "branch, tag or commit")]
        else:
            paths = history.template_paths(head, directory)
            candidates = ranked(history, project, history.history(paths, HISTORY_LIMIT),
                                renderer.folder_name(head), answers)  # fmt: skip
        if not candidates:
            raise CouldNotCheck(f"the template {template} has no commit to compare with")
        folder = renderer.checkout(candidates[0]) / renderer.folder_name(candidates[0])
        answers = {**read_back(folder, project, answers, context), **answers}
        best = closest(renderer, project, candidates, answers)
        answers = tune_choices(renderer, project, best.commit, answers, context, set(given))
        if len(candidates) > 1:
            best = closest(renderer, project, candidates, answers)
        full = renderer.answers(best.commit, answers)
        subject = history.git.check(["log", "-1", "--format=%s", best.commit], "git log failed")
        subject = subject if len(subject) <= 72 else subject[:71] + "…"
    assumed = [k for k, v in context.items()
               if not k.startswith("_") and k not in answers and "{{" not in str(v)]  # fmt: skip
    return Adopted(str(template), best.commit, subject, best, full, assumed, ref is None)


def existing_record(project: Path) -> dict | None:
    path = project / RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CouldNotCheck(f"{path} is not JSON: {exc}") from None
    return record if isinstance(record, dict) else None


def write_record(project: Path, adopted: Adopted) -> None:
    context = {k: v for k, v in adopted.answers.items() if k not in MACHINE_KEYS}
    context.update(_template=adopted.template, _commit=adopted.commit)
    record = {"template": adopted.template, "commit": adopted.commit, "checkout": None,
              "context": {"cookiecutter": context}, "directory": None, "skip": SKIP}  # fmt: skip
    (project / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


# --- answers the project states about itself ----------------------------------------------------


def known_answers(project: Path, context: Mapping[str, Any]) -> dict[str, str]:
    """Answers read from pyproject.toml and src/, for the template's variables of those names."""
    found: dict[str, str] = {}
    try:
        meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    about = meta.get("project") if isinstance(meta.get("project"), dict) else {}
    if isinstance(about.get("name"), str):
        found["project_slug"] = about["name"]
    if isinstance(about.get("description"), str):
        found["description"] = about["description"]
    authors = about.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        for key, answer in (("name", "author_name"), ("email", "author_email")):
            if isinstance(authors[0].get(key), str):
                found[answer] = authors[0][key]
    for dependency in about.get("dependencies") or []:
        source = _mlgate_source(str(dependency))
        if source:
            found["mlgate_source"] = source
    version = re.search(r"(\d+\.\d+)", str(about.get("requires-python", "")))
    if version:
        found["python_version"] = version[1]
    packages = [p.parent.name for p in (project / "src").glob("*/__init__.py")]
    if len(packages) == 1:
        found["module_name"] = packages[0]
    return {k: v for k, v in found.items() if k in context}


def _mlgate_source(dependency: str) -> str | None:
    """The mlgate template's `mlgate_source` answer, read back from the dependency it wrote."""
    name, _, url = dependency.partition(" @ ")
    if not re.match(r"^mlgate(\[[^\]]*\])?", name.strip()):
        return None
    return url.strip() if url.strip() else "pypi"


EXPRESSION = re.compile(r"\{\{\s*cookiecutter\.(\w+)\s*(\|[^}]*)?\}\}")


def read_back(folder: Path, project: Path, answers: Mapping[str, Any],
              context: Mapping[str, Any]) -> dict[str, str]:  # fmt: skip
    """Text answers read back from the project's lines where the template printed them.

    A template line such as `# {{ cookiecutter.project_name }}` becomes a pattern (`# (.+)`)
    tried on the project's lines that stand where it stands (lines aligned with difflib);
    each answer takes the value most lines agree on. Only answers whose default is plain
    text, not yet known, and printed without a filter are read back."""
    wanted = {k for k, v in context.items() if isinstance(v, str) and "{{" not in v
              and not k.startswith("_") and k not in answers}  # fmt: skip
    votes: dict[str, Counter[str]] = {key: Counter() for key in wanted}
    if not wanted or not folder.is_dir():
        return {}
    for template_file in compared_files(folder):
        theirs = _lines(template_file)
        if not any("cookiecutter." in line for line in theirs):
            continue
        mine = project / _plain(template_file.relative_to(folder).as_posix(), answers)
        if not mine.is_file():
            continue
        ours = _lines(mine)
        matcher = difflib.SequenceMatcher(None, theirs, ours, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "replace":
                continue
            for line in theirs[i1:i2]:
                pattern = _line_pattern(line, answers, wanted)
                if pattern is None:
                    continue
                found = next((m for m in map(pattern.fullmatch, ours[j1:j2]) if m), None)
                for key, value in (found.groupdict() if found else {}).items():
                    if value.strip():
                        votes[key][value] += 1
    return {key: counted.most_common(1)[0][0] for key, counted in votes.items() if counted}


def _line_pattern(line: str, answers: Mapping[str, Any], wanted: set[str]) -> re.Pattern | None:
    if "{%" in line or not EXPRESSION.search(line):
        return None
    parts, named, position = [], set(), 0
    for match in EXPRESSION.finditer(line):
        parts.append(re.escape(line[position : match.start()]))
        key, filtered = match[1], bool(match[2])
        if key in answers and not filtered:
            parts.append(re.escape(str(answers[key])))
        elif key in wanted and not filtered and key not in named:
            parts.append(f"(?P<{key}>.+?)")
            named.add(key)
        elif key in named and not filtered:
            parts.append(f"(?P={key})")
        else:
            parts.append(".+?")
        position = match.end()
    parts.append(re.escape(line[position:]))
    literal = "".join(re.sub(EXPRESSION, "", line).split())
    if not named or len(literal) < 1:
        return None  # a line that is nothing but the answer would match any line
    return re.compile("".join(parts))


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
        same = sum(1 for path, blob in blobs.items() if hashes.get(_plain(path, answers)) == blob)
        scored.append((-same, age, commit))
    return [commit for _, _, commit in sorted(scored)[:RENDERED_CANDIDATES]]


def _plain(path: str, answers: Mapping[str, Any]) -> str:
    return VARIABLE.sub(lambda m: str(answers.get(m[1], m[0])), path)


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
        with _silenced():
            context = generate_context(str(template / "cookiecutter.json"),
                                       extra_context=dict(answers))  # fmt: skip
            return dict(prompt_for_config(context, no_input=True))

    def render(self, commit: str, answers: Mapping[str, Any]) -> Path | None:
        from cookiecutter.main import cookiecutter

        key = json.dumps([commit, dict(answers)], sort_keys=True, default=str)
        if key not in self.renders:
            out = self.scratch / f"r{len(self.renders)}"
            extra = {**dict(answers), "git_init": "no"}
            try:
                with _silenced(), _quiet_hooks():
                    made = cookiecutter(str(self.checkout(commit)), no_input=True,
                                        extra_context=extra, output_dir=str(out))  # fmt: skip
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
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            os.dup2(devnull.fileno(), 2)
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


@contextlib.contextmanager
def _quiet_hooks() -> Iterator[None]:
    saved = os.environ.get(QUIET)
    os.environ[QUIET] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(QUIET, None)
        else:
            os.environ[QUIET] = saved
