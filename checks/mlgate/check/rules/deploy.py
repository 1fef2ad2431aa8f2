"""DEPLOY: kustomize manifests the release updates by digest, with probes, limits, non-root."""

from __future__ import annotations

import os
import re
from typing import Any

from ..model import Finding
from ..repo import Repo
from ..yaml_lines import line_of
from .base import Rule

OVERLAY = "deploy/overlays/production/kustomization.yaml"
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet"}
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
MAX_FILES = 500


class DEPLOY(Rule):
    family = "deploy"


def manifest_files(repo: Repo) -> list[str]:
    found: list[str] = []
    for folder, dirs, files in os.walk(repo.root / "deploy", followlinks=False):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".yml", ".yaml")):
                found.append(os.path.relpath(os.path.join(folder, name), repo.root))
            if len(found) >= MAX_FILES:
                return found
    return found


def documents(repo: Repo) -> list[tuple[str, dict[str, Any]]]:
    result = []
    for path in manifest_files(repo):
        parsed = repo.yaml_documents(path)
        if parsed.ok:
            result += [(path, doc) for doc in parsed.data if isinstance(doc, dict)]
    return result


def containers(repo: Repo) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(path, pod spec, container) for every workload container."""
    found = []
    for path, doc in documents(repo):
        if doc.get("kind") not in WORKLOADS:
            continue
        spec = _get(doc, "spec", "template", "spec")
        items = spec.get("containers") if isinstance(spec, dict) else None
        for container in items if isinstance(items, list) else []:
            if isinstance(container, dict):
                found.append((path, spec, container))
    return found


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


class DEPLOY101(DEPLOY):
    """deploy/ holds a kustomize base and a production overlay built on it."""

    fix = "Add deploy/base/kustomization.yaml and deploy/overlays/production/kustomization.yaml."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        if not repo.is_dir("deploy"):
            return [Finding("no deploy/ directory", "deploy")]
        findings = []
        for path in ("deploy/base/kustomization.yaml", OVERLAY):
            parsed = repo.yaml(path)
            if not parsed.ok or not isinstance(parsed.data, dict):
                findings.append(Finding(f"{path} {parsed.problem or 'is not a mapping'}", path))
        unreadable = [p for p in manifest_files(repo) if not repo.yaml_documents(p).ok]
        findings += [Finding(f"{p} {repo.yaml_documents(p).problem}", p) for p in unreadable]
        if not any(doc.get("kind") in WORKLOADS for _, doc in documents(repo)):
            findings.append(Finding("no Deployment in deploy/", "deploy"))
        return findings


class DEPLOY102(DEPLOY):
    """Every container has a readiness and a liveness probe."""

    requires = frozenset({"DEPLOY101"})
    fix = "Add `readinessProbe` (GET /ready) and `livenessProbe` (GET /health)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding(f"container {c.get('name')!r} has no {probe}", path, line_of(c))
            for path, _, c in containers(repo)
            for probe in ("readinessProbe", "livenessProbe")
            if not isinstance(c.get(probe), dict)
        ]


class DEPLOY103(DEPLOY):
    """Every container has CPU and memory limits."""

    requires = frozenset({"DEPLOY101"})
    fix = "Set `resources.limits.cpu` and `resources.limits.memory` (and requests)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding(f"container {c.get('name')!r} has no {kind} limit", path, line_of(c))
            for path, _, c in containers(repo)
            for kind in ("cpu", "memory")
            if _get(c, "resources", "limits", kind) in (None, "")
        ]


class DEPLOY104(DEPLOY):
    """Pods run as non-root (`runAsNonRoot: true`)."""

    requires = frozenset({"DEPLOY101"})
    fix = "Set `securityContext.runAsNonRoot: true` on the pod or the container."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding(f"container {c.get('name')!r} may run as root", path, line_of(c))
            for path, pod, c in containers(repo)
            if _get(c, "securityContext", "runAsNonRoot") is not True
            and _get(pod, "securityContext", "runAsNonRoot") is not True
        ]


class DEPLOY105(DEPLOY):
    """The production overlay sets the image by digest, so a deploy is an exact build."""

    requires = frozenset({"DEPLOY101"})
    fix = "In the overlay's `images:`, set `digest: sha256:...` (the release rewrites it)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        data = repo.yaml(OVERLAY).data
        images = data.get("images") if isinstance(data, dict) else None
        if not isinstance(images, list) or not images:
            return [Finding("the overlay sets no image (`images:`)", OVERLAY)]
        return [
            Finding(
                f"image {image.get('name')!r} is set by tag, not by digest", OVERLAY, line_of(image)
            )
            for image in images
            if isinstance(image, dict) and not DIGEST.match(str(image.get("digest", "")))
        ]


class DEPLOY106(DEPLOY):
    """An Argo CD Application syncs the production overlay from git."""

    requires = frozenset({"DEPLOY101"})
    fix = "Add deploy/argocd/application.yaml with `spec.source.path: deploy/overlays/production`."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        apps = [doc for _, doc in documents(repo) if doc.get("kind") == "Application"]
        paths = {str(_get(app, "spec", "source", "path") or "").strip("/") for app in apps}
        if "deploy/overlays/production" not in paths:
            return [
                Finding("no Argo CD Application points at deploy/overlays/production", "deploy")
            ]
        return []
