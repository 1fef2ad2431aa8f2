"""A small GitHub REST client: the few calls `mlgate comment` and `mlgate issue` need.

It reads its base URL from `GITHUB_API_URL` exactly as a workflow provides it (GitHub Enterprise
works the same), follows pagination only on that host, retries server errors and rate limits
with backoff, and never puts the token in a message.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import version
from ..errors import CouldNotCheck

if TYPE_CHECKING:
    import requests

DEFAULT_API_URL = "https://api.github.com"
GITHUB_ENVIRONMENT = (  # the epilog of every command that calls the API
    "GitHub: GITHUB_API_URL (default https://api.github.com), GITHUB_REPOSITORY, GITHUB_TOKEN; "
    "retries wait MLGATE_RETRY_BACKOFF_S (1 s) doubling."
)
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
MAX_PAGES = 100
RETRY_STATUSES = frozenset({500, 502, 503, 504})


class GitHubError(CouldNotCheck):
    """A call to GitHub failed for a reason a person must fix (or wait out)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NoPermission(GitHubError):
    """403/404: the token may not do this (a fork's pull request gets a read-only token)."""


@dataclass(frozen=True)
class GitHubContext:
    api_url: str
    repository: str
    token: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GitHubContext:
        """The values a GitHub Actions job provides; a clear error for each one missing."""
        env = os.environ if env is None else env
        api_url = (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise GitHubError(f"GITHUB_API_URL must be an http(s) URL, not {api_url!r}")
        repository = env.get("GITHUB_REPOSITORY", "")
        if not REPOSITORY.match(repository):
            raise GitHubError(
                "GITHUB_REPOSITORY must name the repository as owner/name"
                + (f", not {repository!r}" if repository else " (it is not set)")
            )
        token = env.get("GITHUB_TOKEN", "")
        if not token.strip():
            raise GitHubError(
                "GITHUB_TOKEN is not set: pass it to the step with "
                "'env: GITHUB_TOKEN: ${{ github.token }}'"
            )
        return cls(api_url, repository, token.strip())


class GitHub:
    """Calls one repository's REST endpoints with retries; see the module docstring."""

    def __init__(
        self,
        context: GitHubContext,
        *,
        retries: int = 4,
        backoff_s: float | None = None,
        max_wait_s: float = 120.0,
        timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import requests

        self.context = context
        self.retries = retries
        self.backoff_s = backoff_s if backoff_s is not None else _env_backoff()
        self.max_wait_s = max_wait_s
        self.timeout_s = timeout_s
        self.sleep = sleep
        self.session = requests.Session()
        self.session.trust_env = False  # no ~/.netrc credentials, no proxy surprises
        self.session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": f"mlgate/{version()}",
                "Authorization": f"Bearer {context.token}",
            }
        )

    def repo_path(self, suffix: str) -> str:
        return f"/repos/{self.context.repository}{suffix}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        url: str | None = None,
    ) -> requests.Response:
        """One call, retried on 5xx, connection errors and rate limits; errors raised typed."""
        import requests

        target = url or f"{self.context.api_url}{path}"
        waited = 0.0
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self.session.request(
                    method, target, params=params, json=json, timeout=self.timeout_s
                )
            except requests.RequestException as exc:
                if last:
                    raise GitHubError(
                        f"cannot reach {self.context.api_url} ({type(exc).__name__}) after "
                        f"{attempt + 1} attempts"
                    ) from None
                waited += self._pause(self._backoff(attempt), waited)
                continue
            wait = self._rate_limit_wait(response)
            if wait is not None:
                if last or waited + wait > self.max_wait_s:
                    raise GitHubError(
                        f"GitHub rate limit hit on {method} {path or target}; waited "
                        f"{waited:.0f} s, would need {wait:.0f} s more: try again later",
                        response.status_code,
                    )
                waited += self._pause(wait, waited)
                continue
            if response.status_code in RETRY_STATUSES and not last:
                waited += self._pause(self._backoff(attempt), waited)
                continue
            return self._checked(method, path or target, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a list endpoint, following `Link: rel="next"` on the API host only."""
        response = self.request("GET", path, params={"per_page": 100, **(params or {})})
        for _page in range(MAX_PAGES):
            items = response.json()
            if not isinstance(items, list):
                raise GitHubError(f"GET {path} answered {type(items).__name__}, not a list")
            yield from items
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return
            if not _same_origin(next_url, self.context.api_url):
                raise GitHubError(
                    f"GET {path}: the next page is on another host ({urlsplit(next_url).netloc}); "
                    "not following it with the token"
                )
            response = self.request("GET", path, url=next_url)
        raise GitHubError(f"GET {path}: more than {MAX_PAGES} pages; stopping")

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_s * 2**attempt, 60.0)

    def _pause(self, seconds: float, waited: float) -> float:
        seconds = max(0.0, min(seconds, self.max_wait_s - waited))
        if seconds:
            self.sleep(seconds)
        return seconds

    @staticmethod
    def _rate_limit_wait(response: requests.Response) -> float | None:
        """Seconds to wait before retrying, or None when this is not a rate-limit answer."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                return 60.0
        if response.headers.get("x-ratelimit-remaining") == "0":
            try:
                reset = float(response.headers.get("x-ratelimit-reset", ""))
            except ValueError:
                return 60.0
            return max(0.0, reset - time.time()) + 1.0
        if "rate limit" in _message(response).lower():
            return 60.0  # GitHub: without retry-after, wait at least a minute
        return None

    @staticmethod
    def _checked(method: str, path: str, response: requests.Response) -> requests.Response:
        status = response.status_code
        if status < 400:
            return response
        message = _message(response)
        where = f"{method} {path} answered {status}"
        if status in (403, 404):
            raise NoPermission(f"{where}: {message}", status)
        if status == 401:
            raise GitHubError(f"{where}: the token was rejected ({message})", status)
        raise GitHubError(f"{where}: {message}", status)


def _env_backoff() -> float:
    """First retry delay in seconds; `MLGATE_RETRY_BACKOFF_S` shortens (tests) or stretches it."""
    text = os.environ.get("MLGATE_RETRY_BACKOFF_S", "1")
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 60:
        raise GitHubError(f"MLGATE_RETRY_BACKOFF_S must be seconds from 0 to 60, not {text!r}")
    return value


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:200] if text else response.reason or "no message"
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"][:300]
    return response.reason or "no message"


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def is_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def event_default_branch(env: Mapping[str, str] | None = None) -> str | None:
    """`repository.default_branch` of the workflow's event payload, when there is one."""
    env = os.environ if env is None else env
    event_path = env.get("GITHUB_EVENT_PATH")
    if not event_path:
        return None
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    repository = event.get("repository") if isinstance(event, dict) else None
    branch = repository.get("default_branch") if isinstance(repository, dict) else None
    return branch if isinstance(branch, str) and branch.strip() else None
