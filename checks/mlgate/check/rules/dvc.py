"""DVC: the pipeline is declared, parameterised, locked, and its data has a remote."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from ..model import Finding, NotApplicable
from ..pipeline import command, params, stages_line, stages_running, upstream
from ..repo import Repo
from ..yaml_lines import line_of
from .base import Rule


class DVC(Rule):
    family = "dvc"
    part = "dvc"


class DVC101(DVC):
    """dvc.yaml declares the pipeline: stages, each with a command."""

    fix = "Declare the steps as stages in dvc.yaml (`dvc stage add`), each with `cmd:`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        parsed = repo.pipeline
        if not parsed.ok and not parsed.exists and repo.is_dir(".dvc"):
            raise NotApplicable("DVC versions data here; there is no dvc.yaml pipeline")
        if not parsed.ok:
            return [Finding(f"dvc.yaml {parsed.problem}", "dvc.yaml", parsed.line)]
        data = parsed.data
        stages = data.get("stages") if isinstance(data, dict) else None
        if not isinstance(stages, dict) or not stages:
            return [Finding("dvc.yaml has no `stages:` mapping", "dvc.yaml", line_of(data))]
        return [
            Finding(f"stage {name!r} has no command", "dvc.yaml", line_of(stages, name))
            for name in stages
            if not command(repo.stages.get(str(name), {})).strip()
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
    """Every parameter a stage names exists in its parameters file."""

    requires = frozenset({"DVC101"})
    fix = "Add the key to the parameters file or remove it from the stage's `params:`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        named = [
            (stage, file, key)
            for stage, spec in repo.stages.items()
            for file, key in params(spec)
            if "${" not in file and (key is None or "${" not in key)
        ]
        if not named:
            raise NotApplicable("no stage names parameters")
        findings = []
        stages = repo.pipeline.data.get("stages")
        for stage, file, key in named:
            line = line_of(stages.get(stage), "params") or line_of(stages, stage)
            if not repo.exists(file):
                findings.append(Finding(f"stage {stage!r} reads {file}, which does not exist",
                                        "dvc.yaml", line))  # fmt: skip
                continue
            if key is None or not file.endswith((".yaml", ".yml", ".json")):
                continue  # a whole file, or TOML / Python parameters: present is what we know
            parsed = repo.yaml(file)
            if not parsed.ok:
                findings.append(Finding(f"{file} {parsed.problem}", file, parsed.line))
                continue
            node = parsed.data
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                findings.append(
                    Finding(f"stage {stage!r} uses {key!r}, which {file} lacks", "dvc.yaml", line)
                )
        return findings


class DVC105(DVC):
    """Training runs only on data that passed validation (the train stage depends on it)."""

    part = "gx"  # a data-test rule that reads the pipeline: judged once data tests are adopted
    requires = frozenset({"DVC101"})
    fix = (
        "Make a stage upstream of training depend on the validation report "
        "(`mlgate validate ... --output reports/validation.json`), as the template's prepare does."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        trainers = [n for n in repo.stages if n == "train"] or stages_running(repo, r"\btrain\b")
        if not trainers:
            return [
                Finding(
                    "no training stage (named 'train') in dvc.yaml", "dvc.yaml", stages_line(repo)
                )
            ]
        validators = set(stages_running(repo, r"mlgate validate|great_expectations|\bgx\b"))
        if not validators:
            return [
                Finding(
                    "no stage validates the data (`mlgate validate`)", "dvc.yaml", stages_line(repo)
                )
            ]
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
        # foreach and matrix stages are locked once per item: `name@item`
        locked_stages = {str(name).split("@", 1)[0] for name in locked}
        declared = set(repo.stages)
        findings = []
        if declared - locked_stages:
            missing = ", ".join(sorted(declared - locked_stages))
            findings.append(
                Finding(f"stages never run: {missing} (dvc.lock is stale)", "dvc.lock", 1)
            )
        gone = sorted(locked_stages - declared)
        if gone:
            first = next(n for n in locked if str(n).split("@", 1)[0] == gone[0])
            findings.append(Finding(f"dvc.lock records removed stages: {', '.join(gone)}",
                                    "dvc.lock", line_of(locked, first)))  # fmt: skip
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
