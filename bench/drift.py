"""Drift at scale: `mlgate profile` and `mlgate drift` on Parquet, against a naive pandas check.

Generates (seeded) a 1M-row reference of 25 columns (20 numeric, 5 categorical) and two current
windows: 200k rows with real drift in 4 columns, 10M rows with mild drift. Each step runs as
the real CLI in a subprocess; the table shows its wall time and peak RSS (GNU time's %M, else
psutil polling, else n/a). The naive approach reads both raw files with pandas and runs the
test Evidently's DataDriftPreset picks for a reference over 1000 rows on every column.

Limits: `mlgate drift` on the 200k window at least 10x faster than the naive approach on the
same window, and under 1024 MB peak RSS on the 10M window. The exit code is 0 when both are
met. The drifted columns of mlgate and the naive approach are compared (informational: a
column near its threshold may differ, as mlgate's Wasserstein works on the profile's bins).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from steps import print_table

BIN = Path(sys.executable).parent
SEED = 20_240_601
DATA_VERSION = "mlgate-bench-drift/1"
ROW_GROUP = 250_000
SPEEDUP = 10.0
RSS_LIMIT_MB = 1024.0
GNU_TIME = Path("/usr/bin/time")
RSS_MARK = "mlgate-bench-maxrss-kb="


@dataclass(frozen=True)
class Numeric:
    """A numeric column; `shift` in a window moves its location (see draw)."""

    name: str
    family: str
    a: float
    b: float = 0.0
    nulls: float = 0.0
    dtype: str = "float64"


NUMERIC = [
    Numeric("age", "integers", 18, 90, dtype="int64"),
    Numeric("income", "lognormal", 10.5, 0.6),
    Numeric("score_a", "normal", 0.0, 1.0),
    Numeric("score_b", "normal", 50.0, 10.0),
    Numeric("score_c", "normal", -3.0, 0.5, dtype="float32"),
    Numeric("temperature", "normal", 20.0, 5.0, nulls=0.02),
    Numeric("latency_ms", "lognormal", 3.0, 0.8),
    Numeric("amount", "lognormal", 4.0, 1.2),
    Numeric("ratio", "uniform", 0.0, 1.0),
    Numeric("latitude", "uniform", 40.0, 60.0),
    Numeric("longitude", "uniform", -10.0, 30.0),
    Numeric("discount", "uniform", 0.0, 0.5, dtype="float32"),
    Numeric("visits", "poisson", 3.0, dtype="int64"),
    Numeric("items", "poisson", 20.0, dtype="int64"),
    Numeric("children", "binomial", 4, 0.3, dtype="int32"),  # 5 values: compared as categories
    Numeric("rating", "integers", 1, 10, dtype="int32"),
    Numeric("tenure_days", "geometric", 0.002, dtype="int64"),
    Numeric("clicks", "poisson", 0.7, dtype="int64"),
    Numeric("session_s", "lognormal", 5.0, 0.5),
    Numeric("noise", "normal", 0.0, 100.0),
]
CATEGORICAL = {  # name: (categories, share of nulls); shares fall off as 1 / rank ** 1.2
    "device": (["mobile", "desktop", "tablet"], 0.0),
    "plan": (["free", "basic", "pro", "team", "enterprise"], 0.0),
    "region": (["eu-west", "us-east", "us-west", "ap-south", "eu-central", "sa-east",
                "ap-northeast", "af-south"], 0.0),
    "browser": ([f"browser-{i:02d}" for i in range(15)], 0.01),
    "country": ([f"C{i:02d}" for i in range(30)], 0.0),
}  # fmt: skip
# Per window: column -> shift. Numeric: normal +shift std, lognormal +shift on log scale,
# poisson lambda * (1 + shift). Categorical: shares (1 - shift) * p + shift * reversed(p).
DRIFT_SMALL = {"score_b": 0.3, "income": 0.2, "items": 0.1, "region": 0.4}
DRIFT_LARGE = {"score_b": 0.03, "income": 0.02, "items": 0.01, "region": 0.05}

NAIVE = """
import json, sys
import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

reference = pd.read_parquet(sys.argv[1])
current = pd.read_parquet(sys.argv[2])
scores = {}
for name in reference.columns:
    ref = reference[name].replace([np.inf, -np.inf], np.nan).dropna()
    cur = current[name].replace([np.inf, -np.inf], np.nan).dropna()
    if pd.api.types.is_numeric_dtype(ref) and ref.nunique() > 5:
        method = "wasserstein"
        score = wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
    else:
        method = "jensenshannon"
        ref_counts, cur_counts = ref.value_counts(), cur.value_counts()
        keys = list(set(ref_counts.index) | set(cur_counts.index))
        p = np.array([ref_counts.get(k, 0) / len(ref) for k in keys])
        q = np.array([cur_counts.get(k, 0) / len(cur) for k in keys])
        np.place(p, p == 0, 0.0001)
        np.place(q, q == 0, 0.0001)
        score = jensenshannon(p, q)
    scores[name] = {"method": method, "score": float(score), "drifted": bool(score >= 0.1)}
print("drifted:", ", ".join(n for n, s in scores.items() if s["drifted"]) or "none")
print(json.dumps(scores))
"""


def label(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    return f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)


def shares(count: int, shift: float = 0.0) -> np.ndarray:
    p = 1.0 / np.arange(1, count + 1) ** 1.2
    p /= p.sum()
    return (1 - shift) * p + shift * p[::-1]


def draw(rng: np.random.Generator, spec: Numeric, n: int, shift: float) -> np.ndarray:
    a, b = spec.a, spec.b
    if spec.family == "normal":
        values = rng.normal(a + shift * b, b, n)
    elif spec.family == "lognormal":
        values = rng.lognormal(a + shift, b, n)
    elif spec.family == "uniform":
        width = b - a
        values = rng.uniform(a + shift * width, b + shift * width, n)
    elif spec.family == "integers":
        values = rng.integers(int(a), int(b) + 1, n)
    elif spec.family == "poisson":
        values = rng.poisson(a * (1 + shift), n)
    elif spec.family == "binomial":
        values = rng.binomial(int(a), b, n)
    else:
        values = rng.geometric(a, n)
    return values.astype(spec.dtype)


def row_group(rng: np.random.Generator, n: int, drift: dict[str, float]) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    for spec in NUMERIC:
        values = draw(rng, spec, n, drift.get(spec.name, 0.0))
        mask = rng.random(n) < spec.nulls if spec.nulls else None
        columns[spec.name] = pa.array(values, mask=mask)
    for name, (categories, nulls) in CATEGORICAL.items():
        codes = rng.choice(len(categories), size=n, p=shares(len(categories), drift.get(name, 0)))
        if nulls:
            codes[rng.random(n) < nulls] = len(categories)  # the dictionary's null entry
        columns[name] = pc.take(pa.array([*categories, None], pa.string()), codes)
    return pa.table(columns)


def stamp(rows: int, drift: dict[str, float]) -> str:
    return f"{DATA_VERSION} seed={SEED} rows={rows} drift={json.dumps(drift, sort_keys=True)}"


def ensure_data(path: Path, rows: int, stream: int, drift: dict[str, float]) -> str:
    """Write the file in row groups (never whole in memory), unless it is already there."""
    expected = stamp(rows, drift)
    if path.exists():
        try:
            meta = pq.ParquetFile(path).metadata
            found = (meta.metadata or {}).get(b"mlgate-bench", b"").decode()
            if meta.num_rows == rows and found == expected:
                return "reused"
        except (OSError, pa.ArrowInvalid):
            pass
    start = time.perf_counter()
    partial = path.with_suffix(".partial")
    writer = None
    try:
        for index, first in enumerate(range(0, rows, ROW_GROUP)):
            rng = np.random.default_rng([SEED, stream, index])
            table = row_group(rng, min(ROW_GROUP, rows - first), drift)
            if writer is None:
                schema = table.schema.with_metadata({"mlgate-bench": expected})
                writer = pq.ParquetWriter(partial, schema)
            writer.write_table(table, ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()
    partial.replace(path)
    size = path.stat().st_size / 2**20
    return f"generated in {time.perf_counter() - start:.1f} s, {size:.0f} MB"


def warm(path: Path) -> None:
    """Read the file once so every step finds it in the page cache."""
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


@dataclass
class Run:
    seconds: float
    rss_mb: float | None
    returncode: int
    stdout: str
    stderr: str


def split_time_output(stderr: str) -> tuple[str, int | None]:
    """The child's own stderr, and GNU time's max RSS (KB) from its last line."""
    lines = stderr.rstrip("\n").splitlines()
    if not lines or not lines[-1].startswith(RSS_MARK):
        return stderr, None
    try:
        kb = int(lines[-1][len(RSS_MARK) :])
    except ValueError:
        kb = None
    rest = lines[:-1]
    if rest and rest[-1].startswith(("Command exited with", "Command terminated by")):
        rest = rest[:-1]
    return "\n".join(rest), kb


def rss_method() -> str:
    """gnu-time when /usr/bin/time is GNU time (it knows -f %M), else psutil, else none."""
    if GNU_TIME.is_file() and os.access(GNU_TIME, os.X_OK):
        probe = subprocess.run(
            [str(GNU_TIME), "-f", f"{RSS_MARK}%M", "true"], capture_output=True, text=True
        )
        if probe.returncode == 0 and split_time_output(probe.stderr)[1] is not None:
            return "gnu-time"
    try:
        import psutil  # noqa: F401
    except ImportError:
        return "none"
    return "psutil"


def measure(method: str, args: list[str], cwd: Path, env: dict[str, str]) -> Run:
    if method == "psutil":
        return measure_psutil(args, cwd, env)
    command = [str(GNU_TIME), "-f", f"{RSS_MARK}%M", *args] if method == "gnu-time" else args
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if method != "gnu-time":
        return Run(seconds, None, result.returncode, result.stdout, result.stderr)
    stderr, kb = split_time_output(result.stderr)
    return Run(seconds, None if kb is None else kb / 1024, result.returncode, result.stdout,
               stderr)  # fmt: skip


def measure_psutil(args: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """Poll the RSS of the child and its children every 10 ms; the peak may be missed."""
    import psutil

    peak = 0
    done = threading.Event()
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip

    def poll() -> None:
        nonlocal peak
        try:
            process = psutil.Process(child.pid)
        except psutil.Error:
            return
        while not done.is_set():
            with suppress(psutil.Error):
                total = process.memory_info().rss
                for grandchild in process.children(recursive=True):
                    with suppress(psutil.Error):
                        total += grandchild.memory_info().rss
                peak = max(peak, total)
            done.wait(0.01)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    stdout, stderr = child.communicate()
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    return Run(seconds, peak / 2**20 if peak else None, child.returncode, stdout, stderr)


@dataclass
class Measured:
    name: str
    rows: int
    runs: list[Run]

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def rss_mb(self) -> float | None:
        known = [r.rss_mb for r in self.runs if r.rss_mb is not None]
        return max(known) if known else None


def checked(run: Run, name: str, ok: tuple[int, ...] = (0,)) -> Run:
    if run.returncode not in ok:
        raise SystemExit(f"{name} failed (exit {run.returncode}):\n"
                         f"{(run.stdout + run.stderr)[-4000:]}")  # fmt: skip
    return run


@contextmanager
def workdir(path: str | None) -> Iterator[Path]:
    if path:
        Path(path).mkdir(parents=True, exist_ok=True)
        yield Path(path).resolve()
        return
    with tempfile.TemporaryDirectory(prefix="mlgate-bench-drift-") as tmp:
        yield Path(tmp)


def mlgate_columns(report: Path) -> dict[str, dict]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return {c["column"]: c for c in data["columns"]}


def score(column: dict) -> str:
    value = column.get("score")
    return "—" if value is None else f"{value:.4f}"


def compare(window: str, mlgate: dict[str, dict], naive: dict[str, dict]) -> None:
    ours = sorted(n for n, c in mlgate.items() if c["drifted"])
    theirs = sorted(n for n, c in naive.items() if c["drifted"])
    injected = sorted(DRIFT_SMALL)
    print(f"\ndrifted columns on the {window} window (drift injected: {', '.join(injected)})")
    print(f"  mlgate: {', '.join(ours) or 'none'}")
    print(f"  naive:  {', '.join(theirs) or 'none'}")
    differ = sorted(set(ours) ^ set(theirs))
    gaps = [(abs((mlgate[n]["score"] or 0) - naive[n]["score"]), n) for n in naive if n in mlgate]
    gap, widest = max(gaps) if gaps else (0.0, "—")
    if not differ:
        print(f"  agree; largest score difference {gap:.4f} ({widest})")
        return
    print(f"  DISAGREE on {len(differ)} column(s):")
    for name in differ:
        ours_col, theirs_col = mlgate.get(name, {}), naive.get(name, {})
        print(f"    {name}: mlgate {ours_col.get('method')} {score(ours_col)} "
              f"({ours_col.get('verdict')}); naive {theirs_col.get('method')} "
              f"{score(theirs_col)}")  # fmt: skip


SPARK_WINDOWS = (10_000_000, 100_000_000)
CLUSTER_CORES = 64
WEEKLY_ROWS = 10_000_000_000
SPARK_POLICY = "engine:\n  name: spark\n  master: local[2]\n"


def spark_main(args: argparse.Namespace, work: Path, method: str, env: dict[str, str]) -> int:
    """`--engine spark`: the Arrow engine and the Spark engine (local[2]) on the same windows
    in the same run, each a fresh `mlgate drift` process (the Spark one starts its JVM), then
    a paper estimate of a weekly 10-billion-row window on a 64-core cluster."""
    mlgate = str(BIN / "mlgate")

    def run(name: str, command: list[str], ok: tuple[int, ...] = (0, 1)) -> Run:
        return checked(measure(method, command, work, env), name, ok)

    reference = work / f"reference_{label(args.rows_reference).lower()}.parquet"
    print(f"data: {reference}: {ensure_data(reference, args.rows_reference, 0, {})}", flush=True)
    profile = work / "ref.json"
    if not profile.exists():
        run("mlgate profile", [mlgate, "profile", str(reference), "-o", str(profile)], ok=(0,))
    (work / "spark.yaml").write_text(SPARK_POLICY, encoding="utf-8")
    table, per_core, fits = [], [], []
    for stream, rows in enumerate(args.spark_rows, start=2):
        window = work / f"window_{label(rows).lower()}.parquet"
        print(f"data: {window}: {ensure_data(window, rows, stream, DRIFT_LARGE)}", flush=True)
        warm(window)
        base = [mlgate, "drift", "--reference", str(profile), "--format", "json", "--current",
                str(window)]  # fmt: skip
        verdicts = {}
        for engine in ("arrow", "spark"):
            report = work / f"drift_{engine}_{label(rows).lower()}.json"
            command = [*base, "--json", str(report), "--engine", engine]
            if engine == "spark":
                command += ["--config", str(work / "spark.yaml")]
            done = run(f"drift --engine {engine}", command)
            verdicts[engine] = sorted(n for n, c in mlgate_columns(report).items() if c["drifted"])
            rss = "n/a" if done.rss_mb is None else f"{done.rss_mb:.0f}"
            table.append([f"drift {label(rows)} --engine {engine}", f"{rows:,}",
                          f"{done.seconds:.1f}", rss,
                          f"{rows / done.seconds / 2 / 1e6:.2f}"])  # fmt: skip
            if engine == "spark":
                fits.append((rows, done.seconds))
        same = "same" if verdicts["arrow"] == verdicts["spark"] else "DIFFERENT"
        print(f"{label(rows)}: drifted columns arrow {verdicts['arrow']}, spark "
              f"{verdicts['spark']}: {same}", flush=True)  # fmt: skip
        per_core.append(same)
    print(f"\ndrift on Spark local[2] vs the Arrow engine, {os.cpu_count()} CPUs, 25 columns; "
          f"peak RSS by {method} (the largest process: the JVM for spark)")  # fmt: skip
    print_table(["step", "rows", "wall s", "peak RSS MB", "M rows/s per core"], table)
    if len(fits) >= 2:
        (r1, t1), (r2, t2) = fits[0], fits[-1]
        per_row = (t2 - t1) / (r2 - r1)  # seconds per row on 2 cores, fixed costs removed
        fixed = t1 - per_row * r1
        core_rate = 1 / (per_row * 2)
        estimate = fixed + WEEKLY_ROWS / (core_rate * CLUSTER_CORES)
        print(f"\npaper estimate: {core_rate / 1e6:.2f} M rows/s per core after {fixed:.0f} s "
              f"of fixed cost (JVM start, jobs); {WEEKLY_ROWS:,} rows on {CLUSTER_CORES} cores "
              f"~ {estimate / 60:.0f} min, if the cluster's storage feeds each core as this "
              "machine's disk did and the summaries' shuffles stay as small as here")  # fmt: skip
    return 0 if all(s == "same" for s in per_core) else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", help="keep the data here and reuse it (default: a temp dir)")
    parser.add_argument("--skip-10m", action="store_true", help="leave out the large window")
    parser.add_argument("--rows-reference", type=int, default=1_000_000)
    parser.add_argument("--rows-window", type=int, default=200_000, help="the drifted window")
    parser.add_argument("--rows-large", type=int, default=10_000_000, help="the large window")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of the small-window steps (median wall, max RSS)"
    )
    parser.add_argument(
        "--engine",
        choices=["arrow", "spark"],
        default="arrow",
        help="spark: the Arrow and Spark engines side by side on --spark-rows windows",
    )
    parser.add_argument("--spark-rows", type=int, nargs="+", default=list(SPARK_WINDOWS))
    args = parser.parse_args()
    mlgate = str(BIN / "mlgate")
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    method = rss_method()
    if args.engine == "spark":
        with workdir(args.workdir) as work:
            return spark_main(args, work, method, env)
    small, large = label(args.rows_window), label(args.rows_large)
    with workdir(args.workdir) as work:

        def run(name: str, command: list[str], ok: tuple[int, ...] = (0,)) -> Run:
            return checked(measure(method, command, work, env), name, ok)

        reference = work / f"reference_{label(args.rows_reference).lower()}.parquet"
        window = work / f"window_{small.lower()}.parquet"
        large_window = work / f"window_{large.lower()}.parquet"
        data = [(reference, args.rows_reference, 0, {}), (window, args.rows_window, 1, DRIFT_SMALL)]
        if not args.skip_10m:
            data.append((large_window, args.rows_large, 2, DRIFT_LARGE))
        for path, rows, stream, drift in data:
            print(
                f"data: {path} ({rows} rows): {ensure_data(path, rows, stream, drift)}", flush=True
            )
            warm(path)
        profile = work / "ref.json"
        build = run("mlgate profile", [mlgate, "profile", str(reference), "-o", str(profile)])
        steps = [Measured("profile build", args.rows_reference, [build])]
        drift_args = [mlgate, "drift", "--reference", str(profile), "--format", "json"]
        small_json = work / f"drift_{small.lower()}.json"
        drift_small = Measured(f"drift {small}", args.rows_window, [])
        naive_small = Measured(f"naive {small}", args.rows_window, [])
        for _ in range(max(args.runs, 1)):
            command = [*drift_args, "--current", str(window), "--json", str(small_json)]
            drift_small.runs.append(run("mlgate drift", command, ok=(0, 1)))
            command = [sys.executable, "-c", NAIVE, str(reference), str(window)]
            naive_small.runs.append(run("naive drift", command))
        steps += [drift_small, naive_small]
        naive_scores = json.loads(naive_small.runs[-1].stdout.strip().splitlines()[-1])
        small_columns = mlgate_columns(small_json)
        drift_large, large_drifted = None, []
        if not args.skip_10m:
            large_json = work / f"drift_{large.lower()}.json"
            command = [*drift_args, "--current", str(large_window), "--json", str(large_json)]
            drift_large = Measured(f"drift {large}", args.rows_large, [])
            drift_large.runs.append(run("mlgate drift", command, ok=(0, 1)))
            steps.append(drift_large)
            large_drifted = sorted(n for n, c in mlgate_columns(large_json).items() if c["drifted"])

    ratio = naive_small.seconds / drift_small.seconds
    speed_ok = ratio >= SPEEDUP
    verdicts = {drift_small.name: (f">= {SPEEDUP:.0f}x faster than naive",
                                   f"{'ok' if speed_ok else 'SLOW'} ({ratio:.1f}x)")}  # fmt: skip
    rss_ok = True
    if drift_large is not None:
        rss = drift_large.rss_mb
        rss_ok = rss is not None and rss < RSS_LIMIT_MB
        verdict = "n/a" if rss is None else ("ok" if rss_ok else "OVER")
        verdicts[drift_large.name] = (f"< {RSS_LIMIT_MB:.0f} MB peak RSS", verdict)
    rows = []
    for step in steps:
        limit, verdict = verdicts.get(step.name, ("—", "—"))
        rss = "n/a" if step.rss_mb is None else f"{step.rss_mb:.0f}"
        rows.append([step.name, f"{step.rows:,}", f"{step.seconds:.2f}", rss, limit, verdict])
    print(f"\ndrift at scale, Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; peak RSS by {method}; {args.runs} run(s) of the {small} "
          f"steps (median wall)")  # fmt: skip
    print_table(["step", "rows", "wall s", "peak RSS MB", "limit", "verdict"], rows)
    compare(small, small_columns, naive_scores)
    if drift_large is not None:
        print(f"\n{large} window (mild drift injected in {', '.join(sorted(DRIFT_LARGE))}): "
              f"mlgate drifted: {', '.join(large_drifted) or 'none'}")  # fmt: skip
    return 0 if speed_ok and rss_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
