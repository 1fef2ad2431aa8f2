"""The generated model service under load, against the model's own predict in the same run.

Issue 8's targets: 1-row p99 < 10 ms at 32 concurrent clients, and the service's overhead per
request (service p50 at one client minus the in-process predict p50 on the same rows) at most
2x the in-process predict time. For the default model (a 200-tree random forest) and the linear
one: render, `dvc repro`, start `python -m <module>.serve` on 127.0.0.1, then 1-row and 100-row
batches at 1 and 32 clients (threads with keep-alive sessions; they share the machine's cores
with the server, as a sidecar load test would). Latency is per request, wall clock at the
client; p99 by nearest rank.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import requests
from steps import print_table, render_default, require, timed

BIN = Path(sys.executable).parent
MODELS = {"random_forest (default)": [], "linear": ["model=linear"]}
P99_LIMIT_MS = 10.0
OVERHEAD_LIMIT = 2.0
JSON = {"content-type": "application/json"}


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def project_env(project: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(project / "src"), DVC_NO_ANALYTICS="1",
               GX_ANALYTICS_ENABLED="false", **extra)  # fmt: skip
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    return env


def trained(output: Path, answers: list[str]) -> Path:
    _, project = render_default(output, *answers)
    require(timed("dvc repro", ["dvc", "repro", "-q"], project, project_env(project)))
    return project


def records(project: Path) -> list[dict[str, Any]]:
    subprocess.run([sys.executable, "-m", module(project) + ".windows"], cwd=project,
                   env=project_env(project), check=True, capture_output=True)  # fmt: skip
    lines = (project / "logs" / "clean.jsonl").read_text().splitlines()
    return [json.loads(line)["features"] for line in lines]


def module(project: Path) -> str:
    return next(p.name for p in (project / "src").iterdir() if (p / "serve.py").exists())


def in_process_ms(project: Path, rows: list[dict[str, Any]], size: int, runs: int) -> list[float]:
    """The model's own predict (predict_proba for a classifier) on the same rows."""
    code = f"""
import json, sys, time, joblib, pandas as pd
rows = json.load(sys.stdin)
model = joblib.load("models/model.joblib")
predict = getattr(model, "predict_proba", model.predict)
out = []
for i in range({runs}):
    frame = pd.DataFrame(rows[(i * {size}) % len(rows):][:{size}] or rows[:{size}])
    start = time.perf_counter()
    predict(frame)
    out.append((time.perf_counter() - start) * 1000)
print(json.dumps(out))
"""
    env = project_env(project)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=env, input=json.dumps(rows),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(project: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = project_env(project, SERVICE_PORT=str(port), SERVICE_REQUEST_LOG=str(log),
                      SERVICE_LOG_LEVEL="warning")  # fmt: skip
    quiet = subprocess.DEVNULL
    server = subprocess.Popen([sys.executable, "-m", module(project) + ".serve"], cwd=project,
                              env=env, stdout=quiet, stderr=quiet)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(f"{url}/ready", timeout=1).status_code == 200:
                return server, url
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    server.kill()
    raise SystemExit("the service did not become ready")


def load(url: str, rows: list[dict[str, Any]], size: int, clients: int, count: int) -> dict:
    local = threading.local()
    bodies = [json.dumps({"records": (rows[i * size % len(rows):] + rows)[:size]})
              for i in range(50)]  # fmt: skip

    def one(index: int) -> float:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        start = time.perf_counter()
        answer = local.session.post(f"{url}/predict", data=bodies[index % len(bodies)],
                                    headers=JSON, timeout=60)  # fmt: skip
        if answer.status_code != 200:
            raise SystemExit(f"{answer.status_code}: {answer.text[:300]}")
        return (time.perf_counter() - start) * 1000

    for index in range(min(50, count)):  # warm up
        one(index)
    begin = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(one, range(count)))
    wall = time.perf_counter() - begin
    return {"p50": statistics.median(latencies), "p99": nearest_rank(latencies, 0.99),
            "rps": count / wall}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per 1-row case")
    args = parser.parse_args()
    table = []
    with tempfile.TemporaryDirectory(prefix="mlgate-bench-serve-") as tmp:
        for label, answers in MODELS.items():
            project = trained(Path(tmp) / label.split()[0], answers)
            rows = records(project)
            server, url = start(project, Path(tmp) / f"{label.split()[0]}.jsonl")
            try:
                for size in (1, 100):
                    local = in_process_ms(project, rows, size, 200)
                    local_p50 = statistics.median(local)
                    count = args.requests if size == 1 else max(200, args.requests // 10)
                    for clients in (1, 32):
                        measured = load(url, rows, size, clients, count)
                        verdicts = []
                        if clients == 1:
                            overhead = (measured["p50"] - local_p50) / local_p50
                            verdicts.append(f"overhead {overhead:.1f}x " + (
                                "ok" if overhead <= OVERHEAD_LIMIT else "OVER"))  # fmt: skip
                        if size == 1 and clients == 32:
                            verdicts.append("p99 " + ("ok" if measured["p99"] < P99_LIMIT_MS
                                                      else "OVER"))  # fmt: skip
                        table.append([label, str(size), str(clients), f"{measured['p50']:.2f}",
                                      f"{measured['p99']:.2f}", f"{measured['rps']:.0f}",
                                      f"{local_p50:.2f}", "; ".join(verdicts) or "-"])  # fmt: skip
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(60)
    print(f"the generated service, {platform.python_version()}, {os.cpu_count()} cores; ms at "
          f"the client; limits: 1-row p99 < {P99_LIMIT_MS:g} ms at 32 clients, overhead <= "
          f"{OVERHEAD_LIMIT:g}x the in-process predict")  # fmt: skip
    print_table(["model", "rows", "clients", "p50", "p99", "req/s", "in-process p50", "verdict"],
                table)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
