"""DVC: the pipeline is declared, parameterised, locked, and its data has a remote."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from ..model import Finding, NotApplicable
from ..repo import Repo
from ..yaml_lines import line_of
from .base import Rule
from .pipeline import command, paths, stages_running, upstream


class DVC(Rule):
    family = "dvc"


class DVC101(DVC):
    """dvc.yaml declares the pipeline: stages, each with a command."""

    fix = "Declare the steps as stages in dvc.yaml (`dvc stage add`), each with `cmd:`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        parsed = repo.pipeline
        if not parsed.ok:
            return [Finding(f"dvc.yaml {parsed.problem}", "dvc.yaml")]
        data = parsed.data
        stages = data.get("stages") if isinstance(data, dict) else None
        if not isinstance(stages, dict) or not stages:
            return [Finding("dvc.yaml has no `stages:` mapping", "dvc.yaml", line_of(data))]
        return [
            Finding(f"stage {name!r} has no command", "dvc.yaml", line_of(stages, name))
            for name, stage in stages.items()
            if not isinstance(stage, dict) or not command(stage).strip()
        ]


class DVC102(DVC):
    """The DVC repository names a default remote, so `dvc push` and CI pulls work."""

    fix = "Add one: `dvc remote add --default storage <url>` (a local path needs no account)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        config = repo.dvc_config
        if isinstance(config, str):
            return [Finding(config, ".dvc/config")]
        name = config.get("core", "remote", fallback="").strip()
        if not name:
            return [Finding("no default remote (`[core] remote = ...`)", ".dvc/config")]
        section = f"'remote \"{name}\"'"
        if not config.has_section(section) or not config.get(section, "url", fallback=""):
            return [Finding(f"the default remote {name!r} has no url", ".dvc/config")]
        return []


class DVC103(DVC):
    """The default remote is not inside the repository's own working tree."""

    requires = frozenset({"DVC102"})
    fix = "Point the remote outside the repository (e.g. ~/.dvc-storage/<name>) or to a bucket."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        config = repo.dvc_config
        assert isinstance(config, configparser.ConfigParser)
        name = config.get("core", "remote")
        url = config.get(f"'remote \"{name}\"'", "url")
        if re.match(r"^[a-z][a-z0-9+.-]*://", url) or url.startswith("~"):
            return []
        target = (repo.root / ".dvc" / url).resolve()  # DVC resolves relative to .dvc/
        if target.is_relative_to(repo.root.resolve()):
            return [Finding(f"remote {name!r} is {url!r}, inside the repository", ".dvc/config")]
        return []


class DVC104(DVC):
    """Every parameter a stage names exists in params.yaml."""

    requires = frozenset({"DVC101"})
    fix = "Add the key to params.yaml or remove it from the stage's `params:`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        named = [
            (stage, key) for stage, spec in repo.stages.items() for key in paths(spec.get("params"))
        ]
        if not named:
            raise NotApplicable("no stage names parameters")
        parsed = repo.yaml("params.yaml")
        if not parsed.ok:
            return [Finding(f"params.yaml {parsed.problem}", "params.yaml")]
        findings = []
        for stage, key in named:
            node = parsed.data
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                line = line_of(repo.stages[stage], "params")
                findings.append(
                    Finding(
                        f"stage {stage!r} uses {key!r}, which params.yaml lacks", "dvc.yaml", line
                    )
                )
        return findings


class DVC105(DVC):
    """Training runs only on data that passed validation (the train stage depends on it)."""

    requires = frozenset({"DVC101"})
    fix = (
        "Make a stage upstream of training depend on the validation report "
        "(`mlgate validate ... --output reports/validation.json`), as the template's prepare does."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        trainers = [n for n in repo.stages if n == "train"] or stages_running(repo, r"\btrain\b")
        if not trainers:
            return [Finding("no training stage (named 'train') in dvc.yaml", "dvc.yaml")]
        validators = set(stages_running(repo, r"mlgate validate|great_expectations|\bgx\b"))
        if not validators:
            return [Finding("no stage validates the data (`mlgate validate`)", "dvc.yaml")]
        return [
            Finding(
                f"stage {name!r} does not depend on a validation stage's output",
                "dvc.yaml",
                line_of(repo.pipeline.data.get("stages"), name),
            )
            for name in trainers
            if not validators & upstream(repo, name)
        ]


class DVC106(DVC):
    """dvc.lock, when present, records exactly the stages of dvc.yaml."""

    requires = frozenset({"DVC101"})
    fix = "Run `dvc repro` and commit dvc.lock."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        if not repo.exists("dvc.lock"):
            raise NotApplicable("no dvc.lock yet")
        parsed = repo.yaml("dvc.lock")
        data = parsed.data if parsed.ok else None
        locked = data.get("stages") if isinstance(data, dict) else None
        if not isinstance(locked, dict):
            return [Finding(f"dvc.lock {parsed.problem or 'has no stages'}", "dvc.lock")]
        declared = set(repo.stages)
        findings = []
        if declared - set(locked):
            missing = ", ".join(sorted(declared - set(locked)))
            findings.append(Finding(f"stages never run: {missing} (dvc.lock is stale)", "dvc.lock"))
        if set(locked) - declared:
            gone = ", ".join(sorted(set(locked) - declared))
            findings.append(Finding(f"dvc.lock records removed stages: {gone}", "dvc.lock"))
        return findings


class DVC107(DVC):
    """dvc.lock is committed: .gitignore does not exclude it."""

    fix = "Remove dvc.lock from .gitignore; the lock is how a pull request shows what changed."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        text = repo.read(".gitignore").text or ""
        for number, line in enumerate(text.splitlines(), start=1):
            pattern = line.strip()
            if pattern and not pattern.startswith("#") and Path("dvc.lock").match(pattern):
                return [Finding(f"`{pattern}` ignores dvc.lock", ".gitignore", number)]
        return []
