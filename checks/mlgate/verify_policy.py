"""The `verify:` section of mlgate.yaml: how long a rollout may take and what the service owes.

The same checks apply to the section's values and to the command line options that override
them, so `--requests 0` and `requests: 0` are refused with the same words (exit 2): a limit
that cannot be met, or one that is not a number, would make the verdict meaningless.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CouldNotCheck
from .policy import DEFAULT_POLICY, PolicyError, check_keys, describe, read_policy, section

VERIFY_KEYS = ("timeout_s", "p95_ms", "requests", "sample")
MAX_REQUESTS = 10_000


@dataclass(frozen=True)
class VerifyPolicy:
    source: str = "defaults"
    timeout_s: float = 300.0  # the whole rollout wait
    p95_ms: float = 200.0  # latency budget of the 95th percentile
    requests: int = 100  # requests timed for the latency
    sample: Path | None = None  # records sent to /predict; none: predictions not checked

    @classmethod
    def from_policy(cls, policy: dict[str, Any], source: str, root: Path) -> VerifyPolicy:
        """The section of a parsed policy; a relative `sample` is relative to `root`."""
        verify = section(policy, "verify")
        where = f"{source}: verify"
        check_keys(verify, VERIFY_KEYS, where)
        defaults = cls()
        timeout_s = seconds(verify.get("timeout_s", defaults.timeout_s), f"{where}.timeout_s")
        p95_ms = milliseconds(verify.get("p95_ms", defaults.p95_ms), f"{where}.p95_ms")
        count = request_count(verify.get("requests", defaults.requests), f"{where}.requests")
        sample = verify.get("sample")
        if sample is not None and (not isinstance(sample, str) or not sample.strip()):
            raise PolicyError(f"{where}.sample must be a file path, not {describe(sample)}")
        path = root / sample if sample is not None else None
        return cls(source, timeout_s, p95_ms, count, path)


def load_verify_policy(config: str | None) -> VerifyPolicy:
    """The verify section of --config, of ./mlgate.yaml when present, else the defaults."""
    path = Path(config or DEFAULT_POLICY)
    if config is None and not path.exists():
        return VerifyPolicy()
    return VerifyPolicy.from_policy(read_policy(path), str(path), path.parent)


def seconds(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> float:
    """A rollout timeout: a finite number of seconds above 0."""
    number = _number(value, where, error)
    if number <= 0:
        raise error(f"{where} must be a number of seconds above 0, not {_shown(value)}")
    return number


def milliseconds(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> float:
    """A latency budget: a finite number of milliseconds above 0."""
    number = _number(value, where, error)
    if number <= 0:
        raise error(f"{where} must be a number of milliseconds above 0, not {_shown(value)}")
    return number


def request_count(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> int:
    """How many requests to time: a whole number from 1 to MAX_REQUESTS."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REQUESTS:
        raise error(f"{where} must be a whole number from 1 to {MAX_REQUESTS}, not {_shown(value)}")
    return value


def _number(value: object, where: str, error: type[CouldNotCheck]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(f"{where} must be a number, not {describe(value)}")
    if not math.isfinite(value):
        raise error(f"{where} must be a finite number, not {value}")
    return float(value)


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)
