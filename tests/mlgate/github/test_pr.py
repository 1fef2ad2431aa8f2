"""`mlgate pr`: a real git repository with a bare origin, the real CLI, a fake GitHub."""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fake_github import REPOSITORY, TOKEN, FakeGitHub
from gitrepo import commit, git, git_env, init_repo, write_files
from support import MLGATE

from mlgate.github.pr import BOT_EMAIL, BOT_NAME
from mlgate.io.git import token_header_env

OWNER = REPOSITORY.split("/")[0]
BRANCH = "deploy/v1.2.3"
TITLE = "Deploy v1.2.3 to production"
HEADER = "basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
KUSTOMIZATION = "deploy/overlays/production/kustomization.yaml"
PULLS = f"/repos/{REPOSITORY}/pulls"


@dataclass
class Project:
    """A checkout of main with a bare origin, as actions/checkout leaves it."""

    work: Path
    origin: Path
    home: Path
    fake: FakeGitHub

    def git(self, *args: str) -> str:
        return git(self.work, self.home, *args)

    def remote(self, *args: str) -> str:
        return git(self.origin, self.home, *args)

    def pr(
        self, *args: str, drop: tuple[str, ...] = (), stdin: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """`mlgate pr ARGS` in the work tree; neither the token nor its header may show."""
        full = git_env(self.home, **self.fake.env(**env))
        for key in drop:
            full.pop(key, None)
        result = subprocess.run(
            [MLGATE, "pr", *args],
            cwd=self.work,
            env=full,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        shown = result.stdout + result.stderr
        assert TOKEN not in shown, "the token must never be printed"
        assert HEADER.split()[1] not in shown, "nor the header carrying it"
        return result

    def propose(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return self.pr("--branch", BRANCH, "--title", TITLE, *args, **env)


def digest_file(digest: str) -> str:
    return f"images:\n  - name: app\n    digest: sha256:{digest * 64}\n"


@pytest.fixture
def project(tmp_path: Path, fake_github: FakeGitHub) -> Project:
    home = tmp_path / "home"  # no ~/.gitconfig: identity only from the environment
    home.mkdir()
    origin = tmp_path / "origin.git"
    git(tmp_path, home, "init", "-q", "--bare", "-b", "main", str(origin))
    work = init_repo(tmp_path / "work", home)
    commit(work, home, {KUSTOMIZATION: digest_file("0"), "README.md": "# app\n"}, "first")
    git(work, home, "remote", "add", "origin", str(origin))
    git(work, home, "push", "-q", "origin", "main")
    fake_github.remote = origin
    return Project(work, origin, home, fake_github)


def outputs_of(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


# --- proposing --------------------------------------------------------------------------------


def test_commits_pushes_and_opens_the_pull_request(project: Project, tmp_path: Path) -> None:
    main = project.git("rev-parse", "HEAD")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    body = tmp_path / "body.md"
    body.write_text("Sets the production image to `app@sha256:aaa`.\n")
    outputs = tmp_path / "github_output"
    result = project.propose("--body-file", str(body), GITHUB_OUTPUT=str(outputs))
    assert result.returncode == 0, result.stderr
    url = f"https://github.com/{REPOSITORY}/pull/1"
    assert f"mlgate pr: created #1 {url}" in result.stdout

    [pull] = project.fake.pulls.values()
    assert pull["title"] == TITLE
    assert pull["body"] == body.read_text()
    assert (pull["head"]["ref"], pull["base"]["ref"]) == (BRANCH, "main")
    pushed = project.remote("rev-parse", f"refs/heads/{BRANCH}")
    assert pushed == project.git("rev-parse", "HEAD")
    assert project.remote("rev-parse", f"{pushed}^") == main
    assert project.remote("show", f"{pushed}:{KUSTOMIZATION}") == digest_file("a").strip()
    assert project.remote("log", "-1", "--format=%s|%an", pushed) == f"{TITLE}|Test Author"
    assert project.git("branch", "--show-current") == BRANCH
    assert project.git("status", "--porcelain") == ""

    assert [(c.method, c.path) for c in project.fake.calls()] == [("GET", PULLS), ("POST", PULLS)]
    assert project.fake.calls("GET")[0].query == {
        "head": f"{OWNER}:{BRANCH}",
        "state": "open",
        "per_page": "100",
    }
    assert project.fake.calls("POST")[0].body == {
        "title": TITLE,
        "head": BRANCH,
        "base": "main",
        "body": body.read_text(),
    }
    assert outputs.read_text().splitlines() == [
        "changed=true",
        f"branch={BRANCH}",
        "number=1",
        f"url={url}",
    ]


def test_a_rerun_force_updates_the_branch_and_edits_the_same_pull_request(
    project: Project, tmp_path: Path
) -> None:
    main = project.git("rev-parse", "HEAD")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    assert project.propose().returncode == 0
    first = project.remote("rev-parse", f"refs/heads/{BRANCH}")

    project.git("switch", "-q", "main")  # the next run starts from a fresh checkout of main
    write_files(project.work, {KUSTOMIZATION: digest_file("b")})
    body = tmp_path / "body.md"
    body.write_text("Second try.\n")
    outputs = tmp_path / "github_output"
    result = project.pr(
        "--branch", BRANCH, "--title", "Deploy v1.2.3 (rebuilt)", "--body-file", str(body),
        GITHUB_OUTPUT=str(outputs),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "mlgate pr: updated #1" in result.stdout

    second = project.remote("rev-parse", f"refs/heads/{BRANCH}")
    assert second != first
    assert project.remote("rev-parse", f"{second}^") == main  # not stacked on the first try
    assert project.remote("show", f"{second}:{KUSTOMIZATION}") == digest_file("b").strip()
    assert len(project.fake.pulls) == 1
    assert project.fake.pulls[1]["title"] == "Deploy v1.2.3 (rebuilt)"
    assert project.fake.pulls[1]["body"] == "Second try.\n"
    # each run lists the open pull requests first; the second reads its commits (all ours)
    assert [c.method for c in project.fake.calls()] == ["GET", "POST", "GET", "GET", "PATCH"]
    assert outputs_of(outputs)["number"] == "1"


def test_an_update_without_body_file_keeps_the_description(project: Project) -> None:
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    assert project.propose("--body-file", "-", stdin="From stdin.\n").returncode == 0
    assert project.fake.pulls[1]["body"] == "From stdin.\n"
    write_files(project.work, {KUSTOMIZATION: digest_file("b")})
    assert project.propose().returncode == 0
    assert project.fake.pulls[1]["body"] == "From stdin.\n"
    assert project.fake.calls("PATCH")[0].body == {"title": TITLE}


def test_closed_pull_requests_and_other_branches_are_not_reused(project: Project) -> None:
    project.fake.add_pull(BRANCH, state="closed")
    project.fake.add_pull("deploy/v1.0.0")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose()
    assert result.returncode == 0, result.stderr
    assert "created #3" in result.stdout
    assert project.fake.pulls[1]["state"] == "closed"


def test_finds_its_open_pull_request_across_pages(project: Project) -> None:
    for _ in range(3):
        project.fake.add_pull(BRANCH, state="closed")
    project.fake.add_pull(BRANCH)
    project.fake.page_size = 1
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.pr("--branch", BRANCH, "--title", TITLE, "--", KUSTOMIZATION)
    assert result.returncode == 0, result.stderr
    assert "updated #4" in result.stdout


def test_works_from_a_detached_head_like_a_tag_checkout(project: Project) -> None:
    project.git("tag", "v1.2.3")
    project.git("checkout", "-q", "--detach", "v1.2.3")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose()
    assert result.returncode == 0, result.stderr
    assert project.remote("rev-parse", f"refs/heads/{BRANCH}^") == project.git(
        "rev-parse", "v1.2.3"
    )


def test_new_and_deleted_files_are_proposed(project: Project) -> None:
    write_files(project.work, {"README.md": None, "models/metrics.json": "{}\n"})
    assert project.propose().returncode == 0
    changed = project.remote("diff", "--name-status", "main", f"refs/heads/{BRANCH}")
    assert changed.splitlines() == ["D\tREADME.md", "A\tmodels/metrics.json"]


def test_paths_restrict_what_is_committed(project: Project) -> None:
    write_files(project.work, {KUSTOMIZATION: digest_file("a"), "notes.txt": "scratch\n"})
    write_files(project.work, {"README.md": "# staged elsewhere\n"})
    project.git("add", "README.md")
    result = project.propose(KUSTOMIZATION)
    assert result.returncode == 0, result.stderr
    changed = project.remote("diff", "--name-only", "main", f"refs/heads/{BRANCH}")
    assert changed.splitlines() == [KUSTOMIZATION]
    assert sorted(project.git("status", "--porcelain").splitlines()) == [
        "?? notes.txt",
        "M  README.md",
    ]


def test_base_comes_from_the_event_payload_unless_given(project: Project, tmp_path: Path) -> None:
    project.git("push", "-q", "origin", "main:trunk", "main:release")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"default_branch": "trunk"}}))
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose(GITHUB_EVENT_PATH=str(event))
    assert result.returncode == 0, result.stderr
    assert project.fake.pulls[1]["base"]["ref"] == "trunk"

    project.git("switch", "-q", "main")
    write_files(project.work, {"README.md": "# changed\n"})
    result = project.pr("--branch", "docs", "--title", "t", "--base", "release",
                        GITHUB_EVENT_PATH=str(event))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert project.fake.pulls[2]["base"]["ref"] == "release"


def test_a_custom_commit_message(project: Project) -> None:
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    assert project.propose("--message", "deploy: v1.2.3\n\nBy the release.").returncode == 0
    assert project.remote("log", "-1", "--format=%B", BRANCH) == "deploy: v1.2.3\n\nBy the release."


# --- identity ---------------------------------------------------------------------------------

IDENTITY = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")


def test_without_an_identity_it_commits_as_the_actions_bot(project: Project) -> None:
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose(drop=(*IDENTITY, "EMAIL"))
    assert result.returncode == 0, result.stderr
    who = project.remote("log", "-1", "--format=%an <%ae>|%cn <%ce>", BRANCH)
    assert who == f"{BOT_NAME} <{BOT_EMAIL}>|{BOT_NAME} <{BOT_EMAIL}>"


def test_a_configured_identity_is_kept(project: Project) -> None:
    project.git("config", "user.name", "Release Bot")
    project.git("config", "user.email", "release@example.com")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    assert project.propose(drop=IDENTITY).returncode == 0
    who = project.remote("log", "-1", "--format=%an <%ae>", BRANCH)
    assert who == "Release Bot <release@example.com>"


# --- nothing to do, or cannot do it -----------------------------------------------------------


def test_nothing_to_propose_is_success_without_a_call(project: Project, tmp_path: Path) -> None:
    outputs = tmp_path / "github_output"
    result = project.propose(GITHUB_OUTPUT=str(outputs), drop=("GITHUB_TOKEN",))
    assert result.returncode == 0, result.stderr
    assert "nothing to propose" in result.stdout
    assert outputs.read_text() == "changed=false\n"
    assert project.fake.calls() == []
    assert project.git("branch", "--list", BRANCH) == ""
    assert project.git("branch", "--show-current") == "main"


def test_changes_outside_the_paths_are_nothing_to_propose(project: Project) -> None:
    write_files(project.work, {"notes.txt": "scratch\n"})
    result = project.propose(KUSTOMIZATION)
    assert result.returncode == 0, result.stderr
    assert f"nothing to propose (no changes in {KUSTOMIZATION})" in result.stdout
    assert project.fake.calls() == []


def test_not_a_git_work_tree_is_could_not(project: Project, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    project.work = plain
    result = project.propose(GIT_CEILING_DIRECTORIES=str(tmp_path))
    assert result.returncode == 2
    assert "not inside a git work tree" in result.stderr
    assert result.stderr.startswith("mlgate pr: could not check: ")
    assert project.fake.calls() == []


def test_without_origin_nothing_is_committed(project: Project) -> None:
    project.git("remote", "remove", "origin")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose()
    assert result.returncode == 2
    assert "no remote named 'origin'" in result.stderr
    assert project.git("branch", "--list", BRANCH) == ""
    assert project.fake.calls() == []


def test_a_failed_push_keeps_the_commit_on_the_local_branch(
    project: Project, tmp_path: Path
) -> None:
    project.git("remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose()
    assert result.returncode == 2
    assert "git push to origin" in result.stderr
    assert f"stays on the local branch {BRANCH}" in result.stderr
    assert project.git("show", f"{BRANCH}:{KUSTOMIZATION}") == digest_file("a").strip()
    assert [c.method for c in project.fake.calls()] == ["GET"]  # nothing opened


def test_forbidden_to_open_pull_requests_names_the_setting(project: Project) -> None:
    message = "GitHub Actions is not permitted to create or approve pull requests."
    project.fake.fail(403, method="POST", path_contains="/pulls", message=message)
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose()
    assert result.returncode == 2
    assert f"answered 403: {message}" in result.stderr
    assert "Settings > Actions > General" in result.stderr
    assert "pull-requests: write" in result.stderr
    assert project.fake.pulls == {}
    # the branch was pushed; once the setting is fixed a re-run opens the pull request
    assert project.remote("rev-parse", f"refs/heads/{BRANCH}")
    project.git("switch", "-q", "main")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    again = project.propose()
    assert again.returncode == 0, again.stderr
    assert "created #1" in again.stdout


def test_a_rejected_pull_request_is_could_not(project: Project) -> None:
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose("--base", "no-such-branch")
    assert result.returncode == 2
    assert "cannot open its pull request" in result.stderr
    assert "answered 422: Validation Failed" in result.stderr


def test_server_errors_are_retried(project: Project) -> None:
    project.fake.fail(502, times=2, method="POST")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose()
    assert result.returncode == 0, result.stderr
    assert len(project.fake.pulls) == 1


def test_without_a_token_nothing_is_committed(project: Project) -> None:
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose(drop=("GITHUB_TOKEN",))
    assert result.returncode == 2
    assert "GITHUB_TOKEN is not set" in result.stderr
    assert project.git("branch", "--list", BRANCH) == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--branch", "main", "--title", "t"], "refusing to force-push it"),
        (["--branch", "release", "--title", "t", "--base", "release"], "refusing to force-push"),
        (["--branch", "bad name", "--title", "t"], "--branch 'bad name' is not a valid branch"),
        (["--branch", "a..b", "--title", "t"], "is not a valid branch name"),
        (["--branch=-x", "--title", "t"], "is not a valid branch name"),
        (["--branch", "x", "--title", "t", "--base", "a b"], "--base 'a b' is not a valid"),
        (["--branch", "x", "--title", " "], "--title must be 1-256 characters"),
        (["--branch", "x", "--title", "t", "--message", " "], "--message must not be empty"),
        (["--branch", "x", "--title", "t", "--body-file", "missing.md"], "no --body-file at"),
        (["--branch", "x", "--title", "t", "no/such/path"], "'no/such/path' matches no file"),
    ],
)
def test_bad_arguments_change_nothing(project: Project, args: list[str], message: str) -> None:
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.pr(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert project.git("branch", "--show-current") == "main"
    assert project.git("diff", "--name-only") == KUSTOMIZATION  # still only in the work tree
    assert project.git("diff", "--cached", "--name-only") == ""
    assert project.fake.calls() == []


# --- the token on the wire --------------------------------------------------------------------


@dataclass
class GitServer:
    """An https server that records what git sends and refuses the push with 403."""

    url: str
    seen: list[tuple[str, list[str]]] = field(default_factory=list)


@pytest.fixture
def git_server(tmp_path: Path) -> Iterator[GitServer]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed for a local https server")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    seen: list[tuple[str, list[str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get_all("Authorization") or []))
            self.send_response(403)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"denied")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield GitServer(f"https://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()


def test_the_token_goes_to_githubs_host_as_a_header_only(
    project: Project, git_server: GitServer
) -> None:
    project.git("remote", "set-url", "origin", f"{git_server.url}/{REPOSITORY}.git")
    # a header a checkout with persisted credentials left is replaced, not sent twice
    project.git("config", f"http.{git_server.url}/.extraheader", "AUTHORIZATION: basic b2xk")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose(GITHUB_SERVER_URL=git_server.url, GIT_SSL_NO_VERIFY="1")
    assert result.returncode == 2
    assert "contents: write" in result.stderr
    assert f"stays on the local branch {BRANCH}" in result.stderr
    path, authorization = git_server.seen[0]
    assert path == f"/{REPOSITORY}.git/info/refs?service=git-receive-pack"
    assert authorization == [HEADER]
    assert [c.method for c in project.fake.calls()] == ["GET"]  # nothing opened


def test_no_token_for_a_host_other_than_githubs(project: Project, git_server: GitServer) -> None:
    project.git("remote", "set-url", "origin", f"{git_server.url}/{REPOSITORY}.git")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose(GITHUB_SERVER_URL="https://github.com", GIT_SSL_NO_VERIFY="1")
    assert result.returncode == 2
    assert git_server.seen and all(auth == [] for _, auth in git_server.seen)


def test_credentials_in_the_origin_url_are_not_printed(project: Project) -> None:
    project.git("remote", "set-url", "origin", "https://user:s3cret@127.0.0.1:9/x/y.git")
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    result = project.propose(GITHUB_SERVER_URL="https://127.0.0.1:9")
    assert result.returncode == 2
    assert "s3cret" not in result.stdout + result.stderr
    assert "https://***@127.0.0.1:9/x/y.git" in result.stderr


# --- in process -------------------------------------------------------------------------------


def test_push_env_adds_the_header_after_existing_config_entries() -> None:
    env = token_header_env(
        "https://GitHub.com/o/r.git", TOKEN, "https://github.com", {"GIT_CONFIG_COUNT": "1"}
    )
    key = "http.https://github.com/.extraheader"
    assert env["GIT_CONFIG_COUNT"] == "3"
    assert (env["GIT_CONFIG_KEY_1"], env["GIT_CONFIG_VALUE_1"]) == (key, "")
    assert (env["GIT_CONFIG_KEY_2"], env["GIT_CONFIG_VALUE_2"]) == (key, f"AUTHORIZATION: {HEADER}")
    assert env["GIT_TERMINAL_PROMPT"] == "0"


@pytest.mark.parametrize(
    ("url", "token", "server"),
    [
        ("https://github.com/o/r.git", "", "https://github.com"),  # no token
        ("http://github.com/o/r.git", TOKEN, "http://github.com"),  # not https
        ("git@github.com:o/r.git", TOKEN, "https://github.com"),  # ssh
        ("/srv/git/r.git", TOKEN, "https://github.com"),  # a local path
        ("file:///srv/git/r.git", TOKEN, "https://github.com"),
        ("https://gitlab.com/o/r.git", TOKEN, "https://github.com"),  # another host
        ("https://github.com:8443/o/r.git", TOKEN, "https://github.com"),  # another port
    ],
)
def test_push_env_sends_no_token(url: str, token: str, server: str) -> None:
    env = token_header_env(url, token, server, {})
    assert env == {"GIT_TERMINAL_PROMPT": "0"}


def test_commits_people_added_to_the_branch_are_never_thrown_away(project: Project) -> None:
    """Someone resolved a conflict on the pull request's branch: the next run must not
    force-push over it. It leaves the branch and the pull request alone, with a warning."""
    project.fake.remote = project.origin
    write_files(project.work, {KUSTOMIZATION: digest_file("a")})
    assert project.propose().returncode == 0
    fix = project.work.parent / "fix"
    grace = {f"GIT_{role}_{key}": value for role in ("AUTHOR", "COMMITTER")
             for key, value in (("NAME", "Grace"), ("EMAIL", "grace@example.com"))}  # fmt: skip
    git(project.work.parent, project.home, "clone", "--quiet", "--branch", BRANCH,
        str(project.origin), str(fix))  # fmt: skip
    (fix / "NOTE.md").write_text("resolved by hand\n")
    git(fix, project.home, "add", "NOTE.md")
    subprocess.run(["git", "commit", "--quiet", "-m", "Resolve"], cwd=fix, check=True,
                   env={**git_env(project.home), **grace})  # fmt: skip
    git(fix, project.home, "push", "--quiet", "origin", BRANCH)
    people = project.remote("rev-parse", f"refs/heads/{BRANCH}")
    write_files(project.work, {KUSTOMIZATION: digest_file("b")})
    result = project.propose()
    assert result.returncode == 0, result.stderr
    assert "::warning::mlgate pr: not replacing" in result.stdout and "Grace" in result.stdout
    assert project.remote("rev-parse", f"refs/heads/{BRANCH}") == people  # kept
