"""Kubernetes manifests and kustomizations, wherever they live, read as kustomize reads them.

A kustomization's `resources` (files, and folders holding a kustomization) are manifests; its
`patches`, `patchesStrategicMerge` and `patchesJson6902` files are patches, not manifests, and
what they add to a container (a probe, limits) counts for that container; generator inputs are
neither. YAML files elsewhere count when they hold `apiVersion` and `kind`. Helm charts are not
rendered (their templates are not YAML): the chart folder is reported and left alone.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from . import yaml_lines
from .repo import Repo, is_fixture

KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"}
NOT_MANIFESTS = {".github", ".gitlab", ".circleci"}
KUSTOMIZE_KINDS = {"Kustomization", "Component"}
# Only files that may hold a kind the rules read are parsed with line numbers (CRDs and other
# large manifests of kinds no rule reads are left alone: parsing them dominated the run time).
INTERESTING = re.compile(
    r"^\s*kind:\s*[\"']?(Deployment|StatefulSet|DaemonSet|ReplicaSet|Pod|List|Application|"
    r"ApplicationSet|Kustomization|HelmRelease|GitRepository)\b",
    re.MULTILINE,
)
REMOTE = re.compile(r"^(https?://|git@|github\.com/|ssh://|[\w.-]+\.[a-z]{2,}/)")


@dataclass(frozen=True)
class Manifest:
    path: str
    document: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.document.get("kind", ""))

    @property
    def name(self) -> str:
        metadata = self.document.get("metadata")
        return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""


@dataclass
class Deployables:
    kustomizations: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> content
    manifests: list[Manifest] = field(default_factory=list)
    patches: list[Manifest] = field(default_factory=list)  # strategic-merge patch documents
    json_patches: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (path, op)
    patch_files: set[str] = field(default_factory=set)
    charts: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, what is wrong)
    bases: dict[str, list[str]] = field(default_factory=dict)  # kustomization -> its bases

    @property
    def leaves(self) -> list[str]:
        """Kustomizations no other kustomization builds on: what gets deployed (a Component
        is only ever part of another build)."""
        used = {base for bases in self.bases.values() for base in bases}
        return [
            path
            for path, data in self.kustomizations.items()
            if path not in used and data.get("kind") != "Component"
        ]

    def workloads(self) -> list[Manifest]:
        return [m for m in self.manifests if m.kind in WORKLOADS]


def deployables(repo: Repo) -> Deployables:
    cached = getattr(repo, "_deployables", None)
    if cached is None:
        cached = _read(repo)
        repo._deployables = cached  # type: ignore[attr-defined]
    return cached


def _read(repo: Repo) -> Deployables:
    found = Deployables()
    files = set(repo.files)
    found.charts = sorted(
        posixpath.dirname(path) for path in files if posixpath.basename(path) == "Chart.yaml"
    )
    in_chart = tuple(
        f"{chart}/{part}/".lstrip("/") for chart in found.charts for part in ("templates", "charts")
    )
    resource_files: set[str] = set()
    generator_files: set[str] = set()
    for path in sorted(files):
        if posixpath.basename(path) not in KUSTOMIZATIONS or _under(path, in_chart):
            continue
        if is_fixture(path):
            continue
        parsed = repo.yaml(path)
        if not parsed.ok or not isinstance(parsed.data, dict):
            found.problems.append((path, parsed.problem or "is not a mapping"))
            continue
        found.kustomizations[path] = parsed.data
        _entries(repo, found, path, parsed.data, files, resource_files, generator_files)
    skip = set(found.kustomizations) | found.patch_files | generator_files
    for path in sorted(files):
        if path in skip or not path.endswith((".yaml", ".yml")) or _under(path, in_chart):
            continue
        if is_fixture(path) or path.endswith((".template.yaml", ".template.yml")):
            continue
        if path.split("/", 1)[0] in NOT_MANIFESTS:
            continue
        listed = path in resource_files
        text = repo.read(path).text
        if text is None or (not listed and not ("apiVersion" in text and "kind" in text)):
            continue
        if "{{" in text and not listed:
            continue  # a template (Helm outside a chart folder, Jinja, cookiecutter)
        if not INTERESTING.search(text):
            if listed and (problem := _quick_problem(text)):
                found.problems.append((path, problem))
            continue
        documents, problem = _interesting_documents(text, validate=listed)
        if problem and listed:  # kustomize would fail on it; other YAML is not ours to judge
            found.problems.append((path, problem))
        for document in documents:
            items = document.get("items") if _is_manifest(document, "List") else [document]
            found.manifests += [Manifest(path, d) for d in _list(items) if _is_manifest(d)]
    return found


def _interesting_documents(text: str, *, validate: bool) -> tuple[list[Any], str]:
    """The documents of a multi-document file that hold a kind the rules read, with their
    line numbers; the others are only checked to be YAML (`validate`: a kustomization lists
    the file, so kustomize would fail on it)."""
    import yaml

    documents, start, lines = [], 0, text.split("\n")
    chunks: list[tuple[int, str]] = []
    for index, line in enumerate([*lines, "---"]):
        if line.rstrip() == "---" or line.startswith("--- "):
            chunks.append((start, "\n".join(lines[start:index])))
            start = index + 1
    for first, chunk in chunks:
        if not INTERESTING.search(chunk):
            problem = _quick_problem(chunk) if validate else ""
            if problem:
                return documents, problem
            continue
        try:
            document = yaml_lines.load("\n" * first + chunk)
        except yaml.YAMLError as exc:
            return documents, f"is not valid YAML: {yaml_lines.problem(exc)}"
        except RecursionError:
            return documents, "is nested too deeply to read"
        if document is not None:
            documents.append(document)
    return documents, ""


def _quick_problem(text: str) -> str:
    """Is this YAML? (C loader, no line numbers: for files no rule reads further)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for _ in yaml.parse(text, Loader=loader):  # events only: nothing is constructed
            pass
    except yaml.YAMLError as exc:
        return f"is not valid YAML: {yaml_lines.problem(exc)}"
    return ""


def _entries(
    repo: Repo,
    found: Deployables,
    path: str,
    data: dict[str, Any],
    files: set[str],
    resource_files: set[str],
    generator_files: set[str],
) -> None:
    folder = posixpath.dirname(path)
    bases: list[str] = []
    for key in ("resources", "bases", "components"):
        for entry in _list(data.get(key)):
            if not isinstance(entry, str) or REMOTE.match(entry):
                continue
            target = posixpath.normpath(posixpath.join(folder, entry))
            nested = [f"{target}/{name}" for name in KUSTOMIZATIONS if f"{target}/{name}" in files]
            if nested:
                bases.append(nested[0])
            elif target in files:
                resource_files.add(target)
            elif f"{folder}/Chart.yaml".lstrip("/") not in files:  # kustomized Helm: generated
                found.problems.append((path, f"lists {key} {entry!r}, which does not exist"))
    found.bases[path] = bases
    for entry in _list(data.get("patchesStrategicMerge")):
        _patch_file(repo, found, folder, entry, strategic=True)
    for entry in _list(data.get("patches")):
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            _patch_file(repo, found, folder, entry["path"], strategic=None)
        elif isinstance(entry, dict) and isinstance(entry.get("patch"), str):
            _inline_patch(found, path, entry["patch"])
    for entry in _list(data.get("patchesJson6902")):
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            _patch_file(repo, found, folder, entry["path"], strategic=False)
    for key in ("configMapGenerator", "secretGenerator"):
        for generator in _list(data.get(key)):
            if isinstance(generator, dict):
                for entry in [*_list(generator.get("files")), *_list(generator.get("envs"))]:
                    name = str(entry).split("=", 1)[-1]
                    generator_files.add(posixpath.normpath(posixpath.join(folder, name)))


def _patch_file(
    repo: Repo, found: Deployables, folder: str, entry: Any, *, strategic: bool | None
) -> None:
    if not isinstance(entry, str):
        return
    if "\n" in entry:  # an inline patch in patchesStrategicMerge
        _inline_patch(found, folder, entry)
        return
    path = posixpath.normpath(posixpath.join(folder, entry))
    found.patch_files.add(path)
    parsed = repo.yaml_documents(path)
    if not parsed.ok:
        return
    for document in parsed.data:
        if isinstance(document, dict) and strategic is not False:
            found.patches.append(Manifest(path, document))
        elif isinstance(document, list):
            found.json_patches += [(path, op) for op in document if isinstance(op, dict)]


def _inline_patch(found: Deployables, path: str, text: str) -> None:
    import yaml

    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return
    for document in documents:
        if isinstance(document, dict):
            found.patches.append(Manifest(path, document))
        elif isinstance(document, list):
            found.json_patches += [(path, op) for op in document if isinstance(op, dict)]


def _is_manifest(document: Any, kind: str | None = None) -> bool:
    """A Kubernetes object (`kind` given: of that kind); kustomize's own files are not."""
    if not isinstance(document, dict) or not isinstance(document.get("apiVersion"), str):
        return False
    found = document.get("kind")
    if kind is not None:
        return found == kind
    kustomize = str(document["apiVersion"]).startswith("kustomize.config.k8s.io")
    return (
        isinstance(found, str) and found != "List" and not (kustomize and found in KUSTOMIZE_KINDS)
    )


def _under(path: str, folders: tuple[str, ...]) -> bool:
    return path.startswith(folders) if folders else False


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def get(node: Any, *keys: str) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def pod_spec(manifest: Manifest) -> dict[str, Any] | None:
    document = manifest.document
    spec = (
        document.get("spec")
        if manifest.kind == "Pod"
        else get(document, "spec", "template", "spec")
    )
    return spec if isinstance(spec, dict) else None


def containers(deploy: Deployables) -> list[tuple[Manifest, dict[str, Any], dict[str, Any]]]:
    """(manifest, pod spec, container) for every workload container (init containers aside)."""
    found = []
    for manifest in deploy.workloads():
        spec = pod_spec(manifest)
        for container in _list(spec.get("containers") if spec else None):
            if isinstance(container, dict):
                found.append((manifest, spec, container))
    return found


def patched(deploy: Deployables, manifest: Manifest, container: dict[str, Any], *keys: str) -> bool:
    """Does a patch give this container (or its pod, for a pod-level key) the field?"""
    for patch in deploy.patches:
        if patch.kind != manifest.kind or patch.name != manifest.name:
            continue
        spec = pod_spec(patch)
        if spec is None:
            continue
        if keys and get(spec, *keys) is not None:
            return True
        for candidate in _list(spec.get("containers")):
            same = isinstance(candidate, dict) and candidate.get("name") == container.get("name")
            if same and get(candidate, *keys) is not None:
                return True
    wanted = "/" + "/".join(keys)
    return any(
        str(op.get("op")) in ("add", "replace") and str(op.get("path", "")).endswith(wanted)
        for _, op in deploy.json_patches
    )
