"""The live service as `mlgate verify` talks to it: one session, and its answers in words.

A failed check quotes what the service said (its status, FastAPI's 422 detail, the template's
record/field errors) so the person reading the job log sees the cause without a rerun.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import version
from ..errors import CouldNotCheck
from ..io.http import is_loopback, shown_url, status

if TYPE_CHECKING:
    import requests

REQUEST_TIMEOUT_S = 10.0


class BadAnswer(Exception):
    """The service answered, but not as the contract says: the check fails with this message."""


class Service:
    """The base URL, one keep-alive session, and no proxy for this machine."""

    def __init__(self, base: str) -> None:
        import requests

        self.base = base
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"mlgate/{version()}"
        # None removes a proxy the environment sets (HTTP_PROXY would catch 127.0.0.1 too)
        none = {"http": None, "https": None, "all": None}
        self.proxies: dict[str, Any] = none if is_loopback(base) else {}

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.session.close()

    def call(self, method: str, path: str, timeout: float, body: Any = None) -> requests.Response:
        """One request; a URL requests cannot send (a bad host name) is could-not-check."""
        try:
            return self.session.request(
                method, self.base + path, json=body, timeout=timeout, proxies=self.proxies
            )
        except ValueError as exc:  # requests' InvalidURL, urllib3's LocationParseError
            raise CouldNotCheck(
                f"cannot send a request to {shown_url(self.base)}: {type(exc).__name__} "
                "(is the host name valid?)"
            ) from None


def json_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        text = " ".join(response.text.split())[:80]
        raise BadAnswer(
            f"the answer is not JSON ({response.headers.get('Content-Type') or 'no Content-Type'}"
            + (f": {text!r})" if text else ", empty)")
        ) from None


def status_field(response: requests.Response) -> str:
    """' (loading)' from a body {"status": "loading"}, else ''."""
    try:
        body = response.json()
    except ValueError:
        return ""
    status = body.get("status") if isinstance(body, dict) else None
    return f" ({status[:40]})" if isinstance(status, str) and status else ""


def answered(response: requests.Response) -> str:
    """'answered 422 Unprocessable Entity: detail; record 0, field colour: message'."""
    text = f"answered {status(response)}"
    try:
        body = response.json()
    except ValueError:
        excerpt = " ".join(response.text.split())[:200]
        return f"{text}: {excerpt}" if excerpt else text
    if not isinstance(body, dict):
        return text
    parts = [_detail(body.get("detail")), _errors(body.get("errors"))]
    said = "; ".join(part for part in parts if part)
    return f"{text}: {said}" if said else text


def _detail(detail: object) -> str:
    if isinstance(detail, str):
        return detail[:300]
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):  # FastAPI's own 422
        first = detail[0]
        where = ".".join(str(part) for part in first.get("loc") or [])
        more = f" (+{len(detail) - 1} more)" if len(detail) > 1 else ""
        return f"{where}: {first.get('msg', '')}{more}".strip(": ")
    return ""


def _errors(errors: object) -> str:
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return ""
    first = errors[0]
    where = ", ".join(
        f"{key} {first[key]}" for key in ("record", "field") if first.get(key) is not None
    )
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('message', '')}{more}".strip(": ")
