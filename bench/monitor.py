"""`mlgate monitor`'s join against a pandas merge, in the same run: wall time and peak memory.

Issue 19: a request log of N predictions (one record a request, as single-row traffic logs
them, with class probabilities) and a feedback log labelling 30% of them (1% sent twice), as a
service writes them. Each contender runs in a fresh process, so its peak RSS is its own:
- mlgate: gate.outcomes.join (outcomes kept, the request log streamed) and mlgate.scores;
- mlgate + estimate: the same, with the label-free estimate (CBPE, calibrated on 2,000
  held-out rows) tallied on every prediction during the same pass, as `mlgate monitor` does;
- pandas: both logs read with read_json(lines=True), the lists exploded, merged on
  request_id, the last outcome per id kept, the same metrics;
- with --spark, `monitor --engine spark`'s join and estimate on a local[2] session (issue 21;
  its peak RSS is the Python driver's: the JVM is Spark's, started and stopped by pyspark).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from steps import print_table  # noqa: E402

MLGATE = """
import sys
from pathlib import Path
from mlgate.gate.outcomes import join
from mlgate.scores import classification_metrics
folder = Path(sys.argv[1])
joined = join([folder / "requests.jsonl"], [folder / "feedback.jsonl"])
proba = [[row["0"], row["1"]] for row in joined.proba]
scores = classification_metrics(joined.y_true, joined.y_pred, proba, [0, 1])
print(joined.labelled, round(scores["accuracy"], 6))
"""

ESTIMATE = """
import sys
from pathlib import Path
from mlgate.gate.estimate import calibrate
from mlgate.gate.monitor import Estimator
from mlgate.gate.outcomes import join
from mlgate.scores import classification_metrics
folder = Path(sys.argv[1])
estimator = Estimator(calibrate(folder / "held_out.jsonl", [0, 1]))
joined = join([folder / "requests.jsonl"], [folder / "feedback.jsonl"], observe=estimator.observe)
proba = [[row["0"], row["1"]] for row in joined.proba]
scores = classification_metrics(joined.y_true, joined.y_pred, proba, [0, 1])
estimated = estimator.tallies[joined.version].metrics()
print(joined.labelled, round(scores["accuracy"], 6), "est", round(estimated["accuracy"], 4))
"""

SPARK = """
import sys
from pathlib import Path
from mlgate.gate.estimate import calibrate
from mlgate.gate.spark_outcomes import join_spark
from mlgate.policy import EngineSettings
from mlgate.scores import classification_metrics
folder = sys.argv[1]
engine = EngineSettings("spark", "local[2]", {"spark.sql.shuffle.partitions": "8"})
calibration = calibrate(Path(folder) / "held_out.jsonl", [0, 1])
joined, tally = join_spark([f"{folder}/requests.jsonl"], [f"{folder}/feedback.jsonl"], None,
                           engine, calibration)
proba = [[row["0"], row["1"]] for row in joined.proba]
scores = classification_metrics(joined.y_true, joined.y_pred, proba, [0, 1])
print(joined.labelled, round(scores["accuracy"], 6), "est", round(tally.metrics()["accuracy"], 4))
"""

PANDAS = """
import sys
import pandas as pd
from mlgate.scores import classification_metrics
folder = sys.argv[1]
requests = pd.read_json(f"{folder}/requests.jsonl", lines=True)
requests = requests[["request_ids", "predictions", "probabilities"]].explode(
    ["request_ids", "predictions", "probabilities"])
feedback = pd.read_json(f"{folder}/feedback.jsonl", lines=True, dtype={"request_id": str})
feedback = feedback.drop_duplicates("request_id", keep="last")
joined = requests.merge(feedback, left_on="request_ids", right_on="request_id")
proba = [[row["0"], row["1"]] for row in joined["probabilities"]]
scores = classification_metrics(joined["outcome"].tolist(), joined["predictions"].tolist(),
                                proba, [0, 1])
print(len(joined), round(scores["accuracy"], 6))
"""


def write_logs(folder: Path, predictions: int, seed: int = 0) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, predictions)
    chosen = rng.random(predictions) < 0.3
    wrong = rng.random(predictions) < 0.1
    with (folder / "requests.jsonl").open("w") as log, (folder / "feedback.jsonl").open("w") as fb:
        for index in range(predictions):
            rid = f"{index:032x}"
            label = int(labels[index])
            p1 = 0.8 if label else 0.2
            log.write(
                f'{{"ts":"2026-03-01T10:00:00.000Z","model_version":"1.0.0","features":'
                f'{{"x":{index % 97}}},"predictions":[{label}],'
                f'"probabilities":[{{"0":{1 - p1:.1f},"1":{p1}}}],"request_ids":["{rid}"]}}\n'
            )
            if chosen[index]:
                outcome = 1 - label if wrong[index] else label
                line = json.dumps({"ts": "2026-03-02T10:00:00.000Z", "model_version": "1.0.0",
                                   "request_id": rid, "outcome": outcome}) + "\n"  # fmt: skip
                fb.write(line * (2 if index % 100 == 0 else 1))
    with (folder / "held_out.jsonl").open("w") as held:  # the model's answers on its test split
        for index in range(2000):
            label = int(labels[index])
            p1 = 0.8 if label else 0.2
            outcome = 1 - label if wrong[-index - 1] else label
            held.write(json.dumps({"prediction": label, "probabilities": {"0": 1 - p1, "1": p1},
                                   "outcome": outcome}) + "\n")  # fmt: skip


def measure(code: str, folder: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and the output of `code` in a fresh process."""
    runner = (
        "import resource, sys, time\n"
        "start = time.perf_counter()\n"
        f"exec(compile({code!r}, 'contender', 'exec'))\n"
        "wall = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(f'{wall:.2f} {peak:.0f}', file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", runner, str(folder)], capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode:
        return float("nan"), float("nan"), done.stderr.strip().splitlines()[-1][:60]
    wall, peak = done.stderr.split()[-2:]
    return float(wall), float(peak), done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predictions", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--pandas-max", type=int, default=2_000_000,
        help="run the pandas merge up to this many predictions (it holds both logs in memory)",
    )  # fmt: skip
    parser.add_argument("--spark", action="store_true",
                        help="also the Spark engine's join and estimate (local[2])")  # fmt: skip
    args = parser.parse_args()
    rows = []
    pandas_mb_per_prediction = 0.0
    for count in args.predictions:
        with tempfile.TemporaryDirectory(prefix="mlgate-monitor-") as scratch:
            folder = Path(scratch)
            start = time.perf_counter()
            write_logs(folder, count)
            made = time.perf_counter() - start
            size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
            contenders = [("mlgate", MLGATE), ("mlgate + estimate", ESTIMATE),
                          ("pandas merge", PANDAS)]  # fmt: skip
            if args.spark:
                contenders.append(("spark local[2] + estimate", SPARK))
            for name, code in contenders:
                if name.startswith("pandas") and count > args.pandas_max:
                    need = pandas_mb_per_prediction * count / 1000
                    note = (f"not run: about {need:,.0f} GB at the rate above"
                            if need else "not run: above --pandas-max")  # fmt: skip
                    rows.append([f"{count:,}", f"{size:,.0f} MB", name, "—", "—", note, ""])
                    continue
                wall, peak, answer = measure(code, folder)
                if name.startswith("pandas"):
                    pandas_mb_per_prediction = peak / count
                rows.append([f"{count:,}", f"{size:,.0f} MB", name, f"{wall:.1f}",
                             f"{peak:,.0f}", answer, f"{made:.0f} s"])  # fmt: skip
    print_table(["predictions", "logs", "join", "wall s", "peak RSS MB", "labelled, accuracy",
                 "logs written in"], rows)  # fmt: skip


if __name__ == "__main__":
    main()
