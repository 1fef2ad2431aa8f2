"""What `mlgate verify` was asked: options over the policy's verify section over the defaults.

Every input (URL, numbers, policy, sample) is checked before the first request, so a typo does
not wait out a five-minute timeout; a bad one is could-not-check (exit 2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import CouldNotCheck
from ..io.http import safe_shown, shown_url
from ..policy import load_verify_policy, milliseconds, request_count, seconds
from .sample import Sample, read_sample

DEFAULT_BACKOFF_S = 0.5


@dataclass(frozen=True)
class Settings:
    url: str  # without a trailing slash
    expect_version: str | None
    timeout_s: float
    p95_ms: float
    requests: int
    sample: Sample | None
    policy_source: str
    backoff_s: float

    @property
    def shown(self) -> str:
        return shown_url(self.url)


def build_settings(
    url: str,
    *,
    expect_version: str | None,
    sample: str | None,
    requests: int | None,
    p95_ms: float | None,
    timeout: float | None,
    config: str | None,
) -> Settings:
    """Options over the policy's verify section over the defaults; every input checked."""
    base = base_url(url)
    if expect_version is not None:
        expect_version = expect_version.strip()
        if not expect_version:
            raise CouldNotCheck("--expect-version is empty: pass the release's version or tag")
    policy = load_verify_policy(config)
    error = CouldNotCheck
    timeout_s = policy.timeout_s if timeout is None else seconds(timeout, "--timeout", error)
    budget = policy.p95_ms if p95_ms is None else milliseconds(p95_ms, "--p95-ms", error)
    count = policy.requests if requests is None else request_count(requests, "--requests", error)
    if sample is not None and not sample.strip():
        raise CouldNotCheck("--sample is empty: pass a file of records")
    sample_path = Path(sample) if sample is not None else policy.sample
    records = read_sample(sample_path) if sample_path is not None else None
    return Settings(
        base, expect_version, timeout_s, budget, count, records, policy.source, backoff_seconds()
    )  # fmt: skip


def base_url(url: str) -> str:
    """The service's base URL without a trailing slash: http(s), a host, no query."""
    text = url.strip()
    if not text:
        raise CouldNotCheck(
            "the service URL is empty: pass its base URL, e.g. https://model.example.com"
        )
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise CouldNotCheck("the service URL contains spaces or control characters")
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise CouldNotCheck(f"the service URL {safe_shown(text)!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise CouldNotCheck(
            f"the service URL must be http(s)://HOST[:PORT][/PATH], not {safe_shown(text)!r}"
        )
    if parts.query or parts.fragment:
        raise CouldNotCheck(
            f"the service URL {shown_url(text)} has a query or fragment: pass the base URL only"
        )
    return text.rstrip("/")


def backoff_seconds() -> float:
    """First wait between polls; `MLGATE_VERIFY_BACKOFF_S` shortens (tests) or stretches it."""
    text = os.environ.get("MLGATE_VERIFY_BACKOFF_S", str(DEFAULT_BACKOFF_S))
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 60:
        raise CouldNotCheck(
            f"MLGATE_VERIFY_BACKOFF_S must be seconds above 0 and at most 60, not {text!r}"
        )
    return value
