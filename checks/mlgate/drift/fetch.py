"""`mlgate window`: put the drift window mlgate.yaml's `drift.current` names at its path
(`--outcomes`: the outcomes `monitor.outcomes` names, for `mlgate monitor`).

The scheduled drift check judges whatever file is at `drift.current.path`, so that file must be
the whole new window or the old one, never half a download: a download goes to a temporary
file beside it and replaces it in one rename. `url` is fetched with an optional bearer token from
the environment (never printed), `dvc` is pulled, and with neither the file must already be there.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from ..errors import PASS, CouldNotCheck
from ..io.http import check_url, is_loopback, reason, shown_url, status
from ..policy import DEFAULT_OUTCOMES, load_drift_policy, load_monitor_policy

if TYPE_CHECKING:
    import requests

DEFAULT_PATH = "logs/requests.jsonl"
CONNECT_TIMEOUT_S = 30
READ_TIMEOUT_S = 300  # longest silence between two chunks, not the whole download
CHUNK = 1 << 20
MAX_REDIRECTS = 10
MISSING = "no {what} at {path}: set {name} (path, url or dvc) in mlgate.yaml"


def bearer_token(token_env: str | None, name: str = "drift.current") -> str | None:
    """The token from the environment variable `token_env` names; an error when it is empty."""
    if token_env is None:
        return None
    token = os.environ.get(token_env, "").strip()
    if not token:
        raise CouldNotCheck(
            f"{name}.token_env names {token_env}, which is not set or empty: pass the "
            f"token to the step (env: {token_env}: ${{{{ secrets.{token_env} }}}})"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in token):
        raise CouldNotCheck(f"the token in {token_env} contains control characters")
    return token


def _proxies(url: str) -> dict[str, str]:
    """Proxies from the environment (HTTPS_PROXY, NO_PROXY), none for this machine."""
    import requests

    if is_loopback(url):
        return {}
    return dict(requests.utils.get_environ_proxies(url))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _open(session: requests.Session, url: str, token: str | None) -> requests.Response:
    """GET, following redirects here: each hop is checked before it is requested, and the token
    goes only to the scheme, host and port of the configured URL."""
    first = _origin(url)
    for _hop in range(MAX_REDIRECTS + 1):
        headers = {"Authorization": f"Bearer {token}"} if token and _origin(url) == first else {}
        response = session.get(
            url,
            headers=headers,
            proxies=_proxies(url),
            stream=True,
            allow_redirects=False,
            timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
        )
        if not response.is_redirect:
            return response
        location = response.headers.get("Location", "")
        response.close()
        url = urljoin(url, location)
        check_url(url, "the redirect target")
    raise CouldNotCheck(f"more than {MAX_REDIRECTS} redirects")


def download(url: str, target: Path, token: str | None, name: str = "drift.current") -> int:
    """Stream `url` to a temporary file beside `target`, then rename; returns the byte count."""
    import requests

    shown = shown_url(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        with requests.Session() as session:
            session.trust_env = False  # no ~/.netrc: it would replace the bearer token
            with _open(session, url, token) as response:
                if not 200 <= response.status_code < 300:
                    raise CouldNotCheck(_status_message(shown, response, token is not None, name))
                size = _save(response, partial, shown)
        os.replace(partial, target)
        return size
    except requests.RequestException as exc:
        raise CouldNotCheck(
            f"downloading {shown} failed: {reason(exc)}; {target} is unchanged"
        ) from None
    except OSError as exc:
        raise CouldNotCheck(f"cannot write {target}: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)


def _save(response: requests.Response, partial: Path, shown: str) -> int:
    """Write the body; a body shorter than its Content-Length is an error, not a window."""
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    size = 0
    with os.fdopen(fd, "wb") as out:
        for chunk in response.iter_content(CHUNK):
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    expected = response.headers.get("Content-Length")
    encoded = response.headers.get("Content-Encoding", "identity") != "identity"
    if expected and expected.isdigit() and not encoded and size != int(expected):
        raise CouldNotCheck(
            f"downloading {shown} stopped after {size} of {expected} bytes; the window is unchanged"
        )
    return size


def _status_message(shown: str, response: requests.Response, with_token: bool, name: str) -> str:
    message = f"GET {shown} answered {status(response)}"
    if response.status_code in (401, 403):
        message += (
            f": check the token in {name}.token_env"
            if with_token
            else f": the server wants a token; name its variable in {name}.token_env"
        )
    return message


def dvc_pull(target: str, name: str = "drift.current") -> None:
    """`dvc pull TARGET`; its error output is the message when it fails."""
    dvc = shutil.which("dvc")
    if dvc is None:
        raise CouldNotCheck(
            f"{name}.dvc needs DVC, which is not installed: pip install dvc "
            "(with the remote's extra, e.g. 'dvc[s3]')"
        )
    result = subprocess.run(
        [dvc, "pull", target], capture_output=True, text=True, errors="replace", check=False
    )
    if result.returncode != 0:
        output = (result.stderr.strip() or result.stdout.strip()).splitlines()
        tail = "\n".join(output[-10:]) or f"exit {result.returncode}"
        raise CouldNotCheck(f"dvc pull {target} failed:\n{tail}")


def window_size(path: Path, after: str | None = None, name: str = "drift.current") -> int:
    """Bytes of the fetched file, or why there is none."""
    if path.is_dir():
        raise CouldNotCheck(f"{name}.path {path} is a directory, not a file")
    if not path.is_file():
        if after is not None:
            raise CouldNotCheck(
                f"{after} succeeded but left no file at {path}: {name}.path must be "
                "where that target lands"
            )
        what = "drift window" if name == "drift.current" else "outcomes"
        raise CouldNotCheck(MISSING.format(what=what, path=path, name=name))
    return path.stat().st_size


def run_window(config: str | None, *, outcomes: bool = False) -> int:
    if outcomes:
        monitor = load_monitor_policy(config)
        source, spec, name = monitor.source, monitor.outcomes, "monitor.outcomes"
        default = DEFAULT_OUTCOMES
    else:
        drift = load_drift_policy(config)
        source, spec, name, default = drift.source, drift.current, "drift.current", DEFAULT_PATH
    url, dvc, token_env = spec.get("url"), spec.get("dvc"), spec.get("token_env")
    if url and dvc:
        raise CouldNotCheck(f"{source}: {name} sets both url and dvc; keep one")
    if token_env and not url:
        raise CouldNotCheck(f"{source}: {name}.token_env applies only with url")
    path = Path(spec.get("path") or default)
    if url:
        check_url(url, f"{name}.url")
        token = bearer_token(token_env, name)
        if path.is_dir():
            raise CouldNotCheck(f"{name}.path {path} is a directory, not a file")
        size = download(url, path, token, name)
    elif dvc:
        dvc_pull(dvc, name)
        size = window_size(path, after=f"dvc pull {dvc}", name=name)
    else:
        size = window_size(path, name=name)
    print(f"{'outcomes' if outcomes else 'drift window'}: {path} ({size} bytes)")
    return PASS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Put the window at drift.current.path (default logs/requests.jsonl), where mlgate drift "
        "reads it: download drift.current.url (https; a bearer token from the variable "
        "drift.current.token_env) into a temporary file renamed into place, or 'dvc pull' "
        "drift.current.dvc; with neither, the file must already be there."
    )
    parser.epilog = (
        "Exit codes: 0 the window is in place, 2 could not fetch it (the previous window, if "
        "any, is left as it was)."
    )
    parser.add_argument("--config", help="policy file (default: mlgate.yaml if present)")
    parser.add_argument(
        "--outcomes",
        action="store_true",
        help="fetch the outcomes monitor.outcomes names instead (default logs/feedback.jsonl), "
        "for mlgate monitor",
    )


def run(args: argparse.Namespace) -> int:
    return run_window(args.config, outcomes=args.outcomes)
