"""SEC: owners review the policy, workflows and deploys; dependencies update; no keys in git."""

from __future__ import annotations

import fnmatch
import re

from ..adoption import CODEOWNERS_PLACES
from ..files import MAX_FILES
from ..ignores import read_ignores
from ..manifests import deployables
from ..model import Finding, NotRun
from ..repo import Repo
from ..yaml_lines import line_of
from .base import Rule
from .docker import is_service_image

# A key is its header *and* its body: a header alone is a string in a parser, a test or docs.
SECRET_PATTERNS = {
    "a private key": re.compile(
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----[ \t]*\r?\n"
        r"(?:[A-Za-z0-9+/=:, -]*\r?\n)*?[A-Za-z0-9+/=]{40,}\r?\n"
    ),
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "a GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{50,})"),
    "a Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
}
QUICK = re.compile(r"PRIVATE KEY-----|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-")
NOT_TEXT = {
    "png",
    "jpg",
    "jpeg",
    "gif",
    "ico",
    "pdf",
    "zip",
    "gz",
    "parquet",
    "pkl",
    "joblib",
    "pt",
    "onnx",
    "whl",
    "so",
    "woff",
    "woff2",
    "ttf",
    "svg",
    "lock",
}


class SEC(Rule):
    family = "sec"


def codeowners(repo: Repo) -> tuple[str, list[tuple[int, str, list[str]]]] | None:
    for place in CODEOWNERS_PLACES:
        text = repo.read(place).text
        if text is not None:
            rules = []
            for number, line in enumerate(text.splitlines(), start=1):
                words = line.split("#")[0].split()
                if words:
                    rules.append((number, words[0], words[1:]))
            return place, rules
    return None


def owners_of(rules: list[tuple[int, str, list[str]]], path: str) -> list[str] | None:
    """Owners of a path by CODEOWNERS' rule: the last matching pattern wins."""
    result = None
    for _, pattern, owners in rules:
        if _matches(pattern, path):
            result = owners
    return result


def _matches(pattern: str, path: str) -> bool:
    """gitignore-style: `/x` anchors, `x/` is a directory, a name alone matches at any depth."""
    core = pattern.strip("/")
    if core in ("", "*", "**"):
        return True
    anchored = pattern.startswith("/") or "/" in core
    for candidate in [path] if anchored else [path, *_suffixes(path)]:
        if not pattern.endswith("/") and fnmatch.fnmatch(candidate, core):
            return True
        if fnmatch.fnmatch(candidate, core + "/*"):
            return True
    return False


def _suffixes(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[i:]) for i in range(1, len(parts))]


class SEC101(SEC):
    """CODEOWNERS assigns owners to mlgate.yaml, .github/ and the deploy manifests."""

    part = "owners"
    fix = "Add to .github/CODEOWNERS: `/mlgate.yaml @team`, `/.github/ @team`, `/deploy/ @team`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = codeowners(repo)
        if found is None:
            return [Finding("no CODEOWNERS file", ".github/CODEOWNERS")]
        place, rules = found
        targets: dict[str, str] = {}
        if repo.exists("mlgate.yaml"):
            targets["mlgate.yaml"] = "mlgate.yaml"
        if repo.workflow_files:
            targets[".github/"] = repo.workflow_files[0]
        for kustomization in deployables(repo).leaves:
            targets[kustomization.rsplit("/", 1)[0] + "/"] = kustomization
        return [
            Finding(f"nobody owns {shown}", place, 1)
            for shown, path in targets.items()
            if not owners_of(rules, path)
        ]


class SEC102(SEC):
    """mlgate.yaml's `check:` is valid: each `ignore` names a rule, says why, waives something."""

    requires = frozenset({"GATE101"})
    fix = (
        "Write each ignore as `{rule: CODE, reason: why this repository differs}`; delete one "
        "that waives nothing (the runner names it once every rule has run)."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [Finding(problem, "mlgate.yaml", line) for problem, line in read_ignores(repo)[1]]


PYTHON_ECOSYSTEMS = {"pip", "uv", "poetry", "pipenv", "conda"}
PYTHON_FILES = ("pyproject.toml", "requirements.txt", "setup.py", "setup.cfg", "Pipfile", "uv.lock")


class SEC103(SEC):
    """Dependabot (or Renovate) updates the Actions, Python and Docker dependencies in use."""

    part = "updates"
    fix = "Add the missing ecosystems to .github/dependabot.yml: github-actions, pip or uv, docker."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        places = (".github/dependabot.yml", ".github/dependabot.yaml")
        place = next((p for p in places if repo.exists(p)), None)
        if place is None:
            return []  # Renovate: its presets cover every manager it finds
        parsed = repo.yaml(place)
        if not parsed.ok:
            return [Finding(f"{place} {parsed.problem}", place, parsed.line)]
        updates = parsed.data.get("updates") if isinstance(parsed.data, dict) else None
        entries = updates if isinstance(updates, list) else []
        found = {str(u.get("package-ecosystem")) for u in entries if isinstance(u, dict)}
        wanted = []
        if repo.workflow_files or repo.actions:
            wanted.append(("github-actions", {"github-actions"}))
        if any(repo.exists(name) for name in PYTHON_FILES):
            wanted.append(("pip (or uv)", PYTHON_ECOSYSTEMS))
        if any("/" not in path or is_service_image(repo, path) for path in repo.dockerfiles):
            wanted.append(("docker", {"docker"}))
        missing = [name for name, accepted in wanted if not found & accepted]
        line = line_of(parsed.data, "updates") if isinstance(parsed.data, dict) else 1
        return [Finding(f"no updates for {', '.join(missing)}", place, line)] if missing else []


class SEC104(SEC):
    """No private keys or access tokens are committed."""

    fix = "Remove the secret from history, rotate it, and pass it as a GitHub secret instead."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        if not repo.tree.complete:
            raise NotRun(f"the tree holds more than {MAX_FILES:,} files: a scan would miss some")
        findings = []
        for path in repo.files:
            if path.rsplit(".", 1)[-1].lower() in NOT_TEXT:
                continue
            text = repo.read(path, keep=False).text  # read once: not kept for other rules
            if text is None or not QUICK.search(text):
                continue
            for what, pattern in SECRET_PATTERNS.items():
                for match in pattern.finditer(text):
                    if what == "an AWS access key id" and match.group(0).endswith("EXAMPLE"):
                        continue  # AWS's documentation key, AKIAIOSFODNN7EXAMPLE
                    line = text.count("\n", 0, match.start()) + 1
                    findings.append(Finding(f"holds {what}", path, line))
                    break
        return findings
