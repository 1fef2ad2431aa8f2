"""The generated model service under load, against the model's own predict in the same run.

Issue 8's targets: 1-row p99 < 10 ms at 32 concurrent clients, and the service's overhead per
request (service p50 at one client minus the pipeline's in-process predict p50 on the same
rows) at most 2x that in-process predict time. For the default model (a 200-tree random forest)
and the linear one: render, `dvc repro`, start `python -m <module>.serve` on 127.0.0.1, then
1-row and 100-row batches at 1 and 32 clients: keep-alive HTTP/1.1 connections driven by one
asyncio client, which shares the machine's cores with the server as a sidecar load test would.
Also measured: GET /health at the same concurrency (the HTTP stack alone: no body, no model,
the floor any predict stands on), and the service's own predict path in-process
(mlgate.serve.model.Model: the compiled pipeline when it verified at start-up). Latency is
per request, wall clock at the client; p99 by nearest rank.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import requests
from steps import free_port, print_table, render_default, require, timed

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


def in_process_ms(project: Path, rows: list[dict[str, Any]], size: int, runs: int) -> dict:
    """The model's own predict (predict_proba for a classifier) on the same rows, and the
    service's predict path in-process (mlgate.serve.model.Model: the compiled pipeline when it
    verified)."""
    code = f"""
import json, sys, time, joblib, pandas as pd
from mlgate.serve.model import Model, read_schema
from mlgate.serve.settings import Settings
from {module(project)}.features import as_text
rows = json.load(sys.stdin)
settings = Settings.from_env()
served = Model(settings, read_schema(settings.model_dir), "bench", as_text)
served.load()
model = served.pipeline
predict = getattr(model, "predict_proba", model.predict)
names = [f.name for f in served.features]
out = {{"pipeline": [], "service": []}}
for i in range({runs}):
    chunk = rows[(i * {size}) % len(rows):][:{size}] or rows[:{size}]
    frame = pd.DataFrame(chunk)
    start = time.perf_counter()
    predict(frame)
    out["pipeline"].append((time.perf_counter() - start) * 1000)
    columns = [[r[n] for r in chunk] for n in names]
    start = time.perf_counter()
    served.predict(columns)
    out["service"].append((time.perf_counter() - start) * 1000)
out["predictor"] = served.info["predictor"]
print(json.dumps(out))
"""
    env = project_env(project, SERVICE_REQUEST_LOG="-")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=env, input=json.dumps(rows),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


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


async def client(port: int, requests: list[bytes], latencies: list[float]) -> None:
    """One keep-alive HTTP/1.1 connection sending its requests one after the other."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for request in requests:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status, length = parse_head(head)
            body = await reader.readexactly(length)
            if status != 200:
                raise SystemExit(f"{status}: {body[:300]!r}")
            latencies.append((time.perf_counter() - start) * 1000)
    finally:
        writer.close()


def parse_head(head: bytes) -> tuple[int, int]:
    lines = head.split(b"\r\n")
    fields = dict(line.split(b":", 1) for line in lines[1:] if b":" in line)
    lengths = {k.strip().lower(): v for k, v in fields.items()}
    return int(lines[0].split()[1]), int(lengths[b"content-length"])


def load(url: str, requests: list[bytes], clients: int, count: int) -> dict:
    """count requests over `clients` connections (a cheap asyncio client: on 2 cores a heavier
    one would take the server's CPU); p50/p99 per request and requests/s over the whole run."""
    port = int(url.rsplit(":", 1)[1])

    async def run(total: int, connections: int) -> tuple[list[float], float]:
        latencies: list[float] = []
        share = [requests[(c + i * connections) % len(requests)] for c in range(connections)
                 for i in range(total // connections)]  # fmt: skip
        per = total // connections
        begin = time.perf_counter()
        await asyncio.gather(*(client(port, share[c * per:(c + 1) * per], latencies)
                               for c in range(connections)))  # fmt: skip
        return latencies, time.perf_counter() - begin

    asyncio.run(run(min(50, count), 1))  # warm up
    latencies, wall = asyncio.run(run(count, clients))
    return {"p50": statistics.median(latencies), "p99": nearest_rank(latencies, 0.99),
            "rps": len(latencies) / wall}  # fmt: skip


def predict_requests(rows: list[dict[str, Any]], size: int) -> list[bytes]:
    bodies = [json.dumps({"records": (rows[i * size % len(rows):] + rows)[:size]}).encode()
              for i in range(50)]  # fmt: skip
    return [b"POST /predict HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body) for body in bodies]  # fmt: skip


HEALTH = [b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n"]


def verdicts(measured: dict, size: int, clients: int, pipeline_p50: float) -> str:
    found = []
    if clients == 1:
        overhead = (measured["p50"] - pipeline_p50) / pipeline_p50
        verdict = "ok" if overhead <= OVERHEAD_LIMIT else "OVER"
        found.append(f"overhead {overhead:.1f}x {verdict}")
    if size == 1 and clients == 32:
        found.append("p99 " + ("ok" if measured["p99"] < P99_LIMIT_MS else "OVER"))
    return "; ".join(found) or "-"


def row(label: str, what: str, clients: int, measured: dict, *rest: str) -> list[str]:
    return [label, what, str(clients), f"{measured['p50']:.2f}", f"{measured['p99']:.2f}",
            f"{measured['rps']:.0f}", *rest]  # fmt: skip


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
                for clients in (1, 32):  # the HTTP stack alone: no model, no body
                    measured = load(url, HEALTH, clients, args.requests)
                    table.append(row(label, "GET /health", clients, measured, "-", "-", "floor"))
                for size in (1, 100):
                    local = in_process_ms(project, rows, size, 200)
                    pipeline_p50 = statistics.median(local["pipeline"])
                    service_p50 = statistics.median(local["service"])
                    count = args.requests if size == 1 else max(200, args.requests // 10)
                    for clients in (1, 32):
                        measured = load(url, predict_requests(rows, size), clients, count)
                        served = f"{service_p50:.2f} ({local['predictor']})"
                        verdict = verdicts(measured, size, clients, pipeline_p50)
                        table.append(row(label, f"{size}-row predict", clients, measured,
                                         f"{pipeline_p50:.2f}", served, verdict))  # fmt: skip
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(60)
    print(f"the generated service, {platform.python_version()}, {os.cpu_count()} cores; ms at "
          f"the client; limits: 1-row p99 < {P99_LIMIT_MS:g} ms at 32 clients, overhead "
          f"(service p50 at 1 client - pipeline p50) <= {OVERHEAD_LIMIT:g}x the pipeline's own "
          "in-process predict")  # fmt: skip
    print_table(["model", "request", "clients", "p50", "p99", "req/s", "pipeline in-process p50",
                 "service path in-process p50", "verdict"], table)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
