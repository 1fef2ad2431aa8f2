"""mlgate's own release: the workflow (static and run up to the publish step) and `make dist`.

A tag vX.Y.Z builds one sdist and one wheel of that version (hatch-vcs takes it from the tag),
publishes them to PyPI by trusted publishing, attests their build provenance and attaches them
to a GitHub release. PyPI, Sigstore and GitHub's releases cannot be reached here: the build job
runs for real (the workflow runner, on a copy of this working tree tagged in a scratch
repository); the jobs after it are checked from the YAML.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from gha_runner import Event, GitHubSide, JobRun, WorkflowRun
from gitrepo import git, init_repo
from support import REPO_ROOT, VENV_BIN, tool_env

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
RELEASE = WORKFLOWS / "release.yml"


@pytest.fixture(scope="module")
def release() -> dict[str, Any]:
    return yaml.safe_load(RELEASE.read_text(encoding="utf-8"))


# --- the workflow, read -------------------------------------------------------------------


def test_zizmor_pedantic_and_the_schema_accept_mlgates_own_workflows(home: Path) -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    zizmor = subprocess.run([str(VENV_BIN / "zizmor"), "--persona", "pedantic", "--offline",
                             "--format", "json", *files],
                            capture_output=True, text=True, env=tool_env(home))  # fmt: skip
    assert json.loads(zizmor.stdout) == [], zizmor.stdout[-4000:]
    schema = subprocess.run([str(VENV_BIN / "check-jsonschema"), "--builtin-schema",
                             "vendor.github-workflows", *files],
                            capture_output=True, text=True, env=tool_env(home))  # fmt: skip
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_a_version_tag_releases_in_order(release: dict[str, Any]) -> None:
    assert release[True] == {"push": {"tags": ["v*.*.*"]}}  # YAML 1.1 reads `on` as True
    assert release["permissions"] == {}
    jobs = release["jobs"]
    assert [jobs["pypi"]["needs"], jobs["github-release"]["needs"]] == ["build", "pypi"]
    assert release["concurrency"]["cancel-in-progress"] is False, "never cancel a release"


def test_each_job_holds_only_what_it_needs(release: dict[str, Any]) -> None:
    jobs = release["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read"}
    # trusted publishing: an OIDC token in a protected environment, no PyPI token anywhere
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}
    assert jobs["pypi"]["environment"]["name"] == "pypi"
    assert "secrets." not in RELEASE.read_text(encoding="utf-8")
    assert jobs["github-release"]["permissions"] == {
        "contents": "write", "id-token": "write", "attestations": "write"
    }  # fmt: skip
    checkout = [s for j in jobs.values() for s in j["steps"] if "checkout" in s.get("uses", "")]
    assert checkout and all(s["with"]["persist-credentials"] is False for s in checkout)


def test_steps_are_make_targets_or_clis_and_attest_what_is_published(
    release: dict[str, Any],
) -> None:
    steps = [s for job in release["jobs"].values() for s in job["steps"]]
    scripts = [s["run"] for s in steps if "run" in s]
    assert scripts[:2] == ["make dist", "make publish"]
    assert all("${{" not in script for script in scripts), "expressions go through env:"
    assert scripts[2].startswith('gh release create "$TAG" dist/mlgate-* ')
    (attest,) = [s for s in steps if "attest-build-provenance" in s.get("uses", "")]
    (upload,) = [s for s in steps if "upload-artifact" in s.get("uses", "")]
    assert attest["with"]["subject-path"] == upload["with"]["path"] == "dist/mlgate-*"
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "uv publish --trusted-publishing" in makefile


# --- the build job, run ---------------------------------------------------------------------


def copy_of_this_tree(target: Path, home: Path) -> Path:
    """This working tree as it is (committed or not, ignored files left out), in a new repo."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    init_repo(target, home)
    for name in filter(None, listed.stdout.split("\0")):
        source, destination = REPO_ROOT / name, target / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted, not yet committed
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
    git(target, home, "add", "-A")
    git(target, home, "commit", "-q", "-m", "mlgate as tested")
    return target


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    return copy_of_this_tree(tmp_path_factory.mktemp("mlgate") / "mlgate", home)


def run_build(scratch: Path, home: Path, tag: str, root: Path) -> JobRun:
    git(scratch, home, "tag", "-a", tag, "-m", f"mlgate {tag}")
    origin = root / "origin.git"
    if not origin.exists():
        git(root, home, "clone", "-q", "--bare", str(scratch), str(origin))
    git(scratch, home, "push", "-q", str(origin), tag)
    sha = git(scratch, home, "rev-parse", f"{tag}^{{commit}}")
    side = GitHubSide(origin=origin, home=home, repository="mlgate/mlgate",
                      api_url="http://127.0.0.1:9", token="unused")  # fmt: skip
    event = Event("push", sha, f"refs/tags/{tag}", {"ref": f"refs/tags/{tag}"})
    return WorkflowRun(side, RELEASE, event, root=root).run("build")["build"]


def test_the_build_job_makes_the_tags_sdist_and_wheel(
    scratch: Path, home: Path, tmp_path: Path
) -> None:
    job = run_build(scratch, home, "v9.8.7", tmp_path)
    assert job.result == "success", job.log()[-6000:]
    dist = tmp_path / "run-1-release" / "artifacts" / "dist"
    assert sorted(p.name for p in dist.iterdir()) == [
        "mlgate-9.8.7-py3-none-any.whl", "mlgate-9.8.7.tar.gz"
    ]  # fmt: skip
    with zipfile.ZipFile(dist / "mlgate-9.8.7-py3-none-any.whl") as wheel:
        metadata = wheel.read("mlgate-9.8.7.dist-info/METADATA").decode()
        assert "Version: 9.8.7\n" in metadata
        assert "Provides-Extra: serve" in metadata
        assert not wheel.getinfo("mlgate/template/hooks/cron.py").is_dir()
    assert (
        "mlgate-9.8.7-py3-none-any.whl"
        in job.step("Build and check (one sdist, one wheel, of the tag's version)").log
    )


def test_a_pre_release_tag_is_refused_before_anything_is_published(
    scratch: Path, home: Path, tmp_path: Path
) -> None:
    job = run_build(scratch, home, "v9.9.0rc1", tmp_path)
    assert job.failed_steps() == ["Build and check (one sdist, one wheel, of the tag's version)"]
    assert "the tag v9.9.0rc1 is not a release version (vX.Y.Z)" in job.log()
    assert job.step("Hand the distributions to the publish jobs").outcome == "skipped"


def check_dist(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "python"), "tools/check_dist.py", *args],
                          cwd=REPO_ROOT, capture_output=True, text=True)  # fmt: skip


def fake_dist(folder: Path, version: str) -> Path:
    """An sdist and a wheel that hold only their metadata (enough for the version checks)."""
    folder.mkdir()
    metadata = f"Metadata-Version: 2.4\nName: mlgate\nVersion: {version}\n"
    with zipfile.ZipFile(folder / f"mlgate-{version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"mlgate-{version}.dist-info/METADATA", metadata)
    info = folder / "PKG-INFO"
    info.write_text(metadata, encoding="utf-8")
    with tarfile.open(folder / f"mlgate-{version}.tar.gz", "w:gz") as sdist:
        sdist.add(info, f"mlgate-{version}/PKG-INFO")
    info.unlink()
    return folder


def test_check_dist_refuses_a_build_that_is_not_the_tags(tmp_path: Path) -> None:
    """A commit after the tag (or uncommitted changes) builds a dev version: never released."""
    dist = fake_dist(tmp_path / "dist", "0.2.1.dev3+gabc1234")
    refused = check_dist(str(dist), "--tag", "v0.2.0")
    assert refused.returncode == 1, refused.stderr
    assert "the build is version 0.2.1.dev3+gabc1234, not the tag's 0.2.0" in refused.stderr
    assert "the wheel lacks mlgate/template/cookiecutter.json" in refused.stderr


def test_check_dist_cannot_check_what_it_cannot_read(tmp_path: Path) -> None:
    assert check_dist(str(tmp_path / "missing")).returncode == 2
    (tmp_path / "mlgate-1.0.0.tar.gz").write_bytes(b"not a tar")
    (tmp_path / "mlgate-1.0.0-py3-none-any.whl").write_bytes(b"not a zip")
    unreadable = check_dist(str(tmp_path), "--tag", "v1.0.0")
    assert unreadable.returncode == 2, unreadable.stderr
    assert "could not check: cannot read the distributions" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr
