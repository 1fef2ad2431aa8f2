"""`mlgate check` on real public repositories: adoption, findings by family, exit code, time.

Our own template is not evidence: the checker is calibrated on repositories nobody here wrote.
This prints, per repository at a pinned commit, what `mlgate check --fail-on info` finds (ours
by family and severity, zizmor's and hadolint's apart), its exit code and wall time; and, since
none of them runs `mlgate gate`, how the gate's shell analysis reads their own `run:` scripts:
how many parse, and the verdict on every step that runs their tests (pytest, tox, nox), which
a CI must let fail exactly as the gate must. bench/real_repos.md holds the hand judgement.

    python bench/real_repos.py --repos DIR            # DIR/<owner>+<name> checked out
    python bench/real_repos.py --repos DIR --clone    # first clone them (needs github.com)
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
REPOS = [
    ("iterative/example-get-started", "06ea48980a34ef57041c9b905cafcb40d9c3ddbc"),
    ("iterative/example-get-started-experiments", "afdf89b183b5cc9cbeee273b1f33faca10ffd5d0"),
    ("iterative/magnetic-tiles-defect", "41a057cf9b9a4a738087c8ad046b99c21f4faf17"),
    ("iterative/demo-bank-customer-churn", "79198bec852c03541c68322ba43281df349c99e4"),
    ("pyronear/vision-rd", "cdcc949f670667108800deabd82d265d92fab9d7"),
    ("fmind/mlops-python-package", "cc7ba018ee04a74efa7d52167af5e2860c267a89"),
    ("DataTalksClub/mlops-zoomcamp", "86e42886b59477481fc3e37eb40fb7409d886e1d"),
    ("ashleve/lightning-hydra-template", "bddbc24b82ab6ccfa6243e815a49dc5bfe8d4144"),
    ("khuyentran1401/data-science-template", "8fb1bc546d24e04ceea2a5f2537788ca49fce682"),
    ("drivendata/cookiecutter-data-science", "852fd22622d894313eea6fed7afdb3a1cb4e121f"),
    ("argoproj/argocd-example-apps", "0d521c6e049889134f3122eb32d7ed342f43ca0d"),
    ("GoogleCloudPlatform/microservices-demo", "34ffea9175946982c3088ed84994fe6019ad6e92"),
    ("stefanprodan/podinfo", "eec06d1ea459af4cb4e10e806f8be7c7bd58b361"),
    ("kubernetes-sigs/kustomize", "12f9e6391464b3ad9dd3fe8182049dc1b1772990"),
    ("kserve/kserve", "aaac4e294dae2c7b1aa1886447793f3aa1c30912"),
    ("feast-dev/feast", "f0bc0700be7029166e6605e407de6d229cd1e93e"),
    ("evidentlyai/evidently", "a4aa4c2b37fe7a4344cc5031f566deccf3d69e4f"),
    ("bentoml/BentoML", "32230a5276a8da8b23c4a06a9ec6272c1993451a"),
    ("zizmorcore/zizmor", "11bbf7e6cffac7ccf4f803d40255e0cd54c60236"),
]
FAMILIES = ("ADOPT", "DVC", "GX", "GATE", "GHA", "DOCKER", "DEPLOY", "DRIFT", "SEC")
TESTS = re.compile(r"\b(pytest|py\.test|tox|nox)\b")


def clone(repos: Path) -> None:
    for name, commit in REPOS:
        target = repos / name.replace("/", "+")
        if not target.exists():
            subprocess.run(["git", "clone", "--quiet", f"https://github.com/{name}", str(target)],
                           check=True)  # fmt: skip
        subprocess.run(["git", "-C", str(target), "checkout", "--quiet", commit], check=True)


def head(path: Path) -> str:
    done = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=False)  # fmt: skip
    return done.stdout.strip()


def check(path: Path) -> tuple[dict, int, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "mlgate"), "check", "--format", "json", "--fail-on", "info", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{path}: mlgate check exited {done.returncode}: {done.stderr[-500:]}")
    report = json.loads(done.stdout)
    not_run = [f"{r['code']}: {r['reason']}" for r in report["rules"] if r["status"] == "not run"]
    if not_run:  # a rule that crashed hides its findings: never a result
        raise SystemExit(f"{path}: rules not run: {not_run}")
    return report, done.returncode, wall


def counts(report: dict) -> tuple[collections.Counter, collections.Counter]:
    ours, tools = collections.Counter(), collections.Counter()
    for rule in report["rules"]:
        for finding in rule["findings"]:
            code = finding["code"]
            if code.startswith(("ZIZMOR-", "HADOLINT-")):
                tools[code.split("-")[0]] += 1
            else:
                ours[(code.rstrip("0123456789"), finding["severity"])] += 1
    return ours, tools


def is_test_run(words: list[str]) -> bool:
    if not words:
        return False
    program = words[0].rsplit("/", 1)[-1]
    return program in ("pytest", "py.test", "tox", "nox") or words[1:3] == ["-m", "pytest"]


def shell_calibration(paths: list[Path]) -> tuple[int, int, collections.Counter, list[str]]:
    """(run: scripts read, unreadable, verdicts on test steps, the not-proven ones)."""
    from mlgate.check.execution import runs_of, sites
    from mlgate.check.repo import Repo, run_text
    from mlgate.check.shell import ScriptUnreadable, parse

    scripts = unreadable = 0
    verdicts: collections.Counter = collections.Counter()
    notes = []
    for path in paths:
        repo = Repo(path)
        for workflow in repo.workflows:
            for site in sites(repo, workflow):
                text = run_text(site.step)
                if not text:
                    continue
                scripts += 1
                try:
                    parse(text, TESTS)
                except ScriptUnreadable as exc:
                    unreadable += 1
                    notes.append(f"{path.name} {site.holder.path}:{site.line('run')}: {exc}")
            for run in runs_of(repo, workflow, is_test_run, TESTS):
                verdicts[run.verdict.fate.value] += 1
                if run.verdict.fate.value != "fails":
                    notes.append(f"{path.name} {run.site.holder.path}:{run.line}: "
                                 f"{run.verdict.fate.value}: {run.verdict.why}")  # fmt: skip
    return scripts, unreadable, verdicts, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=Path, required=True, help="folder of owner+name clones")
    parser.add_argument("--clone", action="store_true", help="clone them first (network)")
    args = parser.parse_args()
    if args.clone:
        clone(args.repos)
    print("| repository | commit | adopted | exit | wall s | " + " | ".join(FAMILIES)
          + " | ours | zizmor | hadolint |")  # fmt: skip
    print("|---|---|---|---|---|" + "---|" * len(FAMILIES) + "---|---|---|")
    paths, total, slowest = [], collections.Counter(), ("", 0.0)
    for name, commit in REPOS:
        path = args.repos / name.replace("/", "+")
        if not path.is_dir():
            print(f"| {name} | {commit[:7]} | (not checked out: use --clone) |")
            continue
        found = head(path)
        if found and found != commit:
            print(f"warning: {name} is at {found[:7]}, the table is for {commit[:7]}",
                  file=sys.stderr)  # fmt: skip
        paths.append(path)
        report, code, wall = check(path)
        ours, tools = counts(report)
        total.update({k: v for k, v in ours.items()})
        slowest = max(slowest, (name, wall), key=lambda item: item[1])
        adopted = ",".join(a["part"] for a in report["adoption"] if a["adopted"]) or "-"
        cells = []
        for family in FAMILIES:
            by = {sev: ours[(family, sev)] for sev in ("error", "warning", "info")}
            cells.append("/".join(str(by[s]) for s in ("error", "warning", "info"))
                         if any(by.values()) else "")  # fmt: skip
        print(f"| {name} | {commit[:7]} | {adopted} | {code} | {wall:.1f} | " + " | ".join(cells)
              + f" | {sum(ours.values())} | {tools['ZIZMOR']} | {tools['HADOLINT']} |")  # fmt: skip
    print(f"\nfamily cells: error/warning/info. Ours in all: {sum(total.values())}. "
          f"Slowest: {slowest[0]} {slowest[1]:.1f} s.")  # fmt: skip
    scripts, unreadable, verdicts, notes = shell_calibration(paths)
    print(f"\nShell analysis on their own workflows: {scripts} run: scripts read, "
          f"{unreadable} unreadable; steps running their tests: "
          + ", ".join(f"{v} {k}" for k, v in sorted(verdicts.items())))  # fmt: skip
    for note in notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
