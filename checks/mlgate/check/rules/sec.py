"""SEC: owners review the policy, workflows and deploys; dependencies update; no keys in git."""

from __future__ import annotations

import fnmatch
import os
import re

from ..model import Finding
from ..repo import Repo
from .base import Rule

CODEOWNERS_PLACES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
SECRET_PATTERNS = {
    "a private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY-----"),
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "a GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{50,})"),
    "a Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
}
SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    ".dvc",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "data",
    "models",
}
RENOVATE = ("renovate.json", "renovate.json5", ".github/renovate.json")
SCAN_LIMIT = 5000  # files; a repository with more is scanned in part, and says so


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
    """CODEOWNERS assigns owners to mlgate.yaml, .github/ and deploy/."""

    fix = "Add to .github/CODEOWNERS: `/mlgate.yaml @team`, `/.github/ @team`, `/deploy/ @team`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = codeowners(repo)
        if found is None:
            return [Finding("no CODEOWNERS file", ".github/CODEOWNERS")]
        place, rules = found
        targets = {"mlgate.yaml": "mlgate.yaml", ".github/": ".github/workflows/ci.yml"}
        if repo.is_dir("deploy"):
            targets["deploy/"] = "deploy/overlays/production/kustomization.yaml"
        return [
            Finding(f"nobody owns {shown}", place)
            for shown, path in targets.items()
            if not owners_of(rules, path)
        ]


class SEC102(SEC):
    """Every `check.ignore` entry in mlgate.yaml names a rule and gives a reason."""

    requires = frozenset({"GATE101"})
    fix = "Write each ignore as `{rule: CODE, reason: why this repository differs}`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        from ..ignores import read_ignores

        return [Finding(problem, "mlgate.yaml", line) for problem, line in read_ignores(repo)[1]]


class SEC103(SEC):
    """Dependabot (or Renovate) updates GitHub Actions, pip and Docker dependencies."""

    fix = "Add .github/dependabot.yml with github-actions, pip and docker ecosystems."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        if any(
            repo.exists(p) for p in ("renovate.json", ".github/renovate.json", "renovate.json5")
        ):
            return []
        place = ".github/dependabot.yml"
        parsed = repo.yaml(place)
        if not parsed.ok and repo.exists(".github/dependabot.yaml"):
            place, parsed = ".github/dependabot.yaml", repo.yaml(".github/dependabot.yaml")
        if not parsed.ok:
            return [Finding(f"{place} {parsed.problem}", place)]
        updates = parsed.data.get("updates") if isinstance(parsed.data, dict) else None
        found = {u.get("package-ecosystem") for u in updates or [] if isinstance(u, dict)}
        wanted = ["github-actions", "pip"] + (["docker"] if repo.exists("Dockerfile") else [])
        missing = [w for w in wanted if w not in found]
        return [Finding(f"no updates for {', '.join(missing)}", place)] if missing else []


class SEC104(SEC):
    """No private keys or access tokens are committed."""

    fix = "Remove the secret from history, rotate it, and pass it as a GitHub secret instead."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for path in _text_files(repo):
            text = repo.read(path).text
            if text is None:
                continue
            for what, pattern in SECRET_PATTERNS.items():
                match = pattern.search(text)
                if match:
                    line = text.count("\n", 0, match.start()) + 1
                    findings.append(Finding(f"holds {what}", path, line))
        return findings


def _text_files(repo: Repo) -> list[str]:
    found: list[str] = []
    for folder, dirs, files in os.walk(repo.root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            found.append(os.path.relpath(os.path.join(folder, name), repo.root))
            if len(found) >= SCAN_LIMIT:
                return found
    return found
