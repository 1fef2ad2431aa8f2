"""A stand-in for the GitHub REST API on 127.0.0.1: the few endpoints mlgate calls.

GitHub cannot be reached from the tests, so this server keeps issues, comments, labels and pull
requests in memory, paginates the way GitHub does (`Link: <...>; rel="next"`), checks the bearer
token, records every request, and answers scripted faults (403, 500, rate limits) on demand. The
code under test finds it through `GITHUB_API_URL`, exactly as on GitHub.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from support import run_mlgate, running

TOKEN = "ghs_fake_token_never_printed_0123456789"
REPOSITORY = "octo-org/ml-project"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    """Answer the next `times` matching requests with this status instead of serving them."""

    status: int
    times: int = 1
    method: str | None = None
    path_contains: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "injected fault"

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_contains is None or self.path_contains in path
        )


@dataclass
class FakeGitHub:
    """State and knobs of one server; `url` is what GITHUB_API_URL should be."""

    url: str = ""
    prefix: str = ""
    page_size: int | None = None  # force small pages regardless of per_page
    next_link_base: str | None = None  # make "next" links point elsewhere (origin check)
    requests: list[Recorded] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    remote: Path | None = None  # a bare repository: POST /pulls needs head and base there
    workflows: dict[str, set[str]] = field(  # file name: its triggers
        default_factory=lambda: {
            "retrain.yml": {"workflow_dispatch", "repository_dispatch"},
            "ci.yml": {"pull_request", "push", "workflow_dispatch"},
            "lint.yml": {"pull_request"},
        }
    )
    dispatches: list[dict[str, Any]] = field(default_factory=list)  # workflow, ref, inputs
    lock: threading.Lock = field(default_factory=threading.Lock)
    _next_id: int = 1000

    # --- set-up helpers for tests -------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "GITHUB_API_URL": self.url,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_TOKEN": TOKEN,
            "MLGATE_RETRY_BACKOFF_S": "0",
            **extra,
        }

    def run_mlgate(
        self, home: Path, *args: str, cwd: Path | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """The real `mlgate` CLI pointed at this server; asserts the token never shows."""
        result = run_mlgate(home, *args, cwd=cwd, env=self.env(**env))
        assert TOKEN not in result.stdout + result.stderr, "the token must never be printed"
        return result

    def fail(self, status: int, **kwargs: Any) -> None:
        self.faults.append(Fault(status, **kwargs))

    def add_comment(self, number: int, body: str, user_type: str = "Bot") -> dict[str, Any]:
        comment = {
            "id": self._new_id(),
            "body": body,
            "user": {"login": "github-actions[bot]" if user_type == "Bot" else "someone",
                     "type": user_type},
            "html_url": f"https://github.com/{REPOSITORY}/pull/{number}#issuecomment-x",
        }  # fmt: skip
        self.comments.setdefault(number, []).append(comment)
        return comment

    def add_issue(
        self,
        title: str,
        labels: list[str],
        state: str = "open",
        pull_request: bool = False,
        number: int | None = None,
    ) -> dict[str, Any]:
        number = number or max([*self.issues, *self.pulls], default=0) + 1
        issue = {
            "number": number,
            "title": title,
            "body": "",
            "state": state,
            "labels": [{"name": name} for name in labels],
            "html_url": f"https://github.com/{REPOSITORY}/issues/{number}",
        }
        if pull_request:
            issue["pull_request"] = {"url": "x"}
        self.issues[number] = issue
        return issue

    def add_pull(
        self, head: str, base: str = "main", title: str = "A pull request", state: str = "open"
    ) -> dict[str, Any]:
        """A pull request from branch `head` of this repository; numbered with the issues."""
        number = max([*self.issues, *self.pulls], default=0) + 1
        owner = REPOSITORY.split("/")[0]
        pull = {
            "number": number,
            "title": title,
            "body": "",
            "state": state,
            "head": {"ref": head, "label": f"{owner}:{head}"},
            "base": {"ref": base},
            "html_url": f"https://github.com/{REPOSITORY}/pull/{number}",
        }
        self.pulls[number] = pull
        return pull

    def calls(self, method: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if method is None or r.method == method]

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `requests` instead of a log."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        with fake.lock:
            fake.requests.append(Recorded(method, path, query, dict(self.headers), body))
            fault = next((f for f in fake.faults if f.matches(method, path)), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    fake.faults.remove(fault)
        if fault is not None:
            self._send(fault.status, {"message": fault.message}, fault.headers)
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, {"message": "Bad credentials"})
            return
        if not path.startswith(fake.prefix + f"/repos/{REPOSITORY}/"):
            self._send(404, {"message": "Not Found"})
            return
        route = path[len(fake.prefix + f"/repos/{REPOSITORY}") :]
        with fake.lock:
            status, payload, headers = _route(fake, method, route, query, body)
        self._send(status, payload, headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if status == 204 else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


Answer = tuple[int, Any, dict[str, str]]


def _route(fake: FakeGitHub, method: str, route: str, query: dict[str, str], body: Any) -> Answer:
    if m := re.fullmatch(r"/issues/(\d+)/comments", route):
        number = int(m.group(1))
        # a pull request is an issue too: its conversation takes issue comments
        if not any(number in known for known in (fake.issues, fake.pulls, fake.comments)):
            return 404, {"message": "Not Found"}, {}
        if method == "GET":
            return _page(fake, fake.comments.get(number, []), route, query)
        if method == "POST":
            comment = fake.add_comment(number, body["body"])
            return 201, comment, {}
    if (m := re.fullmatch(r"/issues/comments/(\d+)", route)) and method == "PATCH":
        for comments in fake.comments.values():
            for comment in comments:
                if comment["id"] == int(m.group(1)):
                    comment["body"] = body["body"]
                    return 200, comment, {}
        return 404, {"message": "Not Found"}, {}
    if route == "/issues" and method == "GET":
        wanted = query.get("labels")
        items = [
            i
            for i in fake.issues.values()
            if query.get("state", "open") in (i["state"], "all")
            and (wanted is None or wanted in {label["name"] for label in i["labels"]})
        ]
        return _page(fake, items, route, query)
    if route == "/issues" and method == "POST":
        missing = [name for name in body.get("labels", []) if name not in fake.labels]
        fake.labels.update(missing)  # GitHub creates unknown labels on the fly too
        issue = fake.add_issue(body["title"], body.get("labels", []))
        issue["body"] = body.get("body", "")
        return 201, issue, {}
    if (m := re.fullmatch(r"/issues/(\d+)", route)) and method == "PATCH":
        issue = fake.issues.get(int(m.group(1)))
        if issue is None:
            return 404, {"message": "Not Found"}, {}
        issue.update({k: v for k, v in body.items() if k in ("state", "state_reason", "title")})
        return 200, issue, {}
    if (m := re.fullmatch(r"/pulls/(\d+)/commits", route)) and method == "GET":
        pull = fake.pulls.get(int(m.group(1)))
        if pull is None:
            return 404, {"message": "Not Found"}, {}
        return _page(fake, _commits(fake.remote, pull), route, query)
    if route == "/pulls" or re.fullmatch(r"/pulls/\d+", route):
        return _pulls(fake, method, route, query, body)
    if (m := re.fullmatch(r"/actions/workflows/([^/]+)/dispatches", route)) and method == "POST":
        return _dispatch(fake, unquote(m.group(1)), body)
    if (m := re.fullmatch(r"/labels/(.+)", route)) and method == "GET":
        name = m.group(1)
        if name in fake.labels:
            return 200, {"name": name}, {}
        return 404, {"message": "Not Found"}, {}
    if route == "/labels" and method == "POST":
        if body["name"] in fake.labels:
            return 422, {"message": "Validation Failed", "errors": [{"code": "already_exists"}]}, {}
        fake.labels.add(body["name"])
        return 201, {"name": body["name"], "color": body.get("color")}, {}
    return 404, {"message": f"fake GitHub has no {method} {route}"}, {}


def _pulls(fake: FakeGitHub, method: str, route: str, query: dict[str, str], body: Any) -> Answer:
    """GET/POST /pulls and PATCH /pulls/{n}, with GitHub's filters and validation errors."""
    if route == "/pulls" and method == "GET":
        state = query.get("state", "open")
        items = [
            p
            for p in fake.pulls.values()
            if state in (p["state"], "all")
            and query.get("head") in (None, p["head"]["label"])
            and query.get("base") in (None, p["base"]["ref"])
        ]
        return _page(fake, items, route, query)
    if route == "/pulls" and method == "POST":
        body = body if isinstance(body, dict) else {}
        missing = [key for key in ("title", "head", "base") if not body.get(key)]
        if missing:
            return _invalid(f"missing {', '.join(missing)}")
        owner = REPOSITORY.split("/")[0]
        head = body["head"].removeprefix(f"{owner}:")
        for branch, field_name in ((head, "head"), (body["base"], "base")):
            if fake.remote is not None and not _branch_exists(fake.remote, branch):
                return _invalid(f"{field_name} invalid", field_name)
        if any(p["state"] == "open" and p["head"]["ref"] == head for p in fake.pulls.values()):
            return _invalid(f"A pull request already exists for {owner}:{head}.")
        pull = fake.add_pull(head, body["base"], body["title"])
        pull["body"] = body.get("body") or ""
        return 201, pull, {}
    if (m := re.fullmatch(r"/pulls/(\d+)", route)) and method == "PATCH":
        pull = fake.pulls.get(int(m.group(1)))
        if pull is None:
            return 404, {"message": "Not Found"}, {}
        pull.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
        if "base" in body:
            pull["base"] = {"ref": body["base"]}
        return 200, pull, {}
    return 404, {"message": f"fake GitHub has no {method} {route}"}, {}


def _commits(remote: Path | None, pull: dict[str, Any]) -> list[dict[str, Any]]:
    """GET /pulls/{n}/commits: the head branch's commits not on the base, oldest first."""
    if remote is None:
        return []
    span = f"refs/heads/{pull['base']['ref']}..refs/heads/{pull['head']['ref']}"
    fields = "--format=%H%x1f%an%x1f%ae%x1f%cn%x1f%ce"
    listed = subprocess.run(["git", "log", "--reverse", fields, span], cwd=remote,
                            capture_output=True, text=True, check=False)  # fmt: skip
    commits = []
    for line in listed.stdout.splitlines():
        sha, author, author_email, committer, committer_email = line.split("\x1f")
        commits.append({"sha": sha, "commit": {
            "author": {"name": author, "email": author_email},
            "committer": {"name": committer, "email": committer_email}}})  # fmt: skip
    return commits


def _dispatch(fake: FakeGitHub, workflow: str, body: Any) -> Answer:
    """POST .../actions/workflows/{file}/dispatches: 204 and recorded, as GitHub answers it."""
    if workflow not in fake.workflows:
        return 404, {"message": "Not Found"}, {}
    if not isinstance(body, dict) or not isinstance(body.get("ref"), str):
        return _invalid("ref is required", "ref")
    if "workflow_dispatch" not in fake.workflows[workflow]:
        return 422, {"message": "Workflow does not have 'workflow_dispatch' trigger"}, {}
    fake.dispatches.append({"workflow": workflow, "ref": body["ref"],
                            "inputs": body.get("inputs") or {}})  # fmt: skip
    return 204, None, {}


def _invalid(message: str, field_name: str | None = None) -> Answer:
    error = {"resource": "PullRequest", "code": "custom", "message": message}
    if field_name is not None:
        error.update(field=field_name, code="invalid")
    return 422, {"message": "Validation Failed", "errors": [error]}, {}


def _branch_exists(remote: Path, branch: str) -> bool:
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        cwd=remote,
        capture_output=True,
        check=False,
    )
    return found.returncode == 0


def _page(fake: FakeGitHub, items: list[Any], route: str, query: dict[str, str]) -> Answer:
    size = fake.page_size or min(int(query.get("per_page", 30)), 100)
    page = int(query.get("page", 1))
    chunk = items[(page - 1) * size : page * size]
    headers = {}
    if page * size < len(items):
        base = fake.next_link_base or fake.url
        next_query = urlencode({**query, "page": page + 1})
        headers["Link"] = f'<{base}/repos/{REPOSITORY}{route}?{next_query}>; rel="next"'
    return 200, chunk, headers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


def serve(prefix: str = "") -> Iterator[FakeGitHub]:
    """Run a fake on a free loopback port for the duration of the generator."""
    server = _Server(("127.0.0.1", 0), _Handler)
    fake = FakeGitHub(prefix=prefix)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    server.fake = fake
    with running(server):
        yield fake
