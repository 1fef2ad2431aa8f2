"""The repository as rules see it: files read safely, parsed once, problems kept as values.

Every read is bounded (size, UTF-8, no following symlinks out of the tree or round in
loops), and every parse returns either the data or a sentence saying why not, so a strange
repository gives findings, never a traceback.

Its size (~400 lines) is the one place every file access of the checker goes through, which is
what keeps the bounds above true.
"""

from __future__ import annotations

import configparser
import functools
import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml

from . import yaml_lines
from .files import Tree, walk

T = TypeVar("T")

MAX_BYTES = 1 << 20  # config files; anything bigger is not a config file anyone reviews


@dataclass(frozen=True)
class Text:
    """A file's text, or why it could not be read (`text` is None then)."""

    path: str
    text: str | None
    problem: str = ""

    @property
    def exists(self) -> bool:
        return self.problem != "does not exist"


@dataclass(frozen=True)
class Parsed:
    """A YAML document with line numbers, or why it could not be parsed."""

    path: str
    data: Any
    problem: str = ""
    text: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def line(self) -> int | None:
        """Where the YAML stops being YAML (for the finding's line), or the first line."""
        return yaml_lines.problem_line(self.problem) or (1 if self.problem else None)

    @property
    def exists(self) -> bool:
        return self.problem != "does not exist"


DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")
# What a repository does not ship: its tests (kustomize's testdata, zizmor's deliberately broken
# actions, e2e images and overlays), examples and samples, docs and benchmarks. Their
# Dockerfiles, manifests and actions are inputs to tests or illustrations, held to no
# deployment standard. Calibrated on real repositories (bench/real_repos.md).
NOT_SHIPPED = {
    "test", "tests", "testing", "e2e", "testdata", "test-data", "test_data", "fixtures",
    "__fixtures__", "__snapshots__", "examples", "example", "samples", "sample", "docs", "doc",
}  # fmt: skip
NOT_SHIPPED_PREFIXES = ("testdata", "test-", "test_", "e2e-", "e2e_")


def is_fixture(path: str) -> bool:
    """Under a folder of tests, examples, samples, docs or benchmarks (see NOT_SHIPPED)."""
    return any(
        part in NOT_SHIPPED or part.startswith(NOT_SHIPPED_PREFIXES) or "benchmark" in part.lower()
        for part in path.split("/")[:-1]
    )


ACTION_NAMES = ("action.yml", "action.yaml")


class Repo:
    """Cached, failure-tolerant views of one repository root.

    `require` holds the parts `--require` names on the command line (mlgate.yaml's
    `check.require` is read from the repository itself).
    """

    def __init__(self, root: Path, require: tuple[str, ...] = ()) -> None:
        self.root = root
        self.require = require
        self._parsed: dict[tuple[str, bool], Parsed] = {}
        self._texts: dict[str, Text] = {}
        self.memo: dict[Hashable, object] = {}  # analyses several rules share

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per repository: the analyses several rules (and adoption) ask."""
        if key not in self.memo:
            self.memo[key] = compute()
        return cast(T, self.memo[key])

    def __eq__(self, other: object) -> bool:  # repo-review compares fixtures between checks
        return isinstance(other, Repo) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    # --- files ---------------------------------------------------------------------------

    def read(self, relative: str, *, keep: bool = True) -> Text:
        """The file's text; kept for the other rules unless `keep` is false (a scan of every
        file must not hold the whole tree in memory)."""
        if relative in self._texts:
            return self._texts[relative]
        text = self._read_now(relative)
        if keep:
            self._texts[relative] = text
        return text

    def _read_now(self, relative: str) -> Text:
        path = self.root / relative
        try:
            resolved = path.resolve(strict=True)
        except FileNotFoundError:
            return Text(relative, None, "does not exist")
        except (OSError, RuntimeError) as exc:  # symlink loop, permission
            return Text(relative, None, f"cannot be read ({_reason(exc)})")
        if not resolved.is_relative_to(self.root.resolve()):
            return Text(relative, None, "is a link out of the repository")
        if not resolved.is_file():
            return Text(relative, None, "is not a file")
        try:
            size = resolved.stat().st_size
            if size > MAX_BYTES:
                return Text(relative, None, f"is too large to check ({size / 1e6:.1f} MB)")
            data = resolved.read_bytes()
        except OSError as exc:
            return Text(relative, None, f"cannot be read ({_reason(exc)})")
        if b"\0" in data[:8192]:
            return Text(relative, None, "is a binary file")
        try:
            return Text(relative, data.decode("utf-8"))
        except UnicodeDecodeError:
            return Text(relative, None, "is not UTF-8 text")

    def exists(self, relative: str) -> bool:
        return os.path.lexists(self.root / relative)

    def is_dir(self, relative: str) -> bool:
        try:
            return (self.root / relative).is_dir()
        except OSError:
            return False

    def listdir(self, relative: str) -> list[str]:
        """Names in a directory (sorted), empty when it is not one."""
        try:
            return sorted(entry.name for entry in os.scandir(self.root / relative))
        except OSError:
            return []

    def yaml(self, relative: str) -> Parsed:
        """One YAML document (parsed once per Repo)."""
        return self._parse(relative, every_document=False)

    def yaml_documents(self, relative: str) -> Parsed:
        """Every document of a multi-document YAML file, as a list."""
        return self._parse(relative, every_document=True)

    def _parse(self, relative: str, *, every_document: bool) -> Parsed:
        key = (relative, every_document)
        if key not in self._parsed:
            self._parsed[key] = self._parse_now(relative, every_document)
        return self._parsed[key]

    def _parse_now(self, relative: str, every_document: bool) -> Parsed:
        text = self.read(relative)
        if text.text is None:
            return Parsed(relative, None, text.problem)
        load = yaml_lines.load_all if every_document else yaml_lines.load
        try:
            return Parsed(relative, load(text.text), text=text.text)
        except yaml.YAMLError as exc:
            return Parsed(relative, None, f"is not valid YAML: {yaml_lines.problem(exc)}")
        except RecursionError:
            return Parsed(relative, None, "is nested too deeply to read")

    # --- the tree --------------------------------------------------------------------------

    @functools.cached_property
    def tree(self) -> Tree:
        return walk(self.root)

    @property
    def files(self) -> tuple[str, ...]:
        return self.tree.files

    @functools.cached_property
    def dockerfiles(self) -> list[str]:
        """Dockerfile, Containerfile, Dockerfile.<x>, <x>.Dockerfile / .dockerfile, anywhere."""
        return [
            path
            for path in self.files
            if is_dockerfile(path.rsplit("/", 1)[-1]) and not is_fixture(path)
        ]

    @functools.cached_property
    def action_files(self) -> list[str]:
        """action.yml / action.yaml anywhere the repository ships (any kind of action)."""
        return [
            path
            for path in self.files
            if path.rsplit("/", 1)[-1] in ACTION_NAMES and not is_fixture(path)
        ]

    @functools.cached_property
    def actions(self) -> list[Workflow]:
        """Composite actions (action.yml anywhere), as a workflow with one job of their steps."""
        found = []
        for path in self.action_files:
            parsed = self.yaml(path)
            runs = parsed.data.get("runs") if parsed.ok and isinstance(parsed.data, dict) else None
            if isinstance(runs, dict) and str(runs.get("using", "")).lower() == "composite":
                found.append(Workflow(path, parsed.data, action=True))
        return found

    def action_at(self, uses: str) -> Workflow | None:
        """The composite action a local `uses: ./path` names."""
        folder = uses.removeprefix("./").strip("/")
        for name in ACTION_NAMES:
            path = f"{folder}/{name}" if folder else name
            for action in self.actions:
                if action.path == path:
                    return action
        return None

    def workflow_at(self, uses: str) -> Workflow | None:
        """The reusable workflow a local job-level `uses: ./.github/workflows/x.yml` names."""
        path = uses.removeprefix("./").split("@")[0]
        return next((w for w in self.workflows if w.path == path), None)

    # --- views rules share -----------------------------------------------------------------

    @functools.cached_property
    def workflow_files(self) -> list[str]:
        folder = ".github/workflows"
        return [
            f"{folder}/{name}" for name in self.listdir(folder) if name.endswith((".yml", ".yaml"))
        ]

    @functools.cached_property
    def workflows(self) -> list[Workflow]:
        """Workflows that parse as a mapping with jobs; the rest are GHA101's findings."""
        result = []
        for path in self.workflow_files:
            parsed = self.yaml(path)
            if parsed.ok and isinstance(parsed.data, dict):
                result.append(Workflow(path, parsed.data))
        return result

    @functools.cached_property
    def pipeline(self) -> Parsed:
        return self.yaml("dvc.yaml")

    @functools.cached_property
    def stages(self) -> dict[str, dict[str, Any]]:
        """dvc.yaml's stages that are mappings (empty when the pipeline cannot be read).

        A `foreach` stage is read as its `do:` body (cmd, deps, outs... with `${item}` left in);
        a `matrix` stage already has them at its top.
        """
        data = self.pipeline.data
        stages = data.get("stages") if isinstance(data, dict) else None
        if not isinstance(stages, dict):
            return {}
        return {
            str(name): stage["do"]
            if "foreach" in stage and isinstance(stage.get("do"), dict)
            else stage
            for name, stage in stages.items()
            if isinstance(stage, dict)
        }

    @functools.cached_property
    def policy(self) -> Parsed:
        return self.yaml("mlgate.yaml")

    def policy_section(self, name: str) -> dict[str, Any]:
        data = self.policy.data
        section = data.get(name) if isinstance(data, dict) else None
        return section if isinstance(section, dict) else {}

    @functools.cached_property
    def dvc_config(self) -> configparser.ConfigParser | str:
        text = self.read(".dvc/config")
        if text.text is None:
            return f".dvc/config {text.problem}"
        config = configparser.ConfigParser(interpolation=None)
        try:
            config.read_string(text.text)
        except configparser.Error as exc:
            return f".dvc/config is not valid: {str(exc).splitlines()[0]}"
        return config


def is_dockerfile(name: str) -> bool:
    lowered = name.lower()
    return (
        name in DOCKERFILE_NAMES
        or lowered.startswith(("dockerfile.", "containerfile."))
        or lowered.endswith((".dockerfile", ".containerfile"))
    )


class Workflow:
    """One parsed workflow, with the shapes GitHub allows normalised.

    A composite action (`action=True`) is read as a workflow with one job, "(steps)", holding
    `runs.steps`: the rules that audit steps audit both the same way.
    """

    ACTION_JOB = "(steps)"

    def __init__(self, path: str, data: dict[Any, Any], *, action: bool = False) -> None:
        self.path = path
        self.data = data
        self.action = action

    @property
    def triggers(self) -> dict[str, Any]:
        """`on:` as a mapping (YAML 1.1 reads a bare `on` key as True)."""
        raw = self.data.get("on", self.data.get(True))
        if isinstance(raw, str):
            return {raw: None}
        if isinstance(raw, list):
            return {str(item): None for item in raw if isinstance(item, str | int | float)}
        if isinstance(raw, dict):
            return {str(k): v for k, v in raw.items()}
        return {}

    @property
    def on_line(self) -> int | None:
        """The line of `on:` (the key YAML 1.1 reads as True)."""
        return yaml_lines.line_of(self.data, "on") or yaml_lines.line_of(self.data, True)

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        if self.action:
            runs = self.data.get("runs")
            return {self.ACTION_JOB: runs} if isinstance(runs, dict) else {}
        jobs = self.data.get("jobs")
        if not isinstance(jobs, dict):
            return {}
        return {str(k): v for k, v in jobs.items() if isinstance(v, dict)}

    def steps(self, job: dict[str, Any]) -> list[dict[str, Any]]:
        steps = job.get("steps")
        if not isinstance(steps, list):
            return []
        return [s for s in steps if isinstance(s, dict)]

    def all_steps(self) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        return [(name, job, step) for name, job in self.jobs.items() for step in self.steps(job)]

    def line(self, container: Any, key: Any = None) -> int | None:
        return yaml_lines.line_of(container, key)


def run_text(step: dict[str, Any]) -> str:
    run = step.get("run")
    return run if isinstance(run, str) else ""


def uses_text(step: dict[str, Any]) -> str:
    uses = step.get("uses")
    return uses.strip() if isinstance(uses, str) else ""


def action_name(step: dict[str, Any]) -> str:
    """The action a step uses, without its ref, lower case (`actions/checkout`); "" for a
    `run:` step."""
    return uses_text(step).split("@")[0].lower()


def is_checkout(step: dict[str, Any]) -> bool:
    return action_name(step) == "actions/checkout"


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__
