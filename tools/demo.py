"""`make demo`: render the default project into ./demo, install it, run its pipeline, gate it.

Each stage runs on its own (`dvc repro --single-item`) so the table can say how long each
took; the metrics come from the project's reports/metrics.json. Then the flow of a pull
request: the outputs are committed on main, the gate passes against main; a branch with a
much smaller model fails the gate (as it should); the project is left on main. Then a clean
and a drifted window through `mlgate drift`; the model service (`make serve`) checked by
`mlgate verify`, sent the clean window as traffic, its request log through `mlgate drift`, the
real outcomes sent back to /feedback and `mlgate monitor` passing, then a degraded stream
failing it, then traffic of borderline cases without labels, where the label-free estimate
fails before any outcome arrives; and `make check` (the repository standard).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml
from steps import (
    ROOT,
    Step,
    free_port,
    print_table,
    project_env,
    render_default,
    require,
    setup,
    timed,
)


def gate_flow(project: Path, env: dict[str, str]) -> list[list[str]]:
    """main with metrics → gate passes; a weaker model on a branch → gate fails."""
    for command in (["git", "add", "-A"], ["git", "commit", "-q", "-m", "Train the first model"]):
        require(timed(" ".join(command[:2]), command, project, env))
    rows = []
    passing = timed("gate (main)", ["mlgate", "gate", "--baseline", "main"], project, env)
    rows.append(["gate vs main", f"{passing.seconds:.1f}", verdict(passing, expect=0)])
    require(timed("branch", ["git", "checkout", "-q", "-b", "demo/smaller-model"], project, env))
    params_path = project / "params.yaml"
    params = yaml.safe_load(params_path.read_text())
    params["model"]["params"].update(n_estimators=1, max_depth=1)
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))
    require(timed("dvc repro", ["dvc", "repro"], project, env))
    failing = timed("gate (branch)", ["mlgate", "gate", "--baseline", "main"], project, env)
    rows.append(["gate, 1-tree model", f"{failing.seconds:.1f}", verdict(failing, expect=1)])
    print("\n" + failing.output.strip())
    require(timed("checkout", ["git", "checkout", "-q", "--", "."], project, env))
    require(timed("back to main", ["git", "checkout", "-q", "main"], project, env))
    require(timed("dvc checkout", ["dvc", "checkout", "--quiet"], project, env))
    return rows


def drift_flow(project: Path, env: dict[str, str]) -> list[list[str]]:
    """A clean and a drifted request log through `mlgate drift` (HTML reports in logs/)."""
    module = next((project / "src").iterdir()).name
    require(timed("windows", ["python", "-m", f"{module}.windows"], project, env))
    rows = []
    for window, expect in (("clean", 0), ("drifted", 1)):
        command = ["mlgate", "drift", "--current", f"logs/{window}.jsonl",
                   "--report", f"logs/{window}.html"]  # fmt: skip
        step = timed(f"drift ({window})", command, project, env)
        rows.append([f"drift, {window} window", f"{step.seconds:.1f}",
                     verdict(step, expect, words=("no drift", "drift"))])  # fmt: skip
    return rows


def serve_flow(project: Path, env: dict[str, str]) -> list[list[str]]:
    """`make serve`, `mlgate verify` on it, the clean window as traffic, its log (up to the
    borderline traffic of the estimate's step) through drift."""
    for name in ("requests.jsonl", "feedback.jsonl"):
        (project / "logs" / name).unlink(missing_ok=True)
    url = f"http://127.0.0.1:{(port := free_port())}"
    errors = (project / "logs" / "serve.err").open("w")
    server = subprocess.Popen(["make", "serve"], cwd=project, stdout=errors, stderr=errors,
                              env={**env, "SERVICE_PORT": str(port)},
                              start_new_session=True)  # fmt: skip
    try:
        command = ["mlgate", "verify", url, "--sample", "logs/clean.jsonl", "--timeout", "120"]
        check = timed("mlgate verify", command, project, env)
        rows = [["mlgate verify (make serve)", f"{check.seconds:.1f}", verdict(check, 0)]]
        records = json_records(project)
        truth = test_outcomes(project)
        with requests.Session() as session:
            start = time.perf_counter()
            ids = predict_all(session, url, records)
            seconds = time.perf_counter() - start
            rows.append([f"traffic: {len(records)} records", f"{seconds:.1f}", "ok"])
            rows += feedback_flow(session, url, project, env, ids, truth)
            rows += estimate_flow(session, url, project, env, records)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # make and the service: it flushes its log
        server.wait(60)
        errors.close()
    command = ["mlgate", "drift", "--current", "logs/served.jsonl", "--report",
               "logs/served.html"]  # fmt: skip
    step = timed("drift (served log)", command, project, env)
    rows.append(["drift, the service's log", f"{step.seconds:.1f}",
                 verdict(step, 0, words=("no drift", "drift"))])  # fmt: skip
    return rows


def test_outcomes(project: Path) -> list[object]:
    """The real classes of the test split, in the order logs/clean.jsonl holds its rows."""
    import pandas as pd

    target = yaml.safe_load((project / "params.yaml").read_text())["data"]["target"]
    return pd.read_csv(project / "data" / "processed" / "test.csv")[target].tolist()


def predict_all(session: requests.Session, url: str, records: list[dict]) -> list[str]:
    """Every record predicted, 20 a request; the request_ids the service gave them."""
    ids: list[str] = []
    for first in range(0, len(records), 20):
        answer = session.post(f"{url}/predict", json={"records": records[first : first + 20]},
                              timeout=30)  # fmt: skip
        answer.raise_for_status()
        ids += answer.json()["request_ids"]
    return ids


def feedback_flow(
    session: requests.Session,
    url: str,
    project: Path,
    env: dict[str, str],
    ids: list[str],
    truth: list[object],
) -> list[list[str]]:
    """The real outcomes sent back by request_id: `mlgate monitor` passes; then the same
    traffic again with a third of its outcomes turned around (the world changed): it fails."""
    rows = []
    for label, outcomes, expect in (("true outcomes", truth, 0),
                                    ("a third turned", _turned(truth), 1)):  # fmt: skip
        if expect:
            ids = predict_all(session, url, json_records(project))
        body = {
            "outcomes": [
                {"request_id": i, "outcome": o} for i, o in zip(ids, outcomes, strict=True)
            ]
        }
        session.post(f"{url}/feedback", json=body, timeout=30).raise_for_status()
        time.sleep(1.5)  # the service writes its logs every 0.5 s
        command = ["mlgate", "monitor", "--requests", "logs/requests.jsonl", "--feedback",
                   "logs/feedback.jsonl", "--baseline", "main"]  # fmt: skip
        step = timed(f"monitor ({label})", command, project, env)
        rows.append([f"monitor, {label}", f"{step.seconds:.1f}", verdict(step, expect)])
        if expect:
            print("\n" + step.output.strip())
    return rows


def estimate_flow(
    session: requests.Session, url: str, project: Path, env: dict[str, str], records: list[dict]
) -> list[list[str]]:
    """A shift towards the cases the model finds hard (its highest class probability under
    0.9), 200 requests with no outcome yet: the realised metrics cannot be judged, the
    estimate from the logged probabilities fails the rules already."""
    hard = [r for r, p in zip(records, confidences(session, url, records), strict=True) if p < 0.9]
    log = project / "logs" / "requests.jsonl"
    time.sleep(1.5)  # everything sent so far is in the log
    start = log.stat().st_size
    (project / "logs" / "served.jsonl").write_bytes(log.read_bytes()[:start])  # before the shift
    shifted = [hard[i % len(hard)] for i in range(200)]
    predict_all(session, url, shifted)
    time.sleep(1.5)
    with log.open("rb") as whole:
        whole.seek(start)
        (project / "logs" / "shifted.jsonl").write_bytes(whole.read())
    command = ["mlgate", "monitor", "--requests", "logs/shifted.jsonl", "--feedback",
               "logs/feedback.jsonl", "--baseline", "main"]  # fmt: skip
    step = timed("monitor (shifted, no labels)", command, project, env)
    print("\n" + step.output.strip())
    label = f"monitor, {len(hard)} borderline cases x 200, no labels: estimate"
    return [[label, f"{step.seconds:.1f}", verdict(step, 1)]]


def confidences(session: requests.Session, url: str, records: list[dict]) -> list[float]:
    """The service's highest class probability for each record."""
    answer = session.post(f"{url}/predict", json={"records": records}, timeout=60)
    answer.raise_for_status()
    return [max(row.values()) for row in answer.json()["probabilities"]]


def json_records(project: Path) -> list[dict]:
    lines = (project / "logs" / "clean.jsonl").read_text().splitlines()
    return [json.loads(line)["features"] for line in lines]


def _turned(truth: list[object]) -> list[object]:
    """Every third binary outcome the other way round (the classes here are 0 and 1)."""
    return [(1 - o if isinstance(o, int) and i % 3 == 0 else o) for i, o in enumerate(truth)]


def verdict(step: Step, expect: int, words: tuple[str, str] = ("pass", "fail")) -> str:
    names = {0: words[0], 1: words[1], 2: "could not check"}
    got = step.returncode
    if got == expect:
        return names[expect] + (" (as expected)" if expect else "")
    raise SystemExit(f"{step.name}: expected {names[expect]}, got exit {got}:\n{step.output}")


def main() -> int:
    render, project = render_default(ROOT / "demo")
    print(f"rendered {project.relative_to(ROOT)} in {render.seconds:.1f} s; installing ...")
    install = require(setup(project))
    env = project_env(project)
    stages = list(yaml.safe_load((project / "dvc.yaml").read_text())["stages"])
    rows = [
        ["render", f"{render.seconds:.1f}", "ok"],
        ["make setup", f"{install.seconds:.1f}", "ok"],
    ]
    for stage in stages:
        step = timed(stage, ["dvc", "repro", "--single-item", stage], project, env)
        rows.append([stage, f"{step.seconds:.1f}", "ok" if step.ok else "FAILED"])
        if not step.ok:
            print_table(["step", "seconds", "result"], rows)
            print(step.output[-3000:], file=sys.stderr)
            return 1
    rows += gate_flow(project, env)
    rows += drift_flow(project, env)
    rows += serve_flow(project, env)
    check = timed("mlgate check", ["make", "check"], project, env)
    rows.append(["mlgate check", f"{check.seconds:.1f}", verdict(check, expect=0)])
    print()
    print_table(["step", "seconds", "result"], rows)
    metrics = json.loads((project / "reports" / "metrics.json").read_text())
    print()
    print_table(["metric", "value"], [[k, f"{v:.4f}"] for k, v in metrics.items()])
    print(f"\nThe project is in {project}; `cd` there and try `dvc repro`, `make test`,")
    print("`make gate`, `make drift WINDOW=logs/drifted.jsonl` (report: logs/drifted.html),")
    print("`make serve` (then http://127.0.0.1:8000/docs).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
