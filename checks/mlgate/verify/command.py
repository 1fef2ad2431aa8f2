"""`mlgate verify URL`: after a deploy, check that the live service is the release and works.

The release job runs this once the GitOps pull request is merged, while the cluster may still be
rolling out, so it first waits: `/ready` must answer 200 and `/version` must report the expected
version, polled with exponential backoff until the timeout. Then `/health`, the sample's records
through `/predict` (one prediction per record, numbers or text; probabilities in [0, 1] summing
to 1), and the latency of N sequential requests against the p95 budget.

Three outcomes, kept apart: pass (0); fail (1) when the service answered but is not the release,
never got ready, answered badly or too slowly; could not check (2) when nothing ever answered
within the timeout or the inputs (URL, numbers, policy, sample) are unusable. Inputs are all
checked before the first request, so a typo does not wait out a five-minute timeout.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import CouldNotCheck
from ..io import step_summary
from ..io.http import safe_shown
from ..io.textfile import write_text
from .probes import check_health, check_latency, check_predictions
from .report import NOT_CHECKED, Check, VerifyReport, error_json, to_json, to_markdown, to_text
from .rollout import wait_for_rollout
from .service import REQUEST_TIMEOUT_S, Service
from .settings import Settings, build_settings


def run_verify(
    url: str,
    *,
    expect_version: str | None = None,
    sample: str | None = None,
    requests: int | None = None,
    p95_ms: float | None = None,
    timeout: float | None = None,
    config: str | None = None,
    json_path: str | None = None,
) -> int:
    """Check the service and report in the terminal, the job summary and --json."""
    try:
        settings = build_settings(
            url, expect_version=expect_version, sample=sample, requests=requests,
            p95_ms=p95_ms, timeout=timeout, config=config,
        )  # fmt: skip
        report = verify(settings)
    except CouldNotCheck as exc:
        if json_path:
            write_text(json_path, error_json(str(exc), safe_shown(url)))
        raise
    sys.stdout.write(to_text(report))
    if json_path:
        write_text(json_path, to_json(report))
    step_summary.append(to_markdown(report))
    return report.exit_code


def verify(settings: Settings) -> VerifyReport:
    """Every check in order; after a failed rollout the rest is not checked (and says so)."""
    report = VerifyReport(settings.shown, settings.expect_version, settings.policy_source)
    with Service(settings.url) as service:
        rollout = wait_for_rollout(service, settings)
        report.service_version = rollout.version
        report.checks.extend(rollout.checks(settings))
        if not rollout.done:
            reason = "the rollout did not complete"
            for name in ("health", "predictions", "latency p95"):
                report.checks.append(Check(name, NOT_CHECKED, reason))
            return report
        report.checks.append(check_health(service, REQUEST_TIMEOUT_S))
        report.checks.append(check_predictions(service, settings, REQUEST_TIMEOUT_S))
        check, report.latency = check_latency(service, settings, REQUEST_TIMEOUT_S)
        report.checks.append(check)
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Wait for the rollout: poll /ready (200) and /version (--expect-version) with backoff "
        "(first wait MLGATE_VERIFY_BACKOFF_S, 0.5 s, doubling up to 5 s) until --timeout. Then "
        "GET /health; send the sample's records to POST /predict (100 per request, at most 1000) "
        "and check the answers: one prediction per record, numbers or text, probabilities in "
        "[0, 1] summing to 1; time --requests sequential requests (POST /predict with one record "
        "each, GET /health without a sample) and compare their p95 (nearest rank) with --p95-ms. "
        "Defaults come from mlgate.yaml's verify section (timeout_s 300, p95_ms 200, requests "
        "100, sample: a path relative to mlgate.yaml); options override it. The table goes to the "
        "terminal and the job summary."
    )
    parser.epilog = (
        "Exit codes: 0 pass; 1 fail (not ready or another version at the timeout, a bad answer, "
        "p95 over budget); 2 could not check (nothing answered within the timeout, bad "
        "arguments, an unreadable sample or policy)."
    )
    parser.add_argument("url", metavar="URL", help="the service's base URL, http(s)://HOST[/PATH]")
    parser.add_argument(
        "--expect-version",
        metavar="V",
        help="the version /version must report; one leading v is ignored (v0.1.0 = 0.1.0)",
    )
    parser.add_argument(
        "--sample",
        metavar="FILE",
        help='records for /predict: a JSON array, {"records": [...]}, JSON lines or the '
        "service's request log (default: verify.sample; none: predictions not checked)",
    )
    parser.add_argument(
        "--requests", type=int, metavar="N", help="requests to time (default: verify.requests)"
    )
    parser.add_argument(
        "--p95-ms", type=float, metavar="MS", help="p95 latency budget (default: verify.p95_ms)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="seconds the rollout may take (default: verify.timeout_s)",
    )
    parser.add_argument("--config", help="policy file (default: mlgate.yaml if present)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON here")


def run(args: argparse.Namespace) -> int:
    return run_verify(
        args.url, expect_version=args.expect_version, sample=args.sample, requests=args.requests,
        p95_ms=args.p95_ms, timeout=args.timeout, config=args.config, json_path=args.json,
    )  # fmt: skip
