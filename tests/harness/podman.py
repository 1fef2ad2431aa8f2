"""Build and run a generated project's image with podman, as the release workflow builds it.

No registry is reachable here or on the CI machine, so the Dockerfile's base images cannot be
pulled. One stand-in base is made from Debian's bookworm packages (`debootstrap --variant=
minbase` with python3 and pip, the two things the official python images give the Dockerfile)
and given the names *and the digests* the Dockerfile pins, so the Dockerfile builds unchanged:

- names with `podman tag`;
- digests: podman has no command for it ("tag by digest not supported"). A pulled image keeps
  its manifest digests in containers/storage's `images.json`, and a `FROM name@digest` is
  resolved by looking the digest up there, so the stand-in's record gets the pinned digest the
  same way, under storage's own lock. All of it happens in a storage root of the tests' own
  (cached between runs), never in the user's podman storage.

Podman 4.3 (Debian bookworm) needs runc (`--runtime runc`), `--format docker` (the OCI format
drops HEALTHCHECK) and ulimits below its defaults, which this sandbox refuses. The build sees
the host's CA bundle (`-v /etc/ssl/certs`): this machine reaches PyPI through a proxy with its
own certificate authority, as a company network does; the stand-in base sets SSL_CERT_FILE so
uv reads that bundle, where the real images need nothing.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support import free_port

BASE = "localhost/mlgate-test-base:bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ("python3", "python3-pip", "ca-certificates")
BASE_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
    'CMD ["python3"]',
)
# Changing how the base is made makes a new one: the recipe's hash is the base's label.
RECIPE = hashlib.sha256(repr((MIRROR, PACKAGES, BASE_CHANGES, 1)).encode()).hexdigest()[:16]
RECIPE_LABEL = "org.mlgate.test-base.recipe"
BUILD_FLAGS = (
    "--format=docker",
    "--pull=never",
    "--network=host",
    "--ulimit=nofile=4096:4096",
    "--ulimit=nproc=4096:4096",
    "--volume=/etc/ssl/certs:/etc/ssl/certs:ro",
)
READY_TIMEOUT_S = 120
FROM_LINE = re.compile(r"(?im)^FROM\s+(?:--platform=\S+\s+)?(\S+)")


def missing_tools() -> list[str]:
    """What this machine lacks to build images (.ci/run installs them)."""
    missing = [tool for tool in ("podman", "runc", "debootstrap") if not shutil.which(tool)]
    if os.geteuid() != 0:
        missing.append("root (debootstrap and podman's storage root)")
    return missing


@dataclass(frozen=True)
class Podman:
    """podman with a storage root of the tests' own."""

    root: Path

    @classmethod
    def cached(cls) -> Podman:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return cls(cache / "mlgate-tests" / "podman")

    def command(self, *args: str) -> list[str]:
        return ["podman", "--runtime", "runc", "--root", str(self.root / "storage"),
                "--runroot", str(self.root / "run"), *args]  # fmt: skip

    def run(
        self, *args: str, check: bool = True, timeout: float = 900, **options: object
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args), capture_output=True, text=True, timeout=timeout, **options
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"podman {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
            )
        return result

    def image_id(self, name: str) -> str | None:
        found = self.run("image", "inspect", "--format", "{{.Id}}", name, check=False)
        return found.stdout.strip() if found.returncode == 0 else None

    def label(self, name: str, key: str) -> str | None:
        found = self.run("image", "inspect", "--format", "{{json .Labels}}", name, check=False)
        return (json.loads(found.stdout) or {}).get(key) if found.returncode == 0 else None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One base build at a time on this machine (parallel test runs share the cache)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "base.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def base_references(dockerfile: Path) -> list[str]:
    """The images the Dockerfile's stages start from (not its own stage names)."""
    text = dockerfile.read_text(encoding="utf-8")
    stages = {m.lower() for m in re.findall(r"(?im)^FROM\s+\S+\s+AS\s+(\S+)", text)}
    return [ref for ref in FROM_LINE.findall(text) if ref.lower() not in stages]


def qualified(reference: str) -> tuple[str, str | None]:
    """`python:3.11-slim@sha256:…` -> (`docker.io/library/python:3.11-slim`, `sha256:…`)."""
    name, _, digest = reference.partition("@")
    first = name.split("/")[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    return name, digest or None


def stand_in_base(podman: Podman, dockerfile: Path) -> str:
    """Make (once per recipe) the Debian base and give it the Dockerfile's names and digests;
    returns the base image's id."""
    with podman.locked():
        ensure_base(podman)
        image = podman.image_id(BASE)
        assert image, "the stand-in base was not made"
        for reference in base_references(dockerfile):
            name, digest = qualified(reference)
            podman.run("tag", BASE, name)
            if digest:
                record_digest(podman, image, digest)
            assert podman.image_id(reference) == image, f"{reference} does not resolve locally"
    return image


def ensure_base(podman: Podman) -> None:
    if podman.label(BASE, RECIPE_LABEL) == RECIPE:
        return
    old = podman.image_id(BASE)
    build_base(podman)
    if old:  # made by an older recipe: its names moved to the new base, its digests go with it
        podman.run("rmi", "--force", old, check=False)


def build_base(podman: Podman) -> None:
    with tempfile.TemporaryDirectory(prefix="mlgate-base-", dir="/var/tmp") as work:
        rootfs = Path(work) / "rootfs"
        debootstrap = subprocess.Popen(
            ["debootstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES),
             "bookworm", str(rootfs), MIRROR],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            log, _ = debootstrap.communicate(timeout=900)
        except subprocess.TimeoutExpired:
            os.killpg(debootstrap.pid, signal.SIGKILL)  # dpkg and its children too
            log, _ = debootstrap.communicate()
            log += "\n(stopped after 900 s)"
        if debootstrap.returncode != 0:
            for mount in ("proc", "sys", "dev/pts"):  # left mounted when it stops midway
                subprocess.run(["umount", "-l", str(rootfs / mount)], capture_output=True)
            raise AssertionError(f"debootstrap failed:\n{log[-4000:]}")
        # What the official python images are that a Debian system is not: `python` on the
        # PATH, pip allowed to install into the system Python (no PEP 668 marker), no caches.
        (rootfs / "usr/bin/python").symlink_to("python3")
        for marker in (rootfs / "usr/lib").glob("python3.*/EXTERNALLY-MANAGED"):
            marker.unlink()
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (rootfs / cache).glob("*"):
                if item.is_file():
                    item.unlink()
        changes = [f"--change={c}" for c in (*BASE_CHANGES, f"LABEL {RECIPE_LABEL}={RECIPE}")]
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        assert tar.stdout is not None
        try:
            podman.run("import", *changes, "-", BASE, stdin=tar.stdout)
        finally:
            tar.stdout.close()  # a failed import: tar stops on the closed pipe
            tar.wait()
        assert tar.returncode == 0, f"tar of the base exited {tar.returncode}"


def record_digest(podman: Podman, image: str, digest: str) -> None:
    """Record `digest` as one of the image's manifest digests, as a pull by digest would."""
    images = podman.root / "storage" / "overlay-images"
    with (images / "images.lock").open("r+") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)
        records = json.loads((images / "images.json").read_text(encoding="utf-8"))
        (record,) = [r for r in records if r["id"] == image]
        key = f"manifest-{digest}"
        if key in record.get("big-data-names", []):
            return
        folder = images / image
        shutil.copyfile(folder / "manifest", folder / f"={base64.b64encode(key.encode()).decode()}")
        record["big-data-names"].append(key)
        record["big-data-sizes"][key] = (folder / "manifest").stat().st_size
        record["big-data-digests"][key] = digest
        record["digests"] = sorted({record["digest"], *record.get("digests", []), digest})
        scratch = images / "images.json.mlgate-tests"
        scratch.write_text(json.dumps(records), encoding="utf-8")
        scratch.replace(images / "images.json")
    # One write through podman itself: storage's lock file then records a new writer, so a
    # podman process that read the store before this edit reads it again (and cannot save its
    # stale copy over it).
    podman.run("tag", image, "localhost/mlgate-test-base:digests")


def build(podman: Podman, context: Path, tag: str, *flags: str) -> list[str]:
    """Build `context` as `tag`; returns the ids of the images the build committed on the way
    (its steps' cache, the builder stage), for `remove` to drop with the image."""
    shown = podman.run("build", *BUILD_FLAGS, *flags, "--tag", tag, str(context)).stdout
    return re.findall(r"(?m)^--> ([0-9a-f]{10,64})$", shown)


def remove(podman: Podman, tag: str, steps: list[str]) -> None:
    """The image and what its build left: ~700 MB a build in the cached storage otherwise.
    An image another build still uses is refused, and stays."""
    podman.run("rmi", tag, check=False)
    podman.run("rmi", *reversed(steps), check=False)


RUN_FLAGS = ("--ulimit=nofile=4096:4096", "--ulimit=nproc=4096:4096")


@dataclass(frozen=True)
class Running:
    name: str
    url: str
    ready_after_s: float  # from `podman run` to the first 200 from /ready


@contextmanager
def running(podman: Podman, image: str, name: str, *flags: str) -> Iterator[Running]:
    """The image's service, detached, on a free port of 127.0.0.1, once /ready answers 200;
    removed afterwards."""
    import requests  # the base's __main__ runs with the standard library only

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    podman.run("run", "--detach", "--name", name, *RUN_FLAGS, *flags,
               f"--publish=127.0.0.1:{port}:8000", image)  # fmt: skip
    try:
        while (waited := time.perf_counter() - started) < READY_TIMEOUT_S:
            try:
                if requests.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.02)
        else:
            raise AssertionError(f"{image}: /ready did not answer within {READY_TIMEOUT_S} s")
        yield Running(name, url, waited)
    finally:
        podman.run("rm", "--force", "--time=0", name, check=False)


@dataclass(frozen=True)
class Layer:
    created_by: str
    size: int


def layers(podman: Podman, image: str) -> list[Layer]:
    """The image's layers, oldest first, with what made each."""
    shown = podman.run("history", "--no-trunc", "--format", "json", image).stdout
    return [Layer(item.get("CreatedBy") or item.get("createdBy") or "", int(item["size"]))
            for item in reversed(json.loads(shown))]  # fmt: skip


if __name__ == "__main__":
    # .ci/run makes the base in the background while the tests start; the container test
    # waits on the same lock and finds it made.
    cached = Podman.cached()
    with cached.locked():
        ensure_base(cached)
