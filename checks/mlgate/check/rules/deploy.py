"""DEPLOY: manifests with probes, limits and non-root pods, deployed by digest through GitOps.

Manifests and kustomizations are found anywhere in the tree and read as kustomize builds them
(check/manifests.py): patch files are patches, and what a patch adds to a container counts.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from ..manifests import (
    Deployables,
    Manifest,
    chain,
    deployables,
    get,
    members,
    patched,
)
from ..model import Finding, Severity
from ..repo import Repo
from ..yaml_lines import line_of, problem_line
from .base import Rule

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
GITOPS_KINDS = {"Application", "ApplicationSet", "Kustomization", "HelmRelease", "GitRepository"}


class DEPLOY(Rule):
    family = "deploy"
    part = "deploy"


class DEPLOY101(DEPLOY):
    """Manifests and kustomizations parse, and every resource a kustomization lists exists."""

    fix = "Fix the YAML, or the path in the kustomization's `resources:` (kustomize build fails)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        return [
            Finding(problem, path, problem_line(problem) or 1)
            for path, problem in deployables(repo).problems
        ]


def _ports(container: dict[str, Any]) -> bool:
    return isinstance(container.get("ports"), list) and bool(container["ports"])


class DEPLOY102(DEPLOY):
    """Every container that serves a port has a readiness and a liveness probe."""

    requires = frozenset({"DEPLOY101"})
    fix = "Add `readinessProbe` (GET /ready) and `livenessProbe` (GET /health)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = deployables(repo)
        return [
            Finding(
                f"{m.kind} {m.name!r}: container {c.get('name')!r} serves a port without a {probe}",
                m.path,
                line_of(c),
            )
            for m, _, c in found.containers
            if _ports(c)
            for probe in ("readinessProbe", "livenessProbe")
            if not isinstance(c.get(probe), dict) and not patched(found, m, c, probe)
        ]


class DEPLOY103(DEPLOY):
    """Every container has CPU and memory limits."""

    requires = frozenset({"DEPLOY101"})
    fix = "Set `resources.limits.cpu` and `resources.limits.memory` (and requests)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = deployables(repo)
        return [
            Finding(
                f"{m.kind} {m.name!r}: container {c.get('name')!r} has no {kind} limit",
                m.path,
                line_of(c),
            )
            for m, _, c in found.containers
            for kind in ("cpu", "memory")
            if get(c, "resources", "limits", kind) in (None, "")
            and not patched(found, m, c, "resources", "limits", kind)
        ]


class DEPLOY104(DEPLOY):
    """Pods run as non-root (`runAsNonRoot: true`)."""

    requires = frozenset({"DEPLOY101"})
    fix = "Set `securityContext.runAsNonRoot: true` on the pod or the container."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = deployables(repo)
        return [
            Finding(
                f"{m.kind} {m.name!r}: container {c.get('name')!r} may run as root",
                m.path,
                line_of(c),
            )
            for m, pod, c in found.containers
            if get(c, "securityContext", "runAsNonRoot") is not True
            and get(pod, "securityContext", "runAsNonRoot") is not True
            and not patched(found, m, c, "securityContext", "runAsNonRoot")
        ]


class DEPLOY105(DEPLOY):
    """What is deployed names its images by digest, so a deploy is an exact build."""

    requires = frozenset({"DEPLOY101"})
    fix = "In the overlay's `images:`, set `digest: sha256:...` (the release rewrites it)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = deployables(repo)
        findings = []
        built = {m.path for k in found.kustomizations for m in members(found, k)}
        for leaf in found.leaves:
            if chain(found, leaf) & set(found.generated_patches):
                continue  # patches made at deploy time decide the images: not known here
            rewrites, patched_images = _image_rewrites(found, leaf), _patched_images(found, leaf)
            reported: set[str] = set()
            for manifest, _, container in containers_in(found, members(found, leaf)):
                key = (manifest.kind, manifest.name, str(container.get("name")))
                image = _rewrite(patched_images.get(key, str(container.get("image", ""))), rewrites)
                if _by_digest(image, found) or image in reported:
                    continue
                reported.add(image)
                findings.append(
                    Finding(
                        f"{leaf} deploys {image!r} without a digest (set `digest:` under "
                        "`images:`)",
                        leaf,
                        _images_line(found, leaf),
                    )
                )
        for manifest, _, container in found.containers:
            image = str(container.get("image", ""))
            if manifest.path not in built and not _by_digest(image, found):
                findings.append(
                    Finding(
                        f"{manifest.kind} {manifest.name!r} runs {image!r} without a digest",
                        manifest.path,
                        line_of(container),
                    )
                )
        return findings


def _by_digest(image: str, found: Deployables) -> bool:
    """Pinned, empty, or built and deployed by digest (skaffold's artifacts, ko's `ko://`)."""
    return (
        not image
        or bool(DIGEST.search(image))
        or image.startswith("ko://")
        or _name(image) in found.built_images
    )


def _patched_images(
    found: Deployables, kustomization: str, depth: int = 0
) -> dict[tuple[str, str, str], str]:
    """Container images that patches of the kustomization (and its bases) set."""
    images: dict[tuple[str, str, str], str] = {}
    if depth < 20:
        for base in found.bases.get(kustomization, []):
            images.update(_patched_images(found, base, depth + 1))
    for patch in found.patches_of.get(kustomization, []):
        spec = get(patch.document, "spec", "template", "spec")
        for container in spec.get("containers", []) if isinstance(spec, dict) else []:
            if isinstance(container, dict) and isinstance(container.get("image"), str):
                images[(patch.kind, patch.name, str(container.get("name")))] = container["image"]
    return images


def _image_rewrites(found: Deployables, kustomization: str, depth: int = 0) -> dict[str, dict]:
    """kustomize's `images:` of the kustomization and its bases (the nearest wins)."""
    rewrites: dict[str, dict] = {}
    if depth < 20:
        for base in found.bases.get(kustomization, []):
            rewrites.update(_image_rewrites(found, base, depth + 1))
    data = found.kustomizations.get(kustomization, {})
    for entry in data.get("images") if isinstance(data.get("images"), list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            rewrites[entry["name"]] = entry
    return rewrites


def _rewrite(image: str, rewrites: dict[str, dict]) -> str:
    """The image after kustomize's `images:` transformer (newName, newTag, digest)."""
    entry = rewrites.get(_name(image))
    if not image or entry is None:
        return image
    name = str(entry.get("newName") or _name(image))
    if entry.get("digest"):
        return f"{name}@{entry['digest']}"
    tag = entry.get("newTag")
    if tag is not None:
        return f"{name}:{tag}"
    rest = image[len(_name(image)) :]
    return name + rest


def containers_in(
    found: Deployables, members: list[Manifest]
) -> list[tuple[Manifest, dict[str, Any], dict[str, Any]]]:
    paths = {id(m.document) for m in members}
    return [entry for entry in found.containers if id(entry[0].document) in paths]


def _name(image: str) -> str:
    """`ghcr.io/o/p:1.0` -> `ghcr.io/o/p` (kustomize's images: match on the name)."""
    without_digest = image.split("@", 1)[0]
    head, _, tail = without_digest.rpartition("/")
    return f"{head}/{tail.split(':', 1)[0]}" if head else tail.split(":", 1)[0]


def _images_line(found: Deployables, kustomization: str) -> int | None:
    return line_of(found.kustomizations.get(kustomization), "images") or 1


class DEPLOY106(DEPLOY):
    """A GitOps controller (an Argo CD Application, a Flux Kustomization) syncs what is deployed."""

    requires = frozenset({"DEPLOY101"})
    severity = Severity.WARNING
    fix = (
        "Add an Argo CD Application whose `spec.source.path` is the overlay "
        "(deploy/argocd/application.yaml in the template). If it lives in another repository, "
        "say so in mlgate.yaml: `check.ignore: [{rule: DEPLOY106, reason: ...}]`."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        found = deployables(repo)
        synced = {
            str(path).strip("/").removeprefix("./")
            for m in found.manifests
            if m.kind in GITOPS_KINDS
            for path in _source_paths(m.document)
        }
        targets = {posixpath.dirname(k): k for k in found.leaves}
        if not targets:
            targets = {posixpath.dirname(m.path): m.path for m in found.workloads()}
        if any(t == p or t.startswith(p + "/") for t in targets for p in synced if p):
            return []
        if found.chart_kinds & {"Application", "ApplicationSet"}:
            return []  # an app-of-apps Helm chart makes the Applications (paths templated)
        if not targets:
            return []
        shown = ", ".join(sorted(t or "." for t in targets)[:3])
        more = f" and {len(targets) - 3} more" if len(targets) > 3 else ""
        first = sorted(targets.values())[0]
        return [
            Finding(
                f"no Argo CD Application or Flux Kustomization here syncs what is deployed "
                f"({shown}{more})",
                first,
                1,
            )
        ]


def _source_paths(document: dict[str, Any]) -> list[str]:
    spec = document.get("spec") if isinstance(document.get("spec"), dict) else {}
    sources = [spec.get("source")] + (
        spec.get("sources") if isinstance(spec.get("sources"), list) else []
    )
    template = get(spec, "template", "spec", "source")
    paths = [get(s, "path") for s in [*sources, template] if isinstance(s, dict)]
    if isinstance(spec.get("path"), str):  # Flux Kustomization
        paths.append(spec["path"])
    return [p for p in paths if isinstance(p, str)]
