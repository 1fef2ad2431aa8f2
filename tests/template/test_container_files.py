"""The container, deploy and repository-policy files of every render.

The Dockerfile is hadolint-clean, runs as a numeric non-root user, checks its own health
and starts the service; the kustomize manifests run it with probes, limits and a locked-down
security context, pinned by digest; CODEOWNERS and Dependabot cover what they must.
Tools run once per distinct file text, not once per render.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rendering import (
    COMBINATIONS,
    DEPLOY_FILES,
    combination_id,
    distinct_renders,
    module_of,
    normalised,
    render,
)
from support import VENV_BIN, tool_env

DEFAULT_OWNER = "your-github-user"
UID = 10001
PORT = 8000
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
DIGEST_LINE = re.compile(r"(?m)^(\s*digest: )sha256:[0-9a-f]{64}$")
ARTEFACTS = [
    "models/model.joblib",
    "models/schema.json",
    "models/reference_profile.json",
    "reports/metrics.json",
]


def by_deploy(rendered: dict[str, Path], deploy: str) -> list[tuple[dict[str, str], Path]]:
    return [(a, rendered[combination_id(a)]) for a in COMBINATIONS if a["deploy"] == deploy]


def distinct(paths: Iterable[Path]) -> dict[str, Path]:
    """One path per distinct file content, keyed by its SHA-256."""
    found: dict[str, Path] = {}
    for path in paths:
        found.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    return found


# --- Dockerfile ---------------------------------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction; continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        result.append((keyword.upper(), " ".join(args.split())))
        pending = ""
    assert not pending, "the last instruction ends in a line continuation"
    return result


def final_stage(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (keyword, _) in enumerate(items) if keyword == "FROM"]
    return items[starts[-1] :]


def test_dockerfile_varies_only_by_python_version_and_names(rendered: dict[str, Path]) -> None:
    variants: dict[str, set[str]] = {}
    for answers in COMBINATIONS:
        text = normalised(rendered[combination_id(answers)], ["Dockerfile"])
        variants.setdefault(answers["python_version"], set()).add(text)
    assert all(len(texts) == 1 for texts in variants.values()), "other answers change it"
    assert len({next(iter(t)) for t in variants.values()}) == len(variants)


def test_dockerfiles_are_hadolint_clean(rendered: dict[str, Path], home: Path) -> None:
    """hadolint on one render per distinct Dockerfile; the names (slug, module) are the only
    other difference between renders (test above), and every name fits the same pattern."""
    hadolint = VENV_BIN / "hadolint"
    assert hadolint.is_file(), "hadolint is not installed: the Dockerfiles cannot be linted"
    # A private HOME and working directory: no hadolint config of the machine applies.
    env = {k: v for k, v in tool_env(home).items() if not k.startswith("HADOLINT_")}
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    projects = distinct_renders(rendered.values(), ["Dockerfile"])
    assert len(projects) == len({a["python_version"] for a in COMBINATIONS})
    for project in projects:
        run = subprocess.run([str(hadolint), "--format", "json", "Dockerfile"],
                             capture_output=True, text=True, cwd=project, env=env)  # fmt: skip
        assert run.stdout.strip(), f"hadolint printed nothing: {run.stderr[-2000:]}"
        findings = json.loads(run.stdout)
        assert findings == [], f"{project.name}: {json.dumps(findings, indent=1)}"
        assert run.returncode == 0, run.stderr[-2000:]


@pytest.mark.parametrize("python", sorted({a["python_version"] for a in COMBINATIONS}))
def test_dockerfile_facts(python: str, rendered: dict[str, Path]) -> None:
    for answers in (a for a in COMBINATIONS if a["python_version"] == python):
        project = rendered[combination_id(answers)]
        items = instructions((project / "Dockerfile").read_text(encoding="utf-8"))
        check_dockerfile(items, python, module_of(project))


def test_each_python_version_pins_its_own_two_base_images(rendered: dict[str, Path]) -> None:
    pins: dict[str, set[str]] = {}
    for answers in COMBINATIONS:
        text = (rendered[combination_id(answers)] / "Dockerfile").read_text(encoding="utf-8")
        images = [a.split()[0] for k, a in instructions(text) if k == "FROM" and "@" in a]
        pins.setdefault(answers["python_version"], set()).update(images)
    assert all(len(images) == 2 for images in pins.values()), pins
    digests = [image.partition("@")[2] for images in pins.values() for image in images]
    assert len(set(digests)) == len(digests), "a digest pinned for two images"


def check_dockerfile(items: list[tuple[str, str]], python: str, module: str) -> None:
    froms = [args.split() for keyword, args in items if keyword == "FROM"]
    assert len(froms) >= 2, "multi-stage: a builder and a runtime stage"
    stages = {words[2].lower() for words in froms if len(words) >= 3 and words[1].lower() == "as"}
    for words in froms:
        image, _, digest = words[0].partition("@")
        if image.lower() in stages:
            continue
        name, _, tag = image.partition(":")
        assert name == "python" and tag and tag != "latest", f"{image} is not pinned to a tag"
        assert tag.startswith(f"{python}-") and tag.endswith("-bookworm"), image
        assert DIGEST.match(digest), f"{image} is not pinned by digest"
    assert froms[-1][0].startswith(f"python:{python}-slim-bookworm@"), "the runtime is slim"

    runtime = final_stage(items)
    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users, "the runtime stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) == UID, f"the last USER is {users[-1]!r}"
    assert [k for k, _ in runtime][-1] == "CMD"

    checks = [args for keyword, args in runtime if keyword == "HEALTHCHECK"]
    assert checks and not checks[-1].upper().startswith("NONE"), "no HEALTHCHECK"
    assert f"127.0.0.1:{PORT}/health" in checks[-1] and "urllib.request" in checks[-1]
    assert not re.search(r"\b(curl|wget)\b", checks[-1]), "slim images have no curl"

    commands = [args for keyword, args in runtime if keyword == "CMD"]
    assert json.loads(commands[-1]) == ["python", "-m", f"{module}.serve"]
    assert ("EXPOSE", str(PORT)) in runtime
    env = " ".join(args for keyword, args in runtime if keyword == "ENV").split()
    assert {"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"} <= set(env)
    copied = " ".join(args for keyword, args in runtime if keyword == "COPY").split()
    assert all(artefact in copied for artefact in ARTEFACTS), copied
    assert all(args.startswith("/") for keyword, args in items if keyword == "WORKDIR")
    runs = " ".join(args for keyword, args in items if keyword == "RUN")
    assert "apt-get" not in runs, "no apt: nothing to pin or clean up"
    # the service's set as the lock pins it: no pipeline or dev group in the image
    assert "uv sync --locked --no-default-groups --no-editable" in runs
    copied_into_builder = " ".join(args for keyword, args in items if keyword == "COPY").split()
    assert "uv.lock" in copied_into_builder


# --- .dockerignore ------------------------------------------------------------------------


def ignored(patterns: list[str], path: str) -> bool:
    """Docker's rule, simplified: the last matching pattern wins, `!` re-includes, and a
    pattern that matches a directory covers everything under it."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.removeprefix("!").strip("/")
        names = [pattern]
        if pattern.startswith("**/"):
            names.append(pattern[3:])  # `**/x` also matches x at the root
        if any(fnmatch.fnmatchcase(p, n) for p in prefixes for n in names):
            result = not negate
    return result


def dockerignore_patterns(project: Path) -> list[str]:
    lines = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerignore(rendered: dict[str, Path]) -> None:
    files = distinct(p / ".dockerignore" for p in rendered.values())
    assert len(files) == 1, "the same .dockerignore for every answer"
    project = next(iter(files.values())).parent
    patterns = dockerignore_patterns(project)
    for path in [".git/config", ".venv/bin/python", ".dvc/cache/files/md5/ab/cd",
                 "data/raw/data.csv", "logs/requests.jsonl", "tests/test_data.py",
                 "src/pkg/__pycache__/data.cpython-311.pyc", ".ruff_cache/x", ".env"]:  # fmt: skip
        assert ignored(patterns, path), f"{path} would be sent to the build"
    module = module_of(project)
    for path in ["pyproject.toml", "uv.lock", "README.md", "LICENSE", f"src/{module}/__init__.py",
                 *ARTEFACTS]:  # fmt: skip
        assert not ignored(patterns, path), f"{path} is needed by the Dockerfile but ignored"


def test_ignore_matcher_follows_docker() -> None:
    assert ignored(["data/"], "data/raw/x.csv")
    assert ignored(["**/__pycache__"], "__pycache__/a.pyc")
    assert not ignored(["reports/*", "!reports/metrics.json"], "reports/metrics.json")
    assert ignored(["reports/*", "!reports/metrics.json"], "reports/plots/roc.csv")
    assert not ignored([".git"], ".github/CODEOWNERS")


# --- deploy/ ------------------------------------------------------------------------------


def load_all(path: Path) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    assert docs and all(isinstance(d, dict) for d in docs), path
    return docs


def one(path: Path, kind: str) -> dict[str, Any]:
    docs = [d for d in load_all(path) if d.get("kind") == kind]
    assert len(docs) == 1, f"{path.name}: expected one {kind}"
    return docs[0]


def check_deploy(project: Path, owner: str) -> None:
    slug, deploy = project.name, project / "deploy"
    image = f"ghcr.io/{owner.lower()}/{slug}"
    for name in DEPLOY_FILES:
        load_all(project / name)

    base = one(deploy / "base" / "kustomization.yaml", "Kustomization")
    assert sorted(base["resources"]) == ["deployment.yaml", "service.yaml"]

    deployment = one(deploy / "base" / "deployment.yaml", "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == UID
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    assert container["name"] == slug
    assert container["image"] == image, "the base names the image; the overlay pins it"
    assert [p["containerPort"] for p in container["ports"]] == [PORT]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
        get = container[probe]["httpGet"]
        assert get["path"] == path and ports.get(get["port"], get["port"]) == PORT, probe
    for kind in ("requests", "limits"):
        assert set(container["resources"][kind]) == {"cpu", "memory"}, kind
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == UID
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]], "a writable /tmp on a read-only root"

    service = one(deploy / "base" / "service.yaml", "Service")
    assert service["spec"]["selector"].items() <= labels.items()
    assert [p["targetPort"] for p in service["spec"]["ports"]] in (["http"], [PORT])

    overlay_path = deploy / "overlays" / "production" / "kustomization.yaml"
    overlay = one(overlay_path, "Kustomization")
    assert "../../base" in overlay["resources"]
    (pinned,) = overlay["images"]
    assert pinned["name"] == image and pinned["newName"] == image
    assert DIGEST.match(pinned["digest"]), pinned["digest"]
    assert "newTag" not in pinned, "by digest only"
    overlay_text = overlay_path.read_text(encoding="utf-8")
    assert "release workflow rewrites" in overlay_text
    assert len(DIGEST_LINE.findall(overlay_text)) == 1, "one digest line a script can rewrite"

    app = one(deploy / "argocd" / "application.yaml", "Application")
    assert app["apiVersion"] == "argoproj.io/v1alpha1"
    source = app["spec"]["source"]
    assert source["repoURL"] == f"https://github.com/{owner}/{slug}.git"
    assert source["path"] == "deploy/overlays/production"
    assert source["targetRevision"] == "main"
    assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert app["spec"]["destination"]["namespace"] == overlay["namespace"]


def test_deploy_manifests(rendered: dict[str, Path]) -> None:
    """Every kubernetes-gitops render has the same manifests but for the slug; one is checked
    in full (the slug's uses are checked there too)."""
    with_deploy = {combination_id(a): p for a, p in by_deploy(rendered, "kubernetes-gitops")}
    assert with_deploy
    projects = distinct_renders(with_deploy.values(), DEPLOY_FILES)
    assert len(projects) == 1, "the manifests depend on no answer but the names"
    check_deploy(projects[0], DEFAULT_OWNER)


def test_no_deploy_directory_without_kubernetes(rendered: dict[str, Path]) -> None:
    projects = by_deploy(rendered, "none")
    assert projects
    assert not [p.name for _, p in projects if (p / "deploy").exists()]


@pytest.fixture(scope="module")
def mixed_case_owner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One render whose GitHub owner has capitals (image names must be lower case)."""
    output = tmp_path_factory.mktemp("owner")
    return render(output, project_name="Owner Case", github_owner="My-Org")


def test_image_name_is_lower_case(mixed_case_owner: Path) -> None:
    check_deploy(mixed_case_owner, "My-Org")
    codeowners = (mixed_case_owner / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    assert codeowners_rules(codeowners)[0] == ("*", ["@My-Org"]), "GitHub names keep their case"


def test_release_can_rewrite_the_digest(mixed_case_owner: Path) -> None:
    """What the release workflow does: replace the one digest line, nothing else."""
    path = mixed_case_owner / "deploy" / "overlays" / "production" / "kustomization.yaml"
    before = path.read_text(encoding="utf-8")
    new = "sha256:" + "ab" * 32
    after, count = DIGEST_LINE.subn(lambda m: m.group(1) + new, before)
    assert count == 1
    changed = [
        (old, line)
        for old, line in zip(before.splitlines(), after.splitlines(), strict=True)
        if old != line
    ]
    assert len(changed) == 1
    assert yaml.safe_load(after)["images"][0]["digest"] == new


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) not found")
def test_overlay_builds_with_kustomize(mixed_case_owner: Path, home: Path) -> None:
    overlay = mixed_case_owner / "deploy" / "overlays" / "production"
    run = subprocess.run(["kubectl", "kustomize", str(overlay)], capture_output=True,
                         text=True, env=tool_env(home))  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    docs = {d["kind"]: d for d in yaml.safe_load_all(run.stdout)}
    assert set(docs) == {"Deployment", "Service", "ServiceMonitor", "PrometheusRule"}
    slug = mixed_case_owner.name
    assert {d["metadata"]["namespace"] for d in docs.values()} == {slug}
    (container,) = docs["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"ghcr.io/my-org/{slug}@sha256:" + "0" * 64


# --- .github/CODEOWNERS, dependabot, pre-commit -------------------------------------------


def codeowners_rules(text: str) -> list[tuple[str, list[str]]]:
    rules = []
    for line in text.splitlines():
        words = line.split("#")[0].split()
        if words:
            rules.append((words[0], words[1:]))
    return rules


def owns(pattern: str, path: str) -> bool:
    """gitignore-style: `/x` is anchored, `x/` a directory, a bare name matches at any depth."""
    core = pattern.strip("/")
    if core in ("*", "**"):
        return True
    anchored = pattern.startswith("/") or "/" in core
    parts = path.split("/")
    starts = [0] if anchored else range(len(parts))
    for start in starts:
        rest = parts[start:]
        for end in range(1, len(rest) + 1):
            candidate = "/".join(rest[:end])
            is_dir = end < len(rest)
            if fnmatch.fnmatchcase(candidate, core) and (is_dir or not pattern.endswith("/")):
                return True
    return False


def owners_of(rules: list[tuple[str, list[str]]], path: str) -> list[str]:
    """GitHub's rule: the last matching pattern decides."""
    result: list[str] = []
    for pattern, owners in rules:
        if owns(pattern, path):
            result = owners
    return result


def test_codeowners_matcher() -> None:
    assert owns("/.github/", ".github/workflows/ci.yml")
    assert not owns("/.github/", ".github")
    assert owns("mlgate.yaml", "sub/mlgate.yaml")
    assert not owns("/mlgate.yaml", "sub/mlgate.yaml")
    assert owners_of([("*", ["@a"]), ("/deploy/", ["@b"])], "deploy/base/x.yaml") == ["@b"]
    assert owners_of([("/deploy/", ["@b"])], "src/x.py") == []


def test_codeowners(rendered: dict[str, Path]) -> None:
    files = distinct(p / ".github" / "CODEOWNERS" for p in rendered.values())
    assert len(files) == 1, "CODEOWNERS does not depend on the answers"
    rules = codeowners_rules(next(iter(files.values())).read_text(encoding="utf-8"))
    owner = [f"@{DEFAULT_OWNER}"]
    assert rules[0] == ("*", owner), "a default owner first"
    explicit = {pattern.strip("/") for pattern, _ in rules[1:]}
    assert {"mlgate.yaml", ".github", "deploy", "dvc.yaml", "params.yaml", "gx"} <= explicit
    for path in ["mlgate.yaml", ".github/workflows/ci.yml", ".github/CODEOWNERS",
                 "deploy/overlays/production/kustomization.yaml", "dvc.yaml", "params.yaml",
                 "gx/expectations/raw_data.json", "Dockerfile", "src/pkg/train.py"]:  # fmt: skip
        assert owners_of(rules, path) == owner, path


def test_dependabot(rendered: dict[str, Path]) -> None:
    files = distinct(p / ".github" / "dependabot.yml" for p in rendered.values())
    assert len(files) == 1
    config = yaml.safe_load(next(iter(files.values())).read_text(encoding="utf-8"))
    assert config["version"] == 2
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"uv", "github-actions", "docker"}  # uv: uv.lock
    for ecosystem, update in updates.items():
        assert update["directory"] == "/", ecosystem
        assert update["schedule"]["interval"] == "weekly", ecosystem
        assert update["cooldown"]["default-days"] >= 1, f"{ecosystem}: zizmor dependabot-cooldown"
        groups = list(update["groups"].values())
        assert any(set(g.get("update-types", [])) == {"minor", "patch"} for g in groups)


def test_pre_commit_config(rendered: dict[str, Path]) -> None:
    files = distinct(p / ".pre-commit-config.yaml" for p in rendered.values())
    assert len(files) == 1
    config = yaml.safe_load(next(iter(files.values())).read_text(encoding="utf-8"))
    hooks = {}
    for repo in config["repos"]:
        assert repo["repo"].startswith("https://github.com/"), repo["repo"]
        assert re.fullmatch(r"v\d+(\.\d+)+", repo["rev"]), f"{repo['repo']}: pin a tag"
        hooks |= {hook["id"]: repo["repo"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "zizmor", "hadolint"} <= set(hooks)
