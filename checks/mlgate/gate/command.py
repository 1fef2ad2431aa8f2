"""`mlgate gate`: read the policy (from the baseline ref), the metrics (workspace and baseline),
judge, and write the report where it was asked for.

Only the standard library, PyYAML and git are used here, so the gate answers in well under a
second even in a project whose pipeline needs pandas and scikit-learn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import CouldNotCheck
from ..io import step_summary
from ..io.git import Revision, ignored, read_at, resolve
from ..io.metrics import MetricsError, parse_metrics, read_metrics
from ..io.textfile import write_text
from ..policy import DEFAULT_POLICY, GatePolicy, parse_policy, read_policy
from .judge import Baseline, exit_code, judge
from .report import RENDERERS, GateReport, PolicyChange, error_report, to_json, to_markdown
from .report import to_text as report_text


def run_gate(
    config: str | None,
    baseline_ref: str | None,
    *,
    fmt: str = "text",
    output: str | None = None,
    json_path: str | None = None,
) -> int:
    try:
        report = build_report(Path(config or DEFAULT_POLICY), baseline_ref)
    except CouldNotCheck as exc:
        if output:
            write_text(output, error_report(fmt, str(exc)))
        if json_path:
            write_text(json_path, error_report("json", str(exc)))
        raise
    rendered = RENDERERS[fmt](report)
    if output:
        write_text(output, rendered)
        sys.stdout.write(report_text(report))
    else:
        sys.stdout.write(rendered)
    if json_path:
        write_text(json_path, to_json(report))
    step_summary.append(to_markdown(report))
    return report.exit_code


def build_report(config_path: Path, baseline_ref: str | None) -> GateReport:
    """Everything the gate decides, without writing anything."""
    root = config_path.parent
    workspace = GatePolicy.from_policy(read_policy(config_path), str(config_path))
    ref = baseline_ref or workspace.baseline
    policy, revision, changes, notes = workspace, None, [], []
    if ref:
        revision = resolve(ref, root)
        policy, changes, notes = _policy_at(revision, config_path, workspace)
        if not baseline_ref:
            notes.append(
                f"the baseline ref {ref!r} comes from gate.baseline in the working tree's "
                f"{config_path.name}; CI passes --baseline so a change cannot pick its judge"
            )
    else:
        notes.append(
            f"no baseline: the rules of the working tree's {config_path.name} apply and "
            "nothing is compared with main"
        )

    metrics_path = root / policy.metrics
    current = read_metrics(metrics_path, policy.metrics)
    baseline, baseline_note = _baseline(revision, policy, root)
    results = judge(policy, current, baseline)
    return GateReport(
        exit_code=exit_code(results),
        metrics_path=policy.metrics,
        policy_source=policy.source + (" (working tree)" if policy is workspace else ""),
        results=results,
        baseline=revision,
        baseline_note=baseline_note,
        policy_changes=changes,
        notes=notes,
    )


def _policy_at(
    revision: Revision, config_path: Path, workspace: GatePolicy
) -> tuple[GatePolicy, list[PolicyChange], list[str]]:
    """The policy in force at the baseline: a change cannot loosen the rules that judge it."""
    name = config_path.name
    text = read_at(revision, name, config_path.parent)
    if text is None:
        note = (
            f"{name} is not committed at {revision.ref}: the rules of this change apply; "
            "from the next change on, the committed rules judge"
        )
        return workspace, [], [note]
    source = f"{name} at {revision.ref}"
    policy = GatePolicy.from_policy(parse_policy(text, source), source)
    return policy, policy_changes(policy, workspace), []


def policy_changes(now: GatePolicy, after: GatePolicy) -> list[PolicyChange]:
    """What differs between the rules in force and those the change brings."""
    changes = []
    for item, old, new in (
        ("metrics", now.metrics, after.metrics),
        ("baseline", now.baseline or "none", after.baseline or "none"),
        ("on_missing_baseline", now.on_missing_baseline, after.on_missing_baseline),
    ):
        if old != new:
            changes.append(PolicyChange(item, old, new))
    old_rules, new_rules = now.rule_texts(), after.rule_texts()
    for metric in [*old_rules, *(m for m in new_rules if m not in old_rules)]:
        old = old_rules.get(metric, "no rule")
        new = new_rules.get(metric, "no rule")
        if old != new:
            changes.append(PolicyChange(f"rules.{metric}", old, new))
    return changes


def _baseline(revision: Revision | None, policy: GatePolicy, root: Path) -> tuple[Baseline, str]:
    if revision is None:
        reason = "no baseline ref given (--baseline or gate.baseline)"
        return Baseline(None, reason), reason
    text = read_at(revision, policy.metrics, root)
    if text is None:
        if ignored(policy.metrics, root):
            why = "git ignores it: a DVC metric needs 'cache: false' in dvc.yaml to be committed"
        else:
            why = "commit it (with dvc.lock) and the next change is compared with it"
        reason = f"{policy.metrics} is not committed at {revision.ref}; {why}"
        return Baseline(None, reason), reason
    try:
        metrics = parse_metrics(
            text, f"{policy.metrics} at {revision.ref}", suffix=Path(policy.metrics).suffix
        )
    except MetricsError as exc:
        return Baseline(None, str(exc)), str(exc)
    return Baseline(metrics), ""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Compare the workspace metrics with the bounds of mlgate.yaml's gate section and "
        "with the metrics committed at the baseline ref. With --baseline, the policy is "
        "read from that ref, so a change cannot loosen the rules that judge it; CI should "
        "always pass --baseline."
    )
    parser.epilog = "Exit codes: 0 pass, 1 a metric failed, 2 could not check."
    parser.add_argument("--config", help="policy file (default: mlgate.yaml)")
    parser.add_argument(
        "--baseline", metavar="REF", help="git ref to compare with (default: gate.baseline)"
    )
    parser.add_argument("--format", choices=["text", "md", "json"], default="text")
    parser.add_argument(
        "--output", metavar="FILE", help="write the report here (the terminal gets the table)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the JSON report here")


def run(args: argparse.Namespace) -> int:
    return run_gate(
        args.config, args.baseline, fmt=args.format, output=args.output, json_path=args.json
    )
