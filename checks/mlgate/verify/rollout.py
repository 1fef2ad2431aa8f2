"""Wait for the rollout: `/ready` must answer 200 and `/version` report the expected version.

The release job runs `mlgate verify` once the GitOps pull request is merged, while the cluster
may still be rolling out, so both are polled with exponential backoff until the timeout. A
service that never answered at all is could-not-check; one that answered but never got there
fails.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import CouldNotCheck
from ..io.http import reason, status
from .report import FAILED, NOT_CHECKED, PASSED, Check
from .service import REQUEST_TIMEOUT_S, BadAnswer, Service, json_body, status_field
from .settings import Settings

if TYPE_CHECKING:
    import requests

MAX_BACKOFF_S = 5.0


@dataclass
class Rollout:
    """What the rollout wait saw; `said` is the last observation in words."""

    answered: bool = False
    ready: bool = False
    done: bool = False
    version: dict[str, Any] | None = None
    said: str = ""
    attempts: int = 0
    waited_s: float = 0.0
    ready_after: str = ""  # when /ready first answered 200: "after 1.2 s (3 attempts)"

    def checks(self, settings: Settings) -> list[Check]:
        """The ready and version rows."""
        after = f"after {self.waited_s:.1f} s ({_attempts(self.attempts)})"
        if not self.ready:
            return [
                Check("ready", FAILED, f"not ready {after}; last: {self.said}"),
                Check("version", NOT_CHECKED, "the service never got ready"),
            ]
        ready = Check("ready", PASSED, f"/ready answered 200 {self.ready_after}")
        if not self.done:
            return [ready, Check("version", FAILED, f"{self.said}, still {after}")]
        if self.version is None or settings.expect_version is None:
            shown = f"{self.version['version']}{_provenance(self.version)}" if self.version else ""
            detail = f"{shown or self.said}; pass --expect-version to check it"
            return [ready, Check("version", NOT_CHECKED, detail)]
        detail = f"{self.version['version']} = expected {settings.expect_version}"
        return [ready, Check("version", PASSED, detail + _provenance(self.version))]


def wait_for_rollout(
    service: Service,
    settings: Settings,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Rollout:
    """Poll /ready and /version until both are right or the timeout; raise if nothing answered."""
    state = Rollout()
    start = clock()
    deadline = start + settings.timeout_s
    delay = settings.backoff_s
    while (remaining := deadline - clock()) > 0:
        state.attempts += 1
        _poll(service, settings.expect_version, min(REQUEST_TIMEOUT_S, remaining), state)
        if state.ready and not state.ready_after:
            state.ready_after = f"after {clock() - start:.1f} s ({_attempts(state.attempts)})"
        if state.done:
            break
        pause = min(delay, deadline - clock())
        if pause > 0:
            sleep(pause)
        delay = min(delay * 2, MAX_BACKOFF_S)
    state.waited_s = clock() - start
    if not state.answered:
        raise CouldNotCheck(
            f"could not reach {settings.shown} within {settings.timeout_s:g} s "
            f"({_attempts(state.attempts)}): {state.said or 'no attempt was made'}"
        )
    return state


def _poll(service: Service, expect: str | None, timeout: float, state: Rollout) -> None:
    """One look at /ready, then /version; the result goes into `state`."""
    import requests

    before = state.said
    state.ready = False
    try:
        ready = service.call("GET", "/ready", timeout)
        state.answered = True
        if ready.status_code != 200:
            state.said = f"/ready answered {status(ready)}{status_field(ready)}"
        else:
            state.ready = True
            _look_at_version(service.call("GET", "/version", timeout), expect, state)
    except requests.RequestException as exc:
        where = "/version" if state.ready else "/ready"
        state.said = f"GET {where} failed: {reason(exc)}"
    if state.said != before and not state.done:
        print(f"mlgate verify: waiting for the rollout: {state.said}", file=sys.stderr)


def _look_at_version(response: requests.Response, expect: str | None, state: Rollout) -> None:
    if response.status_code != 200:
        state.said = f"/version answered {status(response)}"
        state.done = expect is None
        return
    try:
        body = json_body(response)
    except BadAnswer as exc:
        state.said = f"/version: {exc}"
        state.done = expect is None
        return
    version = body.get("version") if isinstance(body, dict) else None
    if not isinstance(version, str) or not version.strip():
        state.said = '/version did not answer {"version": "..."}'
        state.done = expect is None
        return
    state.version = body
    if expect is not None and not same_version(version, expect):
        state.said = f"version {version}, expected {expect}"
        return
    state.said = f"version {version}"
    state.done = True


def same_version(reported: str, expected: str) -> bool:
    """Equal after dropping one leading 'v' from either: tag v0.1.0 is version 0.1.0."""
    return _bare(reported) == _bare(expected)


def _bare(version: str) -> str:
    version = version.strip()
    return version[1:] if version.startswith("v") else version


def _provenance(info: dict[str, Any]) -> str:
    """' (commit abc123def456, model sha256:0123…)' from what /version said, if anything."""
    extra = [
        f"{label} {str(info[key])[:width]}"
        for key, label, width in (("commit", "commit", 12), ("model_hash", "model", 23))
        if isinstance(info.get(key), str) and info[key]
    ]
    return f" ({', '.join(extra)})" if extra else ""


def _attempts(count: int) -> str:
    return f"{count} attempt{'s' * (count != 1)}"
