"""`mlgate monitor`: production metrics from delayed labels, judged as the gate judges a commit.

The service's request log and feedback log are joined by request_id (outcomes.py); the
metrics are mlgate.scores', exactly as the evaluate stage computes them on the test split;
the gate section of mlgate.yaml judges them, against its bounds and, with --baseline, against
the metrics committed at that ref: the deployed release tag asks "does production perform as
this release did in testing?". Too few labelled predictions (--min-labels) is UNMEASURED and
exit 2: a handful of labels never passes, and never fails, a model. With --engine spark the
join and the estimate's tally run on Spark (spark_outcomes.py), for logs in a data lake.

Beside the realised metrics, a classifier's metrics are estimated from its logged probabilities
on every prediction, labelled or not (estimate.py: CBPE, calibrated on models/held_out.jsonl),
and judged by the same rules. The estimate is shown always; it decides only when the labels are
too few, and then only to fail: an estimate may raise the alarm before the labels arrive, it
never clears a model.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import COULD_NOT_CHECK, FAIL, CouldNotCheck
from ..io import step_summary
from ..io.dvc_lock import dvc_out_hash
from ..io.git import Revision, read_at, resolve
from ..io.http import check_url, is_loopback, reason, shown_url, status
from ..io.textfile import write_text
from ..policy import (
    DEFAULT_POLICY,
    DEPLOYED,
    DriftPolicy,
    EngineSettings,
    GatePolicy,
    MonitorPolicy,
    add_engine_argument,
    load_engine,
    read_policy,
)
from .command import _baseline
from .estimate import Calibration, Tally, calibrate
from .judge import MetricResult, Verdict, exit_code, judge
from .outcomes import Joined, join
from .report import RENDERERS, GateReport, error_report, to_json, to_markdown

DEFAULT_SCHEMA = "models/schema.json"
DEFAULT_REQUESTS = "logs/requests.jsonl"


def build_monitor_report(
    requests: Sequence[Path | str],
    feedback: Sequence[Path | str],
    *,
    policy: GatePolicy,
    root: Path,
    baseline_ref: str | None,
    version: str | None,
    min_labels: int,
    schema_path: Path | None,
    held_out: Path | None = None,
    explicit_held_out: bool = False,
    engine: EngineSettings | None = None,
) -> GateReport:
    if baseline_ref == DEPLOYED:
        baseline_ref = deployed_release(root)
    revision = resolve(baseline_ref, root) if baseline_ref else None
    baseline, baseline_note = _baseline(revision, policy, root)
    estimator, estimate_note = prepare_estimate(
        held_out, explicit_held_out, schema_path, root, revision
    )
    joined = _join(requests, feedback, version, estimator, engine)
    if joined.version is None:
        raise CouldNotCheck(
            "no prediction in the request logs has a request_id: is the service older than "
            "request ids, or are these the right logs?"
        )
    task, classes = _task(joined, schema_path)
    notes = [_coverage(joined)]
    if joined.labelled < min_labels:
        results = [
            MetricResult(
                rule.metric, rule.describe(), verdict=Verdict.UNMEASURED,
                reasons=[f"only {joined.labelled} labelled predictions of {joined.version}; "
                         f"--min-labels is {min_labels}"],
            )
            for rule in policy.rules
        ]  # fmt: skip
        code = COULD_NOT_CHECK
    else:
        current, missing = _metrics(joined, task, classes)
        results = judge(policy, current, baseline)
        for result in results:  # production's own reason, not the metrics file's
            if result.metric in missing and result.current is None:
                result.reasons = [missing[result.metric]]
        code = exit_code(results)
    estimated, estimate_note = _estimate(estimator, joined, policy, baseline, estimate_note)
    if joined.labelled < min_labels and estimated and exit_code(estimated) == FAIL:
        code = FAIL  # too few labels to judge, but the estimate says it is failing already
        notes.append("too few labels to judge; the estimate fails a rule: an early alarm "
                     "(the labels, once in, decide)")  # fmt: skip
    return GateReport(
        exit_code=code,
        metrics_path=f"production, model version {joined.version} ({joined.labelled} labelled)",
        policy_source=policy.source,
        results=results,
        baseline=revision,
        baseline_note=baseline_note,
        notes=notes,
        title="mlgate monitor",
        estimated=estimated,
        estimate_note=estimate_note,
    )


def _join(
    requests: Sequence[Path | str],
    feedback: Sequence[Path | str],
    version: str | None,
    estimator: Estimator | None,
    engine: EngineSettings | None,
) -> Joined:
    """The logs joined on this machine (Arrow, the default) or on Spark; either way the
    estimator ends with the tally of the version judged."""
    if engine is None or engine.name != "spark":
        observe = estimator.observe if estimator else None
        return join([Path(p) for p in requests], [Path(p) for p in feedback], version, observe)
    from .spark_outcomes import join_spark

    calibration = estimator.calibration if estimator else None
    joined, tally = join_spark([str(p) for p in requests], [str(p) for p in feedback], version,
                               engine, calibration)  # fmt: skip
    if estimator is not None and tally is not None:
        estimator.tallies[str(joined.version)] = tally
    return joined


class Estimator:
    """The label-free estimate's side of the one pass over the request log: a tally per
    model version (which version is judged is known only at the end)."""

    def __init__(self, calibration: Calibration) -> None:
        self.calibration = calibration
        self.tallies: dict[str, Tally] = {}

    def observe(self, version: str, prediction: Any, probabilities: Any) -> None:
        tally = self.tallies.get(version)
        if tally is None:
            tally = self.tallies[version] = Tally(self.calibration)
        tally.add(prediction, probabilities)


def prepare_estimate(
    held_out: Path | None,
    explicit: bool,
    schema_path: Path | None,
    root: Path | None = None,
    revision: Revision | None = None,
) -> tuple[Estimator | None, str]:
    """An estimator when the model and its held-out outputs allow one; else why not. Only a
    --held-out named on the command line makes its problems stop the command: otherwise they
    become the estimate's reason, and the realised metrics are judged all the same."""
    if held_out is None:
        return None, "no estimate: not asked for (--held-out)"
    if not held_out.is_file():
        if explicit:
            raise CouldNotCheck(f"--held-out {held_out}: not found")
        return None, f"no estimate: no {held_out} (the evaluate stage writes it)"
    if schema_path is None or not schema_path.is_file():
        return None, "no estimate: it needs the model's classes (--schema)"
    try:
        task, classes = _schema_task(schema_path)
        if task != "classification":
            return None, "no estimate: estimating from probabilities is for classifiers"
        other = _other_release(held_out, root, revision)
        if other:
            return None, f"estimate UNMEASURED: {other}"
        calibration = calibrate(held_out, classes)
    except CouldNotCheck as exc:
        if explicit:
            raise
        return None, f"estimate UNMEASURED: {exc}"
    if calibration.problem:
        return None, f"estimate UNMEASURED: {calibration.problem}"
    return Estimator(calibration), ""


def _other_release(held_out: Path, root: Path | None, revision: Revision | None) -> str:
    """Why the held-out answers here are not those of the release judged, or "": dvc.lock
    records the file's hash, here and at the release's tag."""
    if root is None or revision is None:
        return ""
    lock = root / "dvc.lock"
    relative = held_out.resolve().relative_to(root.resolve()).as_posix() \
        if held_out.resolve().is_relative_to(root.resolve()) else None  # fmt: skip
    if relative is None or not lock.is_file():
        return ""
    here = dvc_out_hash(lock.read_text(encoding="utf-8"), relative)
    there = dvc_out_hash(read_at(revision, "dvc.lock", root) or "", relative)
    if here and there and here != there:
        return (f"{relative} here is not the answers of {revision.ref}'s model (dvc.lock "
                f"differs): calibrating on another model would estimate the wrong one; pull "
                f"it at {revision.ref} (git checkout {revision.ref} -- dvc.lock && dvc pull "
                f"{relative})")  # fmt: skip
    return ""


def _estimate(
    estimator: Estimator | None,
    joined: Joined,
    policy: GatePolicy,
    baseline: Any,
    note: str,
) -> tuple[list[MetricResult] | None, str]:
    if estimator is None:
        return None, note
    tally = estimator.tallies.get(str(joined.version))
    if tally is None or not tally.metrics():
        return None, f"no estimate: no prediction of {joined.version} has class probabilities"
    calibration = estimator.calibration
    skipped = f"; {tally.skipped} without probabilities left out" if tally.skipped else ""
    return judge(policy, tally.metrics(), baseline), (
        f"estimated (CBPE) from the probabilities of all {tally.rows} predictions of "
        f"{joined.version}, labelled or not{skipped}; calibrated on {calibration.rows} held-out "
        f"rows (out-of-sample calibration error {calibration.error:.3f}, usable up to "
        f"{calibration.limit:.3f}); it assumes the chance of each outcome given the score is "
        "unchanged (it cannot see concept drift)"
    )


def _task(joined: Joined, schema_path: Path | None) -> tuple[str, list[Any]]:
    """The model's task and classes: from its schema.json, else from what it logged."""
    if schema_path is not None and schema_path.is_file():
        return _schema_task(schema_path)
    if schema_path is not None and str(schema_path) != DEFAULT_SCHEMA:
        raise CouldNotCheck(f"--schema {schema_path}: not found")
    if joined.proba:  # the keys are the classes as text: typed again from the predictions
        typed = {str(v): v for v in joined.y_pred if isinstance(v, str | int | float | bool)}
        return "classification", [typed.get(key, key) for key in sorted(joined.proba[0])]
    raise CouldNotCheck(
        f"which task is this? no {DEFAULT_SCHEMA} (--schema) and no class probabilities in "
        "the request log"
    )


def _schema_task(schema_path: Path) -> tuple[str, list[Any]]:
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        task = str(schema["task"])
        return task, list((schema.get("target") or {}).get("classes") or [])
    except (ValueError, KeyError, TypeError) as exc:
        raise CouldNotCheck(f"{schema_path} is not a model schema: {exc}") from None


def _metrics(
    joined: Joined, task: str, classes: list[Any]
) -> tuple[dict[str, float], dict[str, str]]:
    """The metrics, and why any the evaluate stage writes could not be computed here."""
    from ..scores import CLASSIFICATION, classification_metrics, regression_metrics

    if task == "regression":
        try:
            y_true = [float(v) for v in joined.y_true]
            y_pred = [float(v) for v in joined.y_pred]
        except (TypeError, ValueError):
            raise CouldNotCheck("an outcome or a prediction of this regressor is not a number") \
                from None  # fmt: skip
        return regression_metrics(y_true, y_pred), {}
    y_true = [_as_class(v, classes, "outcome") for v in joined.y_true]
    y_pred = [_as_class(v, classes, "prediction") for v in joined.y_pred]
    proba = None
    if joined.has_probabilities and classes:
        proba = [[_probability(row, c) for c in classes] for row in joined.proba]
    try:
        scores = classification_metrics(y_true, y_pred, proba, classes)
    except (ValueError, TypeError) as exc:
        raise CouldNotCheck(f"the joined rows cannot be scored: {exc}") from None
    missing = {}
    if "roc_auc" not in scores:
        seen = sorted({repr(v) for v in y_true})
        why = ("no class probabilities in the request log" if proba is None
               else f"the labelled outcomes hold only {', '.join(seen)} of the classes "
                    f"{', '.join(repr(c) for c in classes)}")  # fmt: skip
        missing["roc_auc"] = f"ROC AUC is undefined here: {why}"
    return scores, {k: v for k, v in missing.items() if k in CLASSIFICATION}


def _as_class(value: Any, classes: list[Any], what: str) -> Any:
    if not classes:
        return value
    from ..scores import class_of

    found, cls = class_of(value, classes)
    if not found:  # a class known only by its text (from the logged probabilities' keys)
        by_text = {str(c): c for c in classes if isinstance(c, str)}
        if str(value) in by_text:
            return by_text[str(value)]
        shown = ", ".join(repr(c) for c in classes[:10])
        raise CouldNotCheck(
            f"an {what} {value!r} is not a class of the model (its classes: {shown}): is "
            "--schema the deployed model's?"
        )
    return cls


def _probability(row: dict[str, Any], cls: Any) -> float:
    value = row.get(str(cls), 0.0)
    return float(value) if isinstance(value, int | float) else 0.0


def _coverage(joined: Joined) -> str:
    share = joined.labelled_share
    parts = [
        f"{joined.labelled} of {joined.predictions} predictions of {joined.version} labelled"
        + (f" ({share:.1%})" if share is not None else "")
    ]
    if joined.median_delay_s is not None:
        parts.append(f"median label delay {_duration(joined.median_delay_s)}")
    counted = [(joined.repeats, "outcomes repeated (the last counts)"),
               (joined.foreign, "outcomes for other model versions (not counted)"),
               (joined.unknown, "outcomes for request_ids not in these logs"),
               (joined.duplicate_predictions, "predictions logged twice")]  # fmt: skip
    parts += [f"{count} {what}" for count, what in counted if count]
    return "; ".join(parts)


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Join the service's request log with its feedback log by request_id, compute the "
        "evaluate stage's metrics on the labelled predictions, and judge them with mlgate.yaml's "
        "gate rules (against the metrics committed at --baseline, e.g. the deployed tag). "
        "--engine spark joins the logs (files, folders or any URI Spark reads) and tallies the "
        "label-free estimate on Spark, with the same answers."
    )
    parser.epilog = (
        "Exit codes: 0 pass, 1 a metric failed, 2 could not check (too few labels, broken logs)."
    )
    parser.add_argument(
        "--requests",
        nargs="+",
        default=[],
        metavar="FILE",
        help="request logs (default: drift.current.path and its rotations .1, .2, ...); "
        "with --engine spark also folders and URIs",
    )
    parser.add_argument("--feedback", nargs="+", default=[], metavar="FILE",
                        help="outcome logs (default: monitor.outcomes.path, "
                             "logs/feedback.jsonl)")  # fmt: skip
    parser.add_argument("--config", help="policy file (default: mlgate.yaml)")
    parser.add_argument("--baseline", metavar="REF",
                        help="git ref of the deployed release, or 'deployed': the tag of the "
                             "version SERVICE_URL's /version reports (default: monitor.baseline, "
                             "else gate.baseline)")  # fmt: skip
    parser.add_argument(
        "--model-version", help="judge this version (default: the one serving, of the newest line)"
    )
    parser.add_argument("--min-labels", type=int, default=None,
                        help="fewer labelled predictions is UNMEASURED (default: "
                             "monitor.min_labels, 100)")  # fmt: skip
    parser.add_argument("--schema", default=DEFAULT_SCHEMA,
                        help=f"the model's schema, for its task and classes (default "
                             f"{DEFAULT_SCHEMA})")  # fmt: skip
    parser.add_argument(
        "--held-out",
        metavar="FILE",
        help="the model's held-out outputs with outcomes, to calibrate the label-free "
        "estimate on (default: monitor.held_out, models/held_out.jsonl, if there)",
    )
    parser.add_argument("--format", choices=["text", "md", "json"], default="text")
    parser.add_argument("--json", metavar="FILE", help="also write the JSON report here")
    add_engine_argument(parser)  # spark: the join and the estimate on a Spark session


def run(args: argparse.Namespace) -> int:
    config_path = Path(args.config or DEFAULT_POLICY)
    parsed = read_policy(config_path)
    gate = GatePolicy.from_policy(parsed, str(config_path))
    monitor = MonitorPolicy.from_policy(parsed, str(config_path))
    if monitor.rules:  # production judged by its own rules; else by the gate's
        gate = dataclasses.replace(gate, rules=monitor.rules)
    min_labels = monitor.min_labels if args.min_labels is None else args.min_labels
    if min_labels < 1:
        raise CouldNotCheck(f"--min-labels must be 1 or more, not {min_labels}")
    drift = DriftPolicy.from_policy(parsed, str(config_path))
    engine = load_engine(args.config, args.engine)
    spark = engine.name == "spark"  # Spark reads folders and URIs, given as they are
    requests = _logs(args.requests, drift.current.get("path") or DEFAULT_REQUESTS, spark)
    feedback = _logs(args.feedback, monitor.outcomes["path"], spark)
    try:
        report = build_monitor_report(
            requests, feedback, policy=gate, root=config_path.parent,
            baseline_ref=args.baseline or monitor.baseline or gate.baseline,
            version=args.model_version, min_labels=min_labels,
            schema_path=Path(args.schema) if args.schema else None,
            held_out=Path(args.held_out or monitor.held_out), explicit_held_out=bool(args.held_out),
            engine=engine,
        )  # fmt: skip
    except CouldNotCheck as exc:
        if args.json:
            write_text(args.json, error_report("json", str(exc)))
        raise
    sys.stdout.write(RENDERERS[args.format](report))
    if args.json:
        write_text(args.json, to_json(report))
    step_summary.append(to_markdown(report))
    return report.exit_code


def _logs(given: list[str], default: str, spark: bool) -> list[Path] | list[str]:
    """The logs named on the command line, else the default with its rotations; on Spark
    as text (a URI is no Path), a default URI as it is."""
    if not spark:
        return [Path(p) for p in given] or with_rotations(Path(default))
    from ..io.spark import URI

    if given:
        return list(given)
    return [default] if URI.match(default) else [str(p) for p in with_rotations(Path(default))]


def with_rotations(path: Path) -> list[Path]:
    """A service log and its rotations (requests.jsonl.1, .2, ...), oldest first."""
    rotated = [p for p in path.parent.glob(f"{path.name}.*") if p.suffix[1:].isdigit()]
    return [*sorted(rotated, key=lambda p: -int(p.suffix[1:])), path]


def deployed_release(root: Path) -> str:
    """The git ref of the release the service runs: its /version, as a tag (v1.2.0 or 1.2.0)."""
    import requests

    url = os.environ.get("SERVICE_URL", "").strip().rstrip("/")
    if not url:
        raise CouldNotCheck(
            "monitor.baseline is 'deployed': set SERVICE_URL to the service's address (its "
            "/version names the release it runs), or name a tag with --baseline"
        )
    check_url(url, "SERVICE_URL")
    shown = f"{shown_url(url)}/version"
    try:
        with requests.Session() as session:
            session.trust_env = not is_loopback(url)  # no HTTP_PROXY for this machine
            answer = session.get(f"{url}/version", timeout=30)
    except requests.RequestException as exc:
        raise CouldNotCheck(f"GET {shown} failed: {reason(exc)}") from None
    if answer.status_code != 200:
        raise CouldNotCheck(f"GET {shown} answered {status(answer)}: which release is deployed?")
    try:
        version = answer.json()["version"]
    except (ValueError, KeyError, TypeError):
        raise CouldNotCheck(f"GET {shown} did not answer a JSON object with 'version'") from None
    if not isinstance(version, str) or not version.strip():
        raise CouldNotCheck(f"GET {shown} names no version ({version!r})")
    candidates = [version] if version.startswith("v") else [f"v{version}", version]
    for ref in candidates:
        try:
            resolve(ref, root)
        except CouldNotCheck:
            continue
        print(f"deployed: {shown} runs {version} (baseline {ref})", file=sys.stderr)
        return ref
    raise CouldNotCheck(
        f"the service runs {version!r}, but this repository has no tag "
        f"{' or '.join(repr(c) for c in candidates)} (a shallow clone has no tags: check out "
        "with fetch-depth: 0)"
    )
