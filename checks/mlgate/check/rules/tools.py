"""zizmor and hadolint, run as real subprocesses; each of their findings keeps its own code.

A tool that is not installed, crashes or prints something that is not its JSON is NOT RUN
with the reason, never clean. Both are offline: zizmor with `--offline`, hadolint by nature.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..model import Finding, NotApplicable, NotRun, Severity
from ..repo import Repo
from .base import Rule

TIMEOUT_S = 60
ZIZMOR_SEVERITY = {"high": Severity.ERROR, "medium": Severity.WARNING}
HADOLINT_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING}


def tool(name: str) -> str:
    """The tool beside this Python (a venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise NotRun(f"{name} is not installed (pip install 'mlgate[check]')")
    return found


def run_json(args: list[str], cwd: Path, ok_codes: set[int]) -> Any:
    name = Path(args[0]).name
    try:
        done = subprocess.run(
            args,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise NotRun(f"{name} did not finish in {TIMEOUT_S} s") from None
    except OSError as exc:
        raise NotRun(f"{name} could not start: {exc.strerror}") from None
    if done.returncode not in ok_codes:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise NotRun(f"{name} failed (exit {done.returncode}): {last[:200]}")
    try:
        return json.loads(done.stdout or "null")
    except ValueError:
        raise NotRun(f"{name} printed no JSON (exit {done.returncode})") from None


class TOOLS(Rule):
    family = "tools"


# Each tool finding's own page (SARIF help URI): the audit or the hadolint rule.
TOOL_FINDING_URLS = {
    "ZIZMOR": "https://docs.zizmor.sh/audits/#{name}",
    "HADOLINT": "https://github.com/hadolint/hadolint/wiki/{name}",
}


def tool_finding_url(code: str) -> str | None:
    """docs.zizmor.sh/audits/#artipacked for ZIZMOR-artipacked; None for mlgate's own codes."""
    prefix, _, name = code.partition("-")
    template = TOOL_FINDING_URLS.get(prefix)
    return template.format(name=name) if template and name else None


class ZIZMOR100(TOOLS):
    """zizmor finds no security problem in the workflows and composite actions."""

    part = "gha"
    fix = "See the audit's page on docs.zizmor.sh (each finding links to it)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        if not repo.workflow_files and not repo.actions:
            raise NotApplicable("no workflows or composite actions")
        args = [
            tool("zizmor"),
            "--offline",
            "--no-progress",
            "--format",
            "json",
            "--persona",
            "regular",  # zizmor's default: few false positives (the template meets pedantic)
            "--collect=workflows,actions",
            ".",
        ]
        # 0 = clean, 10-14 = findings by highest severity; anything else is a failure to run.
        report = run_json(args, repo.root, {0, 10, 11, 12, 13, 14})
        if not isinstance(report, list):
            raise NotRun("zizmor's JSON is not a list of findings")
        return [finding for item in report if (finding := _zizmor_finding(item))]


def _zizmor_finding(item: Any) -> Finding | None:
    if not isinstance(item, dict) or item.get("ignored"):
        return None
    audit = str(item.get("ident", "unknown"))
    severity = str((item.get("determinations") or {}).get("severity", "")).lower()
    path, line = None, None
    for location in item.get("locations") or []:
        symbolic, concrete = location.get("symbolic") or {}, location.get("concrete") or {}
        if symbolic.get("kind") == "Primary" or path is None:
            local = ((symbolic.get("key") or {}).get("Local") or {}).get("verbatim_path")
            path = str(local).removeprefix("./") if local else path
            row = ((concrete.get("location") or {}).get("start_point") or {}).get("row")
            line = row + 1 if isinstance(row, int) else line
            note = symbolic.get("annotation")
    message = str(item.get("desc", audit)) + (f": {note}" if note else "")
    return Finding(
        message,
        path,
        line,
        code=f"ZIZMOR-{audit}",
        severity=ZIZMOR_SEVERITY.get(severity, Severity.INFO),
    )


class HADOLINT100(TOOLS):
    """hadolint finds nothing to fix in the Dockerfiles."""

    part = "docker"
    fix = "See the rule's page in the hadolint wiki (each finding links to it)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        files = [path for path in repo.dockerfiles if repo.read(path).text is not None]
        if not files:
            raise NotApplicable("no readable Dockerfile")
        report = run_json(
            [tool("hadolint"), "--no-fail", "--format", "json", *files], repo.root, {0}
        )
        if not isinstance(report, list):
            raise NotRun("hadolint's JSON is not a list of findings")
        return [
            Finding(
                str(item.get("message", "")),
                str(item.get("file") or files[0]),
                item.get("line"),
                code=f"HADOLINT-{item.get('code', 'unknown')}",
                severity=HADOLINT_SEVERITY.get(str(item.get("level")), Severity.INFO),
            )
            for item in report
            if isinstance(item, dict)
        ]
