"""`mlgate window`: the real CLI fetching from a real HTTP server on 127.0.0.1, and from DVC."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from support import MLGATE, run_mlgate, running, tool_env

from mlgate.io.http import check_url, shown_url

TOKEN = "window-token-never-printed-42"
WINDOW = b"".join(b'{"features": {"x": %d, "colour": "red"}}\n' % i for i in range(2000))
OLD = b'{"features": {"x": -1}}\n'


@dataclass
class Server:
    """Serves WINDOW at /window.jsonl (bearer token required) and misbehaves on other paths."""

    url: str
    seen: list[tuple[str, str | None]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `seen`."""

    def do_GET(self) -> None:
        self.server.record.seen.append((self.path, self.headers.get("Authorization")))
        path = self.path.split("?")[0]
        if path == "/window.jsonl":
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._answer(401, b"no token")
                return
            self._answer(200, WINDOW)
        elif path == "/public.jsonl":
            self._answer(200, WINDOW)
        elif path == "/drop":  # promises the whole window, sends a tenth, hangs up
            self.send_response(200)
            self.send_header("Content-Length", str(len(WINDOW)))
            self.end_headers()
            self.wfile.write(WINDOW[: len(WINDOW) // 10])
            self.wfile.flush()
            self.close_connection = True
        elif path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", path.removeprefix("/redirect"))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/away":
            self.send_response(302)
            self.send_header("Location", "http://192.0.2.1/window.jsonl")  # TEST-NET-1
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._answer(404, b"not here")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    record: Server


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
    httpd.record = Server(f"http://127.0.0.1:{httpd.server_address[1]}")
    with running(httpd):
        yield httpd.record


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


def policy(project: Path, current: str) -> None:
    (project / "mlgate.yaml").write_text(f"drift:\n  current: {current}\n")


def window(
    project: Path, home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    if env is None:
        result = run_mlgate(home, "window", *args, cwd=project, env={"WINDOW_TOKEN": TOKEN})
    else:  # the whole environment, as given
        result = subprocess.run(
            [MLGATE, "window", *args], cwd=project, env=env, capture_output=True, text=True,
            check=False, timeout=120,
        )  # fmt: skip
    assert TOKEN not in result.stdout + result.stderr, "the token must never be printed"
    return result


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


# --- url --------------------------------------------------------------------------------------


def test_downloads_with_the_bearer_token(project: Path, home: Path, server: Server) -> None:
    policy(project, f"{{url: '{server.url}/window.jsonl', token_env: WINDOW_TOKEN}}")
    result = window(project, home)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"drift window: logs/requests.jsonl ({len(WINDOW)} bytes)\n"
    assert (project / "logs/requests.jsonl").read_bytes() == WINDOW
    assert server.seen == [("/window.jsonl", f"Bearer {TOKEN}")]
    assert leftovers(project / "logs") == []


def test_replaces_the_previous_window_at_the_configured_path(
    project: Path, home: Path, server: Server
) -> None:
    target = project / "data/current/window.jsonl"
    target.parent.mkdir(parents=True)
    target.write_bytes(OLD)
    policy(project, f"{{path: data/current/window.jsonl, url: '{server.url}/public.jsonl'}}")
    result = window(project, home)
    assert result.returncode == 0, result.stderr
    assert "drift window: data/current/window.jsonl (" in result.stdout
    assert target.read_bytes() == WINDOW
    assert server.seen == [("/public.jsonl", None)]  # no token_env, no Authorization


def test_config_names_another_policy_file(project: Path, home: Path, server: Server) -> None:
    (project / "ops").mkdir()
    (project / "ops/policy.yaml").write_text(
        f"drift:\n  current: {{url: '{server.url}/public.jsonl', path: w.jsonl}}\n"
    )
    result = window(project, home, "--config", "ops/policy.yaml")
    assert result.returncode == 0, result.stderr
    assert (project / "w.jsonl").read_bytes() == WINDOW


@pytest.mark.parametrize(
    ("token_env", "env_token", "message"),
    [
        ("WINDOW_TOKEN", "wrong-token", "answered 401 Unauthorized: check the token"),
        (None, None, "the server wants a token; name its variable in drift.current.token_env"),
    ],
)
def test_without_the_right_token_it_is_401_and_the_old_window_stays(
    project: Path,
    home: Path,
    server: Server,
    token_env: str | None,
    env_token: str | None,
    message: str,
) -> None:
    (project / "logs").mkdir()
    (project / "logs/requests.jsonl").write_bytes(OLD)
    extra = f", token_env: {token_env}" if token_env else ""
    policy(project, f"{{url: '{server.url}/window.jsonl'{extra}}}")
    env = tool_env(home, **({"WINDOW_TOKEN": env_token} if env_token else {}))
    result = window(project, home, env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert (project / "logs/requests.jsonl").read_bytes() == OLD
    assert leftovers(project / "logs") == []


def test_404_names_the_status_and_no_file_appears(
    project: Path, home: Path, server: Server
) -> None:
    policy(project, f"{{url: '{server.url}/gone.jsonl?sig=SIGNATURE', token_env: WINDOW_TOKEN}}")
    result = window(project, home)
    assert result.returncode == 2
    assert f"GET {server.url}/gone.jsonl answered 404 Not Found" in result.stderr
    assert "SIGNATURE" not in result.stdout + result.stderr  # a signed URL's query stays secret
    assert not (project / "logs/requests.jsonl").exists()
    assert leftovers(project / "logs") == []


@pytest.mark.parametrize("previous", [True, False], ids=["previous window", "first window"])
def test_a_connection_dropped_mid_body_leaves_no_partial_window(
    project: Path, home: Path, server: Server, previous: bool
) -> None:
    (project / "logs").mkdir()
    target = project / "logs/requests.jsonl"
    if previous:
        target.write_bytes(OLD)
    policy(project, f"{{url: '{server.url}/drop'}}")
    result = window(project, home)
    assert result.returncode == 2
    assert "downloading" in result.stderr and "is unchanged" in result.stderr
    assert "Traceback" not in result.stderr
    assert (target.read_bytes() == OLD) if previous else not target.exists()
    assert leftovers(project / "logs") == []


def test_redirects_on_the_same_server_keep_the_token(
    project: Path, home: Path, server: Server
) -> None:
    policy(project, f"{{url: '{server.url}/redirect/window.jsonl', token_env: WINDOW_TOKEN}}")
    result = window(project, home)
    assert result.returncode == 0, result.stderr
    assert server.seen == [
        ("/redirect/window.jsonl", f"Bearer {TOKEN}"),
        ("/window.jsonl", f"Bearer {TOKEN}"),
    ]


def test_a_redirect_to_plain_http_elsewhere_is_refused_before_it_is_followed(
    project: Path, home: Path, server: Server
) -> None:
    policy(project, f"{{url: '{server.url}/away', token_env: WINDOW_TOKEN}}")
    result = window(project, home)
    assert result.returncode == 2
    assert "the redirect target http://192.0.2.1/window.jsonl is plain http" in result.stderr
    assert [path for path, _ in server.seen] == ["/away"]


def test_an_unset_token_variable_is_could_not_check(
    project: Path, home: Path, server: Server
) -> None:
    policy(project, f"{{url: '{server.url}/window.jsonl', token_env: WINDOW_TOKEN}}")
    for value in (None, "", "  "):
        env = tool_env(home)
        env.pop("WINDOW_TOKEN", None)
        if value is not None:
            env["WINDOW_TOKEN"] = value
        result = window(project, home, env=env)
        assert result.returncode == 2
        assert "token_env names WINDOW_TOKEN, which is not set or empty" in result.stderr
    assert server.seen == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://192.0.2.1/window.jsonl", "http://192.0.2.1/window.jsonl is plain http"),
        ("http://example.com/w.jsonl", "is plain http: use https"),
        ("ftp://example.com/w.jsonl", "must be an https URL, not 'ftp://example.com/w.jsonl'"),
        ("file:///etc/passwd", "must be an https URL"),
        ("https:///no-host", "must be an https URL"),
        ("https://example.com:99999/w", "is not a valid URL"),
    ],
)
def test_only_https_or_loopback_http(project: Path, home: Path, url: str, message: str) -> None:
    policy(project, f"{{url: '{url}'}}")
    result = window(project, home)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (project / "logs").exists()


def test_urls_are_shown_without_credentials_or_query() -> None:
    assert shown_url("https://u:p@h.example:8443/a/b?sig=x#f") == "https://h.example:8443/a/b"
    assert shown_url("http://[::1]:8000/w?x=1") == "http://[::1]:8000/w"
    for url in ("http://127.0.0.1:1/w", "http://localhost/w", "http://[::1]/w", "https://h/w"):
        check_url(url, "drift.current.url")


# --- path only --------------------------------------------------------------------------------


def test_an_existing_window_is_reported(project: Path, home: Path) -> None:
    policy(project, "{path: logs/today.jsonl}")
    (project / "logs").mkdir()
    (project / "logs/today.jsonl").write_bytes(WINDOW)
    result = window(project, home)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"drift window: logs/today.jsonl ({len(WINDOW)} bytes)\n"


def test_without_a_policy_file_the_default_path_is_used(project: Path, home: Path) -> None:
    (project / "logs").mkdir()
    (project / "logs/requests.jsonl").write_bytes(OLD)
    result = window(project, home)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"drift window: logs/requests.jsonl ({len(OLD)} bytes)\n"


@pytest.mark.parametrize("text", ["drift:\n  current: {path: logs/none.jsonl}\n", None])
def test_a_missing_window_says_how_to_name_one(project: Path, home: Path, text: str | None) -> None:
    if text is not None:
        (project / "mlgate.yaml").write_text(text)
    result = window(project, home)
    assert result.returncode == 2
    path = "logs/none.jsonl" if text else "logs/requests.jsonl"
    assert result.stderr == (
        f"mlgate window: could not check: no drift window at {path}: set drift.current "
        "(path, url or dvc) in mlgate.yaml\n"
    )


def test_a_directory_is_not_a_window(project: Path, home: Path) -> None:
    (project / "logs/requests.jsonl").mkdir(parents=True)
    result = window(project, home)
    assert result.returncode == 2
    assert "is a directory, not a file" in result.stderr


# --- the policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("drift:\n  current: {pth: logs/w.jsonl}\n", "unknown key 'pth'"),
        ("drift:\n  current: {url: 5}\n", "drift.current.url must be text"),
        ("drift:\n  current: logs/w.jsonl\n", "drift.current must be a mapping"),
        ("drift: [1]\n", "'drift' must be a mapping"),
        ("drift:\n  current: {path: a}\n  current: {path: b}\n", "duplicate"),
        ("drift:\n  current: {url: 'https://h/w', dvc: w.dvc}\n", "sets both url and dvc"),
        ("drift:\n  current: {path: w, token_env: T}\n", "token_env applies only with url"),
    ],
)
def test_an_invalid_policy_is_could_not_check(
    project: Path, home: Path, text: str, message: str
) -> None:
    (project / "mlgate.yaml").write_text(text)
    result = window(project, home)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_missing_config_file_is_could_not_check(project: Path, home: Path) -> None:
    result = window(project, home, "--config", "nope.yaml")
    assert result.returncode == 2
    assert "no policy file at nope.yaml" in result.stderr


# --- dvc --------------------------------------------------------------------------------------


def dvc(project: Path, home: Path, *args: str) -> None:
    subprocess.run(
        ["dvc", *args], cwd=project, env=tool_env(home), capture_output=True, check=True,
        timeout=120,
    )  # fmt: skip


@pytest.fixture
def dvc_project(project: Path, home: Path, tmp_path: Path) -> Path:
    """A DVC project (no git) whose window was pushed to a local remote and then removed."""
    dvc(project, home, "init", "--no-scm", "-q")
    dvc(project, home, "remote", "add", "-d", "local", str(tmp_path / "remote"))
    (project / "logs").mkdir()
    (project / "logs/window.jsonl").write_bytes(WINDOW)
    dvc(project, home, "add", "-q", "logs/window.jsonl")
    dvc(project, home, "push", "-q")
    (project / "logs/window.jsonl").unlink()
    shutil.rmtree(project / ".dvc/cache")
    return project


def test_pulls_a_dvc_target_from_its_remote(dvc_project: Path, home: Path) -> None:
    policy(dvc_project, "{path: logs/window.jsonl, dvc: logs/window.jsonl.dvc}")
    result = window(dvc_project, home)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"drift window: logs/window.jsonl ({len(WINDOW)} bytes)\n"
    assert (dvc_project / "logs/window.jsonl").read_bytes() == WINDOW


def test_a_dvc_target_elsewhere_than_path_is_could_not_check(dvc_project: Path, home: Path) -> None:
    policy(dvc_project, "{dvc: logs/window.jsonl.dvc}")  # lands at logs/window.jsonl
    result = window(dvc_project, home)
    assert result.returncode == 2
    assert (
        "dvc pull logs/window.jsonl.dvc succeeded but left no file at logs/requests.jsonl"
        in result.stderr
    )
    assert "drift.current.path must be where that target lands" in result.stderr


def test_a_failing_dvc_pull_shows_dvcs_error(dvc_project: Path, home: Path, tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "remote")  # the data is gone from the remote
    policy(dvc_project, "{path: logs/window.jsonl, dvc: logs/window.jsonl.dvc}")
    result = window(dvc_project, home)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "mlgate window: could not check: dvc pull logs/window.jsonl.dvc failed:\n"
    )
    assert "ERROR:" in result.stderr
    assert not (dvc_project / "logs/window.jsonl").exists()


def test_an_unknown_dvc_target_shows_dvcs_error(dvc_project: Path, home: Path) -> None:
    policy(dvc_project, "{path: logs/window.jsonl, dvc: logs/other.jsonl.dvc}")
    result = window(dvc_project, home)
    assert result.returncode == 2
    assert "dvc pull logs/other.jsonl.dvc failed:" in result.stderr
    assert "other.jsonl.dvc' does not exist" in result.stderr


def test_without_dvc_installed_it_says_so(project: Path, home: Path) -> None:
    policy(project, "{dvc: logs/window.jsonl.dvc}")
    env = tool_env(home, PATH=os.pathsep.join(["/usr/bin", "/bin"]))
    if shutil.which("dvc", path=env["PATH"]):
        pytest.skip("dvc is installed system-wide")
    result = window(project, home, env=env)
    assert result.returncode == 2
    assert "drift.current.dvc needs DVC, which is not installed" in result.stderr
