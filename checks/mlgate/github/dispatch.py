"""`mlgate dispatch WORKFLOW [--if-policy drift.retrain|monitor.retrain]`: start another workflow.

drift.yml ends here when the data drifted: whether drift should also retrain is the policy's
call (`drift.retrain` in mlgate.yaml), not the workflow's, so the switch lives beside the other
drift settings and a platform team can read it in one place. The workflow runs on the default
branch; what it proposes goes through the normal gate. `workflow_dispatch` is one of the two
events GitHub lets the workflow token trigger, so no personal token is needed.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from urllib.parse import quote

from ..errors import PASS, CouldNotCheck
from ..io.step_summary import write_step_outputs
from .api import (
    GITHUB_ENVIRONMENT,
    GitHub,
    GitHubContext,
    GitHubError,
    NoPermission,
    event_default_branch,
)

WORKFLOW_NAME = re.compile(r"^(?:[A-Za-z0-9_.-]+\.ya?ml|\d+)$")
PERMISSION_HINT = "The job needs 'permissions: actions: write' to start a workflow."


def _drift_retrain(config: str | None) -> bool:
    from ..policy import load_drift_policy

    return load_drift_policy(config).retrain


def _monitor_retrain(config: str | None) -> bool:
    from ..policy import load_monitor_policy

    return load_monitor_policy(config).retrain


POLICY_SWITCHES: dict[str, Callable[[str | None], bool]] = {
    "drift.retrain": _drift_retrain,
    "monitor.retrain": _monitor_retrain,
}


def check_workflow_name(workflow: str) -> None:
    if not WORKFLOW_NAME.match(workflow):
        raise CouldNotCheck(
            f"WORKFLOW {workflow!r} must be a workflow file name in .github/workflows "
            "(e.g. retrain.yml) or a workflow id"
        )


def dispatch_ref(ref: str | None) -> str:
    """--ref, else the repository's default branch from the event, else the run's branch."""
    ref = ref or event_default_branch() or os.environ.get("GITHUB_REF_NAME", "")
    if not ref.strip():
        raise CouldNotCheck(
            "no branch to run the workflow on: pass --ref, or run where GITHUB_EVENT_PATH or "
            "GITHUB_REF_NAME names one"
        )
    return ref.strip()


def start_workflow(github: GitHub, workflow: str, ref: str) -> None:
    """POST a workflow_dispatch event; a message that says what to fix when GitHub refuses."""
    path = github.repo_path(f"/actions/workflows/{quote(workflow, safe='')}/dispatches")
    try:
        github.request("POST", path, json={"ref": ref})
    except NoPermission as exc:
        if exc.status == 404:
            raise CouldNotCheck(
                f"cannot start {workflow}: GitHub knows no such workflow on {ref} (or the token "
                f"cannot see it). {PERMISSION_HINT}"
            ) from None
        raise CouldNotCheck(f"cannot start {workflow}: {exc}. {PERMISSION_HINT}") from None
    except GitHubError as exc:
        if exc.status == 422:
            raise CouldNotCheck(
                f"cannot start {workflow} on {ref}: {exc} (does it have an "
                "'on: workflow_dispatch' trigger on that branch?)"
            ) from None
        raise CouldNotCheck(f"cannot start {workflow}: {exc}") from None


def run_dispatch(
    workflow: str, *, ref: str | None = None, if_policy: str | None = None, config: str | None
) -> int:
    check_workflow_name(workflow)
    if if_policy is not None:
        switch = POLICY_SWITCHES.get(if_policy)
        if switch is None:
            raise CouldNotCheck(
                f"--if-policy {if_policy!r} is not a switch; one of {', '.join(POLICY_SWITCHES)}"
            )
        if not switch(config):
            print(
                f"mlgate dispatch: not starting {workflow}: {if_policy} is false in "
                f"{config or 'mlgate.yaml'} (set it to true to start it)"
            )
            write_step_outputs({"dispatched": "false"})
            return PASS
    ref = dispatch_ref(ref)
    start_workflow(GitHub(GitHubContext.from_env()), workflow, ref)
    print(f"mlgate dispatch: started {workflow} on {ref}")
    write_step_outputs({"dispatched": "true"})
    return PASS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Start WORKFLOW on --ref (default: the repository's default branch). With --if-policy, "
        "only when that switch of mlgate.yaml is true (drift.retrain: start retrain.yml when "
        "drift was found). Step output: dispatched=true|false."
    )
    parser.epilog = (
        f"{GITHUB_ENVIRONMENT} Exit codes: 0 started or switched off by the policy, 2 could not "
        "(no such workflow, no workflow_dispatch trigger, no 'actions: write')."
    )
    parser.add_argument("workflow", metavar="WORKFLOW", help="file name, e.g. retrain.yml")
    parser.add_argument("--ref", help="branch or tag to run it on")
    parser.add_argument(
        "--if-policy", metavar="SWITCH", help="only when this mlgate.yaml switch is true"
    )
    parser.add_argument(
        "--config", help="the policy file (default: ./mlgate.yaml, else the defaults)"
    )


def run(args: argparse.Namespace) -> int:
    return run_dispatch(args.workflow, ref=args.ref, if_policy=args.if_policy, config=args.config)
