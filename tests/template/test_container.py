"""The default render's image, really built and run with podman, as the release builds it.

The Dockerfile is built unchanged from the reproduced default project (a local-path mlgate:
its copy in vendor/), with the build arguments the release workflow passes. No registry can be
reached here, so the pinned base images are stood in for by a Debian base made with
debootstrap and given their names and digests (tests/harness/podman.py says how). The image
must stay within its size budget over that base; the container must run as its non-root
user, become healthy by its own HEALTHCHECK, answer predictions, pass `mlgate verify`, write
its request log, and stop cleanly on SIGTERM.

Without podman, runc, debootstrap or root the module is skipped, unless .ci/run installed them
and said so (MLGATE_CONTAINER_TEST=required): then it fails.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from conftest import Reproduced
from podman import (
    READY_TIMEOUT_S,
    Podman,
    Running,
    build,
    layers,
    missing_tools,
    remove,
    running,
    stand_in_base,
)
from projects import run
from rendering import module_of

pytestmark = pytest.mark.pipeline
NAME = "default"
UID = 10001
VERSION = "1.2.3"  # what docker/metadata-action makes of the tag v1.2.3
BUDGET_BYTES = 350 * 10**6  # the image over its base (issue 17)


@dataclass(frozen=True)
class Image:
    name: str
    base: str  # the stand-in base's image id
    project: Path
    commit: str


@pytest.fixture(scope="module")
def podman() -> Podman:
    missing = missing_tools()
    if missing:
        message = f"cannot build images here: no {', '.join(missing)}"
        if os.environ.get("MLGATE_CONTAINER_TEST") == "required":
            pytest.fail(f"{message}, though .ci/run meant to install them")
        pytest.skip(message)
    return Podman.cached()


def release_build_args(project: Path, commit: str) -> dict[str, str]:
    """The build arguments of release.yml's build step, with the values a tag v1.2.3 gives."""
    workflow = yaml.safe_load((project / ".github/workflows/release.yml").read_text())
    (step,) = [s for s in workflow["jobs"]["image"]["steps"] if s.get("id") == "build"]
    names = [line.partition("=")[0] for line in step["with"]["build-args"].splitlines()]
    values = {"VERSION": VERSION, "COMMIT": commit}
    assert sorted(names) == sorted(values), f"release.yml passes {names}"
    return values


@pytest.fixture(scope="module")
def image(podman: Podman, reproduced: dict[str, Reproduced], home: Path) -> Iterator[Image]:
    project = reproduced[NAME].project
    assert (project / "vendor" / "mlgate" / "pyproject.toml").is_file(), "no vendored mlgate"
    commit = run(["git", "rev-parse", "HEAD"], project, home).stdout.strip()
    base = stand_in_base(podman, project / "Dockerfile")
    name = f"localhost/{project.name}:test-{os.getpid()}"
    build_args = [f"--build-arg={k}={v}" for k, v in release_build_args(project, commit).items()]
    steps = build(podman, project, name, *build_args)
    yield Image(name, base, project, commit)
    remove(podman, name, steps)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The request log's volume, writable by the service's user only (deploy/: an emptyDir)."""
    folder = tmp_path_factory.mktemp("container-logs")
    os.chown(folder, UID, UID)
    folder.chmod(0o755)
    return folder


@pytest.fixture(scope="module")
def container(podman: Podman, image: Image, logs: Path) -> Iterator[Running]:
    """Run as deploy/ runs it: a read-only root file system, /tmp and logs/ writable."""
    name = f"mlgate-test-{os.getpid()}"
    with running(podman, image.name, name, "--read-only", f"--volume={logs}:/app/logs") as up:
        print(f"\n{image.name}: /ready answered {up.ready_after_s:.2f} s after `podman run`")
        yield up


def inspect(podman: Podman, what: str) -> dict[str, Any]:
    (found,) = json.loads(podman.run("inspect", what).stdout)
    return found


def test_the_image_adds_at_most_350_mb_to_its_base(podman: Podman, image: Image) -> None:
    own = [layer for layer in layers(podman, image.name)][len(layers(podman, image.base)) :]
    table = "\n".join(f"{layer.size / 1e6:9.1f} MB  {layer.created_by[:110]}" for layer in own)
    added = sum(layer.size for layer in own)
    print(f"\nlayers over the base:\n{table}\n{added / 1e6:9.1f} MB in all")
    assert added <= BUDGET_BYTES, f"{added / 1e6:.1f} MB over the base:\n{table}"
    assert any("/opt/venv" in layer.created_by and layer.size > 100e6 for layer in own)


def test_the_image_keeps_its_healthcheck_user_and_labels(podman: Podman, image: Image) -> None:
    found = inspect(podman, image.name)
    config = found["Config"]
    assert config["User"] == str(UID)
    assert "/health" in " ".join(found["Healthcheck"]["Test"])  # kept by --format docker
    assert config["Labels"]["org.opencontainers.image.version"] == VERSION
    assert f"SERVICE_COMMIT={image.commit}" in config["Env"]


def test_the_service_runs_as_its_non_root_user(podman: Podman, container: Running) -> None:
    status = podman.run("exec", container.name, "cat", "/proc/1/status").stdout
    (uids,) = [line.split()[1:] for line in status.splitlines() if line.startswith("Uid:")]
    assert uids == [str(UID)] * 4, status
    # Only logs/ is the service's: its code, model and environment are not, even with a
    # writable root file system.
    config = inspect(podman, container.name)["Config"]
    assert config["User"] == str(UID)
    for path in ("/app/models/model.joblib", "/opt/venv/bin/python", "/app"):
        owner = podman.run("exec", container.name, "stat", "-L", "-c", "%u %A", path).stdout.split()
        assert owner[0] == "0" and owner[1][8] != "w", f"{path}: {owner}"
    assert podman.run("exec", container.name, "test", "-w", "/app/logs").returncode == 0


def test_the_image_keeps_mlgates_template_whole(podman: Podman, container: Running) -> None:
    """The builder drops the packages' test suites, but mlgate's `tests` are its template's."""
    site = "/opt/venv/lib/python3*/site-packages"
    kept = f"{site}/mlgate/template/'{{{{cookiecutter.project_slug}}}}'/tests/conftest.py"

    def exists(test: str) -> bool:
        shell = podman.run("exec", container.name, "sh", "-c", test, check=False)
        return shell.returncode == 0

    assert exists(f"test -f {kept}"), "mlgate's template lost its tests/"
    assert not exists(f"test -d {site}/pandas/tests"), "pandas' test suite is in the image"
    assert exists(f"test -d {site}/pandas/core"), "the glob matched nothing"


def test_its_own_healthcheck_reports_healthy(podman: Podman, container: Running) -> None:
    """No systemd here to run the check on its interval: run it as the timer would."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while podman.run("healthcheck", "run", container.name, check=False).returncode != 0:
        assert time.monotonic() < deadline, "the HEALTHCHECK never passed"
        time.sleep(1)
    assert inspect(podman, container.name)["State"]["Health"]["Status"] == "healthy"


@pytest.fixture(scope="module")
def sample(image: Image, home: Path) -> Path:
    """Rows of the project's data, as the request log holds them (`<module>.windows`)."""
    run(["python", "-m", f"{module_of(image.project)}.windows"], image.project, home)
    return image.project / "logs" / "clean.jsonl"


def first_records(sample: Path, count: int = 5) -> list[dict[str, Any]]:
    return [json.loads(line)["features"] for line in sample.read_text().splitlines()[:count]]


def test_it_predicts_and_reports_the_release(container: Running, image: Image,
                                             sample: Path) -> None:  # fmt: skip
    records = first_records(sample)
    answer = requests.post(f"{container.url}/predict", json={"records": records}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["predictions"]) == len(records)
    version = requests.get(f"{container.url}/version", timeout=5).json()
    assert (version["version"], version["commit"]) == (VERSION, image.commit)
    assert version["predictor"] == "compiled", "the compiled path failed its start-up check"


def test_mlgate_verify_passes_against_the_container(
    container: Running, image: Image, sample: Path, home: Path
) -> None:
    args = [container.url, "--expect-version", f"v{VERSION}", "--sample", str(sample),
            "--requests", "50", "--timeout", "60"]  # fmt: skip
    result = run(["mlgate", "verify", *args], image.project, home, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_stops_cleanly_and_keeps_every_logged_request(
    podman: Podman, container: Running, sample: Path, logs: Path
) -> None:
    """SIGTERM (podman stop): requests in flight finish, the log is flushed, no SIGKILL."""
    records = first_records(sample, 3)
    answer = requests.post(f"{container.url}/predict", json={"records": records}, timeout=30)
    assert answer.status_code == 200, answer.text
    podman.run("stop", "--time=30", container.name)
    state = inspect(podman, container.name)["State"]
    shown = podman.run("logs", container.name)
    output = shown.stdout + shown.stderr
    assert "Application shutdown complete" in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert state["ExitCode"] in (0, 143), state  # 143: uvicorn re-raises SIGTERM once done
    # one line a request; what is still buffered at SIGTERM is written before the exit
    lines = [json.loads(line) for line in (logs / "requests.jsonl").read_text().splitlines()]
    assert lines[-1]["features"] == records, "the last request is not in the log"
    assert all(line["model_version"] == VERSION and line["predictions"] for line in lines)
