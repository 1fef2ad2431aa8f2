"""Do the two engines agree on a table nobody here wrote? profile, drift and validate, twice.

Issue 21's promise is the same answers on Arrow and on Spark. Tables we write carry the
patterns we thought of; public ones carry the rest (docs/spark.md, "Calibration on public
tables", lists what they found). For each table given (CSV, TSV, JSON lines or Parquet):

- the first 60% of its records is the reference, the rest the window, as files of the
  table's own format (CSV lines as written, so quoting and markers stay the source's), and
  as Parquet written from pandas;
- a model schema from the roles `mlgate suite init` finds (identifiers left out, dates with
  their format), as a generated project writes one;
- `mlgate profile` on both engines, with and without that schema: the bytes compared;
- `mlgate drift` of the window on both engines: exit codes, verdicts, scores;
- `mlgate validate` on both engines with the suite `suite init` writes from the reference,
  on the reference and on the window: exit codes and each expectation's status.

One Spark session (local[2]) serves every step. The table prints one line per step; the
exit code is 0 when every profile is byte-identical, every exit code, verdict and status the
same and every score within 1e-9 relative (the tolerance docs/spark.md states), else 1.

    python bench/engines_agree.py taxis.csv ufo.csv reviews.jsonl --workdir /tmp/agree
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools")]

from steps import print_table  # noqa: E402

SCORE_REL = 1e-9
REFERENCE_SHARE = 0.6
KINDS = {"boolean": "boolean", "datetime": "datetime", "integer": "numeric",
         "numeric": "numeric", "text": "text", "categorical": "categorical"}  # fmt: skip


def mlgate(*argv: str) -> tuple[int, str]:
    """One command in this process (the Spark session is shared); its exit code and stderr."""
    from mlgate.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except Exception as exc:  # a traceback is a defect to show, not to stop at
            return 99, f"TRACEBACK {type(exc).__name__}: {exc}"
    return code, err.getvalue().strip().splitlines()[-1:][0] if err.getvalue().strip() else ""


def split(source: Path, work: Path) -> dict[str, tuple[Path, Path]]:
    """Reference and window files of the source's own format, and as Parquet."""
    import pandas as pd

    suffix = source.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(source)
    elif suffix in (".jsonl", ".json"):
        frame = pd.read_json(source, lines=True)
    else:
        frame = pd.read_csv(source, sep="\t" if suffix == ".tsv" else ",")
    cut = int(len(frame) * REFERENCE_SHARE)
    pairs: dict[str, tuple[Path, Path]] = {}
    if suffix in (".csv", ".jsonl", ".json"):
        pairs[suffix[1:]] = _split_records(source, work, suffix, cut)
    elif suffix == ".tsv":  # mlgate reads CSV: pandas writes it (RFC 4180)
        reference, window = work / "reference.csv", work / "window.csv"
        frame.iloc[:cut].to_csv(reference, index=False)
        frame.iloc[cut:].to_csv(window, index=False)
        pairs["csv"] = (reference, window)
    reference, window = work / "reference.parquet", work / "window.parquet"
    try:
        frame.iloc[:cut].to_parquet(reference)
        frame.iloc[cut:].to_parquet(window)
        pairs["parquet"] = (reference, window)
    except (TypeError, ValueError) as exc:  # pyarrow's errors are these: mixed types, ...
        print(f"{source.name}: no Parquet copy, pandas cannot write it: {exc}", file=sys.stderr)
    (work / "schema.json").write_text(json.dumps(schema_of(frame)), encoding="utf-8")
    return pairs


def _split_records(source: Path, work: Path, suffix: str, cut: int) -> tuple[Path, Path]:
    """The source's own records, cut after the `cut`-th (CSV records may span lines)."""
    import csv

    reference, window = work / f"reference{suffix}", work / f"window{suffix}"
    with source.open(newline="", encoding="utf-8") as handle:
        if suffix == ".csv":
            records = list(csv.reader(handle))
            header, body = records[0], records[1:]
            for path, part in ((reference, body[:cut]), (window, body[cut:])):
                with path.open("w", newline="", encoding="utf-8") as out:
                    writer = csv.writer(out)
                    writer.writerow(header)
                    writer.writerows(part)
        else:
            lines = [line for line in handle if line.strip()]
            reference.write_text("".join(lines[:cut]), encoding="utf-8")
            window.write_text("".join(lines[cut:]), encoding="utf-8")
    return reference, window


def schema_of(frame: Any) -> dict[str, Any]:
    """The model schema a generated project would write from `suite init`'s roles."""
    from mlgate.suite.roles import table_roles

    features, dropped = [], []
    for name, role in table_roles(frame).items():
        if role.role == "identifier":
            dropped.append({"name": name, "role": "identifier"})
        else:
            features.append({"name": name, "kind": KINDS[role.role], "format": role.format})
    return {"task": None, "features": features, "dropped": dropped}


def compare_profiles(work: Path, fmt: str, reference: Path, schema: bool) -> tuple[list[str], Path]:
    paths = []
    exits = []
    for engine in ("arrow", "spark"):
        path = work / f"profile-{fmt}-{'schema' if schema else 'types'}-{engine}.json"
        extra = ["--schema", str(work / "schema.json")] if schema else []
        code, why = mlgate("profile", str(reference), "-o", str(path), "--engine", engine,
                           "--sample", "1000000", *extra)  # fmt: skip
        exits.append(f"{code}" + (f" ({why[:60]})" if code else ""))
        paths.append(path)
    if not any(p.exists() for p in paths):
        return [*exits, "both could not check", ""], paths[0]
    same = all(p.exists() for p in paths) and paths[0].read_bytes() == paths[1].read_bytes()
    return [*exits, "identical" if same else "DIFFER", ""], paths[0]


def compare_drift(work: Path, tag: str, profile: Path, window: Path) -> list[str]:
    reports = []
    for engine in ("arrow", "spark"):
        path = work / f"drift-{tag}-{engine}.json"
        code, why = mlgate("drift", "--reference", str(profile), "--current", str(window),
                           "--engine", engine, "--json", str(path))  # fmt: skip
        reports.append((code, why, json.loads(path.read_text()) if path.exists() else None))
    (code_a, why_a, left), (code_s, why_s, right) = reports
    exits = [f"{code_a}" + (f" ({why_a[:60]})" if code_a == 2 else ""),
             f"{code_s}" + (f" ({why_s[:60]})" if code_s == 2 else "")]  # fmt: skip
    if left is None or right is None:  # one engine could not check: a disagreement,
        both = code_a == code_s == 2  # unless neither could
        return [*exits, "both could not check" if both else "DIFFER (one report)", ""]
    verdicts = [(c["column"], c["verdict"]) for c in left["columns"]]
    same = verdicts == [(c["column"], c["verdict"]) for c in right["columns"]]
    worst = 0.0
    for a, b in zip(left["columns"], right["columns"], strict=False):
        if a.get("score") is not None and b.get("score") is not None and a["score"] != b["score"]:
            worst = max(worst, abs(a["score"] - b["score"]) / max(abs(a["score"]), 1e-300))
    agree = same and code_a == code_s and worst <= SCORE_REL
    shown = "identical" if agree and worst == 0 else ("same verdicts" if agree else "DIFFER")
    return [*exits, shown, f"{worst:.1e}" if worst else ""]


def compare_validate(work: Path, suite: Path, data: Path) -> list[str]:
    outcomes = []
    for engine in ("arrow", "spark"):
        path = work / f"validate-{data.name}-{engine}.json"
        code, why = mlgate("validate", str(suite), str(data), "--engine", engine,
                           "--format", "json", "-o", str(path))  # fmt: skip
        report = json.loads(path.read_text()) if path.exists() else {"results": []}
        statuses = {(r["expectation"], r.get("column")): r["status"] for r in report["results"]}
        outcomes.append((code, why, statuses))
    (code_a, why_a, left), (code_s, why_s, right) = outcomes
    differ = sum(left.get(key) != right.get(key) for key in set(left) | set(right))
    same = code_a == code_s and not differ
    shown = f"identical ({len(left)})" if same else f"DIFFER ({differ} of {len(left)})"
    return [f"{code_a}" + (f" ({why_a[:60]})" if code_a == 2 else ""),
            f"{code_s}" + (f" ({why_s[:60]})" if code_s == 2 else ""), shown, ""]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="+", type=Path)
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temp dir)")
    args = parser.parse_args()
    from mlgate.io.spark import spark_session

    spark_session("local[2]", {"spark.sql.shuffle.partitions": "4"}).sparkContext.setLogLevel(
        "ERROR"
    )
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.workdir or Path(scratch)
        for table in args.tables:
            work = root / table.stem
            work.mkdir(parents=True, exist_ok=True)
            for fmt, (reference, window) in split(table, work).items():
                for schema in (True, False):
                    tag = f"{fmt}, {'schema' if schema else 'types'}"
                    line, profile = compare_profiles(work, fmt, reference, schema)
                    rows.append([table.stem, tag, "profile", *line])
                    drift = compare_drift(work, f"{fmt}-{schema}", profile, window)
                    rows.append([table.stem, tag, "drift", *drift])
                suite = work / f"suite-{fmt}.json"
                code, why = mlgate("suite", "init", str(reference), "-o", str(suite), "--force")
                for data in (reference, window):
                    line = compare_validate(work, suite, data) if code == 0 else \
                        [f"suite init: {why[:60]}", "", "DIFFER", ""]  # fmt: skip
                    rows.append([table.stem, fmt, f"validate {data.stem}", *line])
    print_table(["table", "input", "step", "arrow exit", "spark exit", "engines", "worst rel"],
                rows)  # fmt: skip
    failed = sum("DIFFER" in row[5] or "TRACEBACK" in row[3] + row[4] for row in rows)
    print(f"\n{len(rows) - failed} of {len(rows)} steps agree")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
