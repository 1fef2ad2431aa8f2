"""Command line entry point.

Only argparse and the standard library are imported here; each command imports its heavy
dependencies (GX, pandas, cookiecutter) when it runs, so `mlgate --help` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from . import __version__, step_summary
from .errors import COULD_NOT_CHECK, CouldNotCheck


def _cmd_new(args: argparse.Namespace) -> int:
    from .new import render

    return render(
        extra=args.extra,
        no_input=args.no_input,
        output_dir=args.output_dir,
        template=args.template,
        overwrite=args.overwrite,
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validate import run_validation

    return run_validation(args.suite, args.data, output=args.output, fmt=args.format)


def _cmd_suite_init(args: argparse.Namespace) -> int:
    from .suite_init import write_suite

    return write_suite(
        args.data,
        args.output,
        name=args.name,
        margin=args.margin,
        max_categories=args.max_categories,
        force=args.force,
    )


def _cmd_gate(args: argparse.Namespace) -> int:
    from .gate_command import run_gate

    return run_gate(
        args.config, args.baseline, fmt=args.format, output=args.output, json_path=args.json
    )


def _cmd_comment(args: argparse.Namespace) -> int:
    from .comment import run_comment

    return run_comment(args.file, args.marker, args.pr)


def _cmd_issue(args: argparse.Namespace) -> int:
    from .issue import run_issue

    return run_issue(args.title, args.label, args.file, close=args.close)


def _cmd_pr(args: argparse.Namespace) -> int:
    from .pull_request import run_pr

    return run_pr(
        args.branch, args.title, args.paths, body_file=args.body_file, base=args.base,
        message=args.message,
    )  # fmt: skip


def _cmd_dispatch(args: argparse.Namespace) -> int:
    from .dispatch import run_dispatch

    return run_dispatch(args.workflow, ref=args.ref, if_policy=args.if_policy, config=args.config)


def _cmd_window(args: argparse.Namespace) -> int:
    from .fetch_window import run_window

    return run_window(args.config)


def _cmd_profile(args: argparse.Namespace) -> int:
    from .profile import ProfileSettings, write_profile

    settings = ProfileSettings(args.bins, args.top_k, args.sample, args.seed)
    return write_profile(args.data, args.output, exclude=args.exclude, settings=settings)


def _cmd_drift(args: argparse.Namespace) -> int:
    from .drift_command import run_drift

    return run_drift(
        args.reference, args.current, args.config, fmt=args.format, json_path=args.json,
        report_path=args.report,
    )  # fmt: skip


def _cmd_check(args: argparse.Namespace) -> int:
    from .check.command import run_check

    return run_check(
        args.path, fmt=args.format, fail_on=args.fail_on, select=args.select,
        ignore=args.ignore, require=args.require, output=args.output, sarif=args.sarif,
    )  # fmt: skip


def _cmd_verify(args: argparse.Namespace) -> int:
    from .verify import run_verify

    return run_verify(
        args.url, expect_version=args.expect_version, sample=args.sample, requests=args.requests,
        p95_ms=args.p95_ms, timeout=args.timeout, config=args.config, json_path=args.json,
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlgate",
        description="Template, checker and runtime gates for ML repositories on GitHub.",
        epilog="Exit codes: 0 pass, 1 fail, 2 could not check.",
    )
    parser.add_argument("--version", action="version", version=f"mlgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    new = sub.add_parser("new", help="render a new ML repository from the template")
    new.add_argument("extra", nargs="*", metavar="key=value", help="answers to template prompts")
    new.add_argument("--no-input", action="store_true", help="do not prompt; use defaults")
    new.add_argument("-o", "--output-dir", default=".", help="where to create the project")
    new.add_argument("--template", help="template location (default: the bundled template)")
    new.add_argument(
        "--overwrite", action="store_true", help="replace the project directory if it exists"
    )
    new.set_defaults(func=_cmd_new)

    validate = sub.add_parser("validate", help="run a committed GX suite on a data file")
    validate.add_argument("suite", help="GX Core 1.x expectation suite (JSON)")
    validate.add_argument("data", help="CSV, Parquet or JSON lines file")
    validate.add_argument("-o", "--output", help="write the result JSON here")
    validate.add_argument("--format", choices=["text", "json"], default="text")
    validate.set_defaults(func=_cmd_validate)

    suite = sub.add_parser("suite", help="expectation suite tools")
    suite_sub = suite.add_subparsers(dest="suite_command", metavar="SUBCOMMAND")
    init = suite_sub.add_parser("init", help="infer a starting GX suite from data")
    init.add_argument("data", help="CSV, Parquet or JSON lines file")
    init.add_argument("-o", "--output", required=True, help="suite JSON to write")
    init.add_argument("--name", help="suite name (default: the output file's stem)")
    init.add_argument(
        "--margin",
        type=float,
        default=0.1,
        help="widen numeric ranges by this share of the observed range (default 0.1)",
    )
    init.add_argument(
        "--max-categories",
        type=int,
        default=20,
        help="columns with at most this many distinct values get a value-set expectation",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing suite")
    init.set_defaults(func=_cmd_suite_init)
    suite.set_defaults(func=lambda _args: _usage(suite))

    gate = sub.add_parser(
        "gate",
        help="judge metrics against thresholds and against a baseline ref",
        description=(
            "Compare the workspace metrics with the bounds of mlgate.yaml's gate section and "
            "with the metrics committed at the baseline ref. With --baseline, the policy is "
            "read from that ref, so a change cannot loosen the rules that judge it; CI should "
            "always pass --baseline."
        ),
        epilog="Exit codes: 0 pass, 1 a metric failed, 2 could not check.",
    )
    gate.add_argument("--config", help="policy file (default: mlgate.yaml)")
    gate.add_argument(
        "--baseline", metavar="REF", help="git ref to compare with (default: gate.baseline)"
    )
    gate.add_argument("--format", choices=["text", "md", "json"], default="text")
    gate.add_argument(
        "--output", metavar="FILE", help="write the report here (the terminal gets the table)"
    )
    gate.add_argument("--json", metavar="FILE", help="also write the JSON report here")
    gate.set_defaults(func=_cmd_gate)

    profile = sub.add_parser(
        "profile",
        help="summarise reference data for drift checks",
        description="Per column: kind, counts, nulls, distinct values, quantile bins, top "
        "categories and a seeded sample. The same input gives a byte-identical profile.",
    )
    profile.add_argument("data", nargs="+", help="CSV, Parquet or JSON lines files")
    profile.add_argument("-o", "--output", required=True, help="profile JSON to write")
    profile.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="COLUMN",
        help="leave a column out (e.g. the target); repeat for more",
    )
    profile.add_argument("--bins", type=int, default=100, help="quantile bins (default 100)")
    profile.add_argument("--top-k", type=int, default=50, help="categories kept (default 50)")
    profile.add_argument(
        "--sample", type=int, default=5000, help="raw values kept per numeric column (default 5000)"
    )
    profile.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    profile.set_defaults(func=_cmd_profile)

    drift = sub.add_parser(
        "drift",
        help="compare a window of data with a reference profile",
        description="Per column a test or distance chosen as Evidently's DataDriftPreset does; "
        "the data set drifts when the share of drifted columns reaches drift_share.",
        epilog="Exit codes: 0 no drift, 1 drift, 2 could not check.",
    )
    drift.add_argument("--reference", help="profile JSON (default: drift.reference)")
    drift.add_argument(
        "--current",
        nargs="+",
        default=[],
        metavar="DATA",
        help="the window: CSV, Parquet, JSON lines or the service's request log",
    )
    drift.add_argument("--config", help="policy file (default: mlgate.yaml if present)")
    drift.add_argument("--format", choices=["text", "md", "json"], default="text")
    drift.add_argument("--json", metavar="FILE", help="also write the JSON report here")
    drift.add_argument("--report", metavar="FILE.html", help="write the HTML report here")
    drift.set_defaults(func=_cmd_drift)

    window = sub.add_parser(
        "window",
        help="fetch the drift window named by mlgate.yaml drift.current",
        description="Put the window at drift.current.path (default logs/requests.jsonl), where "
        "mlgate drift reads it: download drift.current.url (https; a bearer token from the "
        "variable drift.current.token_env) into a temporary file renamed into place, or "
        "'dvc pull' drift.current.dvc; with neither, the file must already be there.",
        epilog="Exit codes: 0 the window is in place, 2 could not fetch it (the previous "
        "window, if any, is left as it was).",
    )
    window.add_argument("--config", help="policy file (default: mlgate.yaml if present)")
    window.set_defaults(func=_cmd_window)

    check = sub.add_parser(
        "check",
        help="audit a repository against the mlgate standard",
        description="First says which parts of the standard the repository has adopted (dvc, "
        "gx, gate, gha, docker, deploy, drift, owners, updates), then runs mlgate's rules on "
        "those parts, with zizmor and hadolint. A part not adopted fails nothing unless it is "
        "required (--require, or check.require in mlgate.yaml). Ignores live in mlgate.yaml "
        "check.ignore, each with a reason. "
        "Rules: https://github.com/mlgate/mlgate/blob/main/docs/rules.md",
        epilog="Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 could not check "
        "(a tool missing or crashed).",
    )
    check.add_argument("path", nargs="?", default=".", help="repository root (default: .)")
    check.add_argument(
        "--format", choices=["text", "json", "sarif", "github", "md"], default="text"
    )
    check.add_argument(
        "--fail-on",
        choices=["error", "warning", "info"],
        default="warning",
        help="lowest severity that fails the check (default: warning)",
    )
    check.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these rules or families (comma-separated; repeatable)",
    )
    check.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="skip these rules, families or tool findings",
    )
    check.add_argument(
        "--require",
        action="append",
        metavar="PARTS",
        help="parts that must be adopted, e.g. dvc,gate,docker (or all; repeatable)",
    )
    check.add_argument("-o", "--output", metavar="FILE", help="write the report here")
    check.add_argument(
        "--sarif", metavar="FILE", help="also write SARIF here (for code scanning upload)"
    )
    check.set_defaults(func=_cmd_check)

    verify = sub.add_parser(
        "verify",
        help="check a live model service after a deploy",
        description="Wait for the rollout: poll /ready (200) and /version (--expect-version) "
        "with backoff (first wait MLGATE_VERIFY_BACKOFF_S, 0.5 s, doubling up to 5 s) until "
        "--timeout. Then GET /health; send the sample's records to POST /predict (100 per "
        "request, at most 1000) and check the answers: one prediction per record, numbers or "
        "text, probabilities in [0, 1] summing to 1; time --requests sequential requests (POST "
        "/predict with one record each, GET /health without a sample) and compare their p95 "
        "(nearest rank) with --p95-ms. Defaults come from mlgate.yaml's verify section "
        "(timeout_s 300, p95_ms 200, requests 100, sample: a path relative to mlgate.yaml); "
        "options override it. The table goes to the terminal and the job summary.",
        epilog="Exit codes: 0 pass; 1 fail (not ready or another version at the timeout, a bad "
        "answer, p95 over budget); 2 could not check (nothing answered within the timeout, bad "
        "arguments, an unreadable sample or policy).",
    )
    verify.add_argument("url", metavar="URL", help="the service's base URL, http(s)://HOST[/PATH]")
    verify.add_argument(
        "--expect-version",
        metavar="V",
        help="the version /version must report; one leading v is ignored (v0.1.0 = 0.1.0)",
    )
    verify.add_argument(
        "--sample",
        metavar="FILE",
        help='records for /predict: a JSON array, {"records": [...]}, JSON lines or the '
        "service's request log (default: verify.sample; none: predictions not checked)",
    )
    verify.add_argument(
        "--requests", type=int, metavar="N", help="requests to time (default: verify.requests)"
    )
    verify.add_argument(
        "--p95-ms", type=float, metavar="MS", help="p95 latency budget (default: verify.p95_ms)"
    )
    verify.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="seconds the rollout may take (default: verify.timeout_s)",
    )
    verify.add_argument("--config", help="policy file (default: mlgate.yaml if present)")
    verify.add_argument("--json", metavar="FILE", help="also write the results as JSON here")
    verify.set_defaults(func=_cmd_verify)

    github_env = (
        "GitHub: GITHUB_API_URL (default https://api.github.com), GITHUB_REPOSITORY, "
        "GITHUB_TOKEN; retries wait MLGATE_RETRY_BACKOFF_S (1 s) doubling."
    )
    comment = sub.add_parser(
        "comment",
        help="create or update one sticky pull request comment",
        description="Post FILE (Markdown) as the pull request comment carrying the marker, "
        "editing it in place on later runs. 403/404 (a fork's read-only token) is a warning.",
        epilog=github_env,
    )
    comment.add_argument("file", metavar="FILE", help="Markdown report, or - for stdin")
    comment.add_argument("--marker", required=True, metavar="ID", help="which sticky comment")
    comment.add_argument(
        "--pr", type=int, help="pull request number (default: from GITHUB_EVENT_PATH)"
    )
    comment.set_defaults(func=_cmd_comment)

    issue = sub.add_parser(
        "issue",
        help="open or update the one issue carrying a label",
        description="Comment FILE on the open issue with --label, or open one; never a second. "
        "--close closes it (after commenting FILE, if given).",
        epilog=github_env,
    )
    issue.add_argument("file", nargs="?", metavar="FILE", help="Markdown report, or - for stdin")
    issue.add_argument("--title", help="title of a new issue")
    issue.add_argument("--label", required=True, help="the label that identifies the issue")
    issue.add_argument("--close", action="store_true", help="close the open issue, if any")
    issue.set_defaults(func=_cmd_issue)

    pr = sub.add_parser(
        "pr",
        help="propose the working tree's changes as a pull request",
        description="Commit the changes in PATH (default: the whole work tree) on BRANCH, "
        "reset to HEAD, force-push it to origin (the token as a header for GitHub's host, never "
        "in a URL) and open a pull request from it, or update the one already open. No changes: "
        "'nothing to propose', exit 0. Step outputs: changed, branch, number, url.",
        epilog=f"{github_env} Exit codes: 0 proposed or nothing to propose, 2 could not "
        "(no git work tree, no origin, push or API failure; the commit stays on the local "
        "branch).",
    )
    pr.add_argument("paths", nargs="*", metavar="PATH", help="only commit changes here")
    pr.add_argument("--branch", required=True, help="the pull request's branch (force-pushed)")
    pr.add_argument("--title", required=True, help="the pull request's title")
    pr.add_argument(
        "--body-file", metavar="FILE", help="its description (Markdown), or - for stdin"
    )
    pr.add_argument(
        "--base",
        help="branch to merge into (default: the repository's default branch from "
        "GITHUB_EVENT_PATH, else main)",
    )
    pr.add_argument("--message", metavar="MSG", help="commit message (default: the title)")
    pr.set_defaults(func=_cmd_pr)

    dispatch = sub.add_parser(
        "dispatch",
        help="start another workflow of this repository (workflow_dispatch)",
        description="Start WORKFLOW on --ref (default: the repository's default branch). With "
        "--if-policy, only when that switch of mlgate.yaml is true (drift.retrain: start "
        "retrain.yml when drift was found). Step output: dispatched=true|false.",
        epilog=f"{github_env} Exit codes: 0 started or switched off by the policy, 2 could not "
        "(no such workflow, no workflow_dispatch trigger, no 'actions: write').",
    )
    dispatch.add_argument("workflow", metavar="WORKFLOW", help="file name, e.g. retrain.yml")
    dispatch.add_argument("--ref", help="branch or tag to run it on")
    dispatch.add_argument(
        "--if-policy", metavar="SWITCH", help="only when this mlgate.yaml switch is true"
    )
    dispatch.add_argument(
        "--config", help="the policy file (default: ./mlgate.yaml, else the defaults)"
    )
    dispatch.set_defaults(func=_cmd_dispatch)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return COULD_NOT_CHECK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        return _usage(parser)
    try:
        return func(args)
    except CouldNotCheck as exc:
        print(f"mlgate {args.command}: could not check: {exc}", file=sys.stderr)
        step_summary.could_not_check(args.command, str(exc))
        return COULD_NOT_CHECK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
