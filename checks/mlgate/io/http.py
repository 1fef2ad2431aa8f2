"""URLs and HTTP failures as messages show them, shared by every command that makes a request.

A URL in a message never carries credentials or a query (a signed URL's signature), and a
failed request is named in words rather than by the exception's text, which repeats the URL.
requests is imported when a function needs it, so importing this module stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from ..errors import CouldNotCheck

if TYPE_CHECKING:
    import requests

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def shown_url(url: str) -> str:
    """The URL as messages show it: no credentials, no query, no fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def safe_shown(url: str) -> str:
    """`shown_url`, even for a URL that does not parse."""
    try:
        return shown_url(url.strip())
    except ValueError:
        return "<unparsable URL>"


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this machine (where a proxy from the environment must not
    apply: HTTP_PROXY would catch 127.0.0.1 too)."""
    return (urlsplit(url).hostname or "").lower() in LOOPBACK


def check_url(url: str, where: str) -> None:
    """https anywhere; plain http only to this machine (a local test server)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise CouldNotCheck(f"{where} is not a valid URL") from None
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and host in LOOPBACK:
        return
    if parts.scheme == "http":
        raise CouldNotCheck(
            f"{where} {shown_url(url)} is plain http: use https (http only to 127.0.0.1, "
            "localhost or ::1)"
        )
    raise CouldNotCheck(f"{where} must be an https URL, not {shown_url(url)!r}")


def reason(exc: requests.RequestException) -> str:
    """What went wrong with a request, in words, without the exception's text."""
    import requests

    reasons: list[tuple[type[Exception], str]] = [
        (requests.exceptions.ConnectTimeout, "timed out connecting"),
        (requests.Timeout, "timed out waiting for the answer"),
        (requests.exceptions.SSLError, "the TLS certificate could not be verified"),
        (requests.exceptions.ProxyError, "the proxy refused or failed"),
        (requests.exceptions.ChunkedEncodingError, "the connection broke off mid-answer"),
        (requests.ConnectionError, "cannot connect (refused, no route, or name not resolved)"),
        (requests.TooManyRedirects, "too many redirects"),
    ]
    for kind, said in reasons:
        if isinstance(exc, kind):
            return said
    return type(exc).__name__


def status(response: requests.Response) -> str:
    """'404 Not Found'."""
    return f"{response.status_code} {response.reason or ''}".strip()
