"""Which parts of the mlgate standard a repository uses, before any rule judges them.

A repository that has no DVC pipeline has not *broken* the DVC rules; it has not adopted
DVC. Each part is detected from what is there (a dvc.yaml, a workflow that runs `mlgate gate`,
a Dockerfile anywhere, Kubernetes manifests anywhere...). Rules of a part that is not adopted
report "not adopted" with the next step, and fail nothing, unless the part is required:
`check.require` in mlgate.yaml or `--require` on the command line (the generated projects
require every part they ship). A required part that is missing is ADOPT101's finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import CouldNotCheck
from .execution import mlgate_command, runs_of
from .manifests import deployables
from .pipeline import stages_running
from .repo import Repo

CODEOWNERS_PLACES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
UPDATE_CONFIGS = (
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
)


@dataclass(frozen=True)
class Part:
    name: str
    title: str
    next_step: str
    adopted_when: str  # what counts as adopting it (docs/rules.md says so)


@dataclass(frozen=True)
class Adoption:
    part: Part
    evidence: str  # what shows the part is used; "" when it is not
    required: bool

    @property
    def adopted(self) -> bool:
        return bool(self.evidence)


PARTS: dict[str, Part] = {
    part.name: part
    for part in (
        Part(
            "dvc",
            "DVC pipeline",
            "`dvc init`, then declare the steps as stages in dvc.yaml",
            "dvc.yaml, or .dvc/ (data versioned without a pipeline)",
        ),
        Part(
            "gx",
            "Data tests (Great Expectations)",
            "`mlgate suite init DATA -o gx/expectations/raw_data.json`, then a dvc.yaml stage "
            "`mlgate validate SUITE DATA` that training depends on",
            "a dvc.yaml stage running `mlgate validate`, or GX suites (gx/expectations/*.json)",
        ),
        Part(
            "gate",
            "Metric gate",
            "add mlgate.yaml with `gate:` rules and run `mlgate gate` in a pull-request workflow",
            "mlgate.yaml with `gate:`, or a workflow that runs `mlgate gate`",
        ),
        Part(
            "gha",
            "GitHub Actions",
            "add .github/workflows/ci.yml",
            "workflows in .github/workflows, or composite actions (action.yml)",
        ),
        Part(
            "docker",
            "Container image",
            "add a Dockerfile that builds the model service",
            "a Dockerfile or Containerfile anywhere",
        ),
        Part(
            "deploy",
            "Deployment (Kubernetes, GitOps)",
            "add kustomize manifests (deploy/base, deploy/overlays/production) and an Argo CD "
            "Application",
            "kustomizations or Kubernetes workload manifests anywhere (Helm charts alone: no)",
        ),
        Part(
            "drift",
            "Drift monitoring",
            "add a `mlgate profile` stage and a scheduled workflow that runs `mlgate drift`",
            "mlgate.yaml with `drift:`, a workflow running `mlgate drift`, or a `mlgate profile` "
            "stage",
        ),
        Part(
            "monitor",
            "Production performance",
            "add `monitor:` to mlgate.yaml (where the outcomes are) and run `mlgate monitor` in "
            "the scheduled workflow",
            "mlgate.yaml with `monitor:`, or a workflow running `mlgate monitor`",
        ),
        Part(
            "template",
            "Template updates",
            "render with `mlgate new`: .cruft.json records the template and commit, and "
            "`mlgate update` brings the template's later changes",
            ".cruft.json, or a workflow running `mlgate update`",
        ),
        Part(
            "owners",
            "Code owners",
            "add .github/CODEOWNERS",
            "a CODEOWNERS file",
        ),
        Part(
            "updates",
            "Dependency updates",
            "add .github/dependabot.yml (or Renovate)",
            "a Dependabot or Renovate configuration",
        ),
    )
}


def required_parts(repo: Repo) -> tuple[set[str], list[str]]:
    """(parts required by mlgate.yaml check.require and --require, problems with the list)."""
    wanted, problems = [*repo.require], []
    section = repo.policy_section("check")
    listed = section.get("require")
    if listed is not None:
        if isinstance(listed, str):
            listed = [listed]
        if not isinstance(listed, list):
            problems.append("check.require must be a list of parts")
            listed = []
        wanted += [str(item).strip().lower() for item in listed]
    parts: set[str] = set()
    for name in wanted:
        if name == "all":
            parts |= set(PARTS)
        elif name in PARTS:
            parts.add(name)
        else:
            problems.append(f"check.require names {name!r}, not a part ({', '.join(PARTS)})")
    return parts, problems


def adoption(repo: Repo) -> dict[str, Adoption]:
    """Every part, adopted or not, computed once per repository."""
    return repo.remember("adoption", lambda: _adoption(repo))


def _adoption(repo: Repo) -> dict[str, Adoption]:
    required, _ = required_parts(repo)
    return {
        name: Adoption(part, _detect(name, repo), name in required) for name, part in PARTS.items()
    }


def _detect(name: str, repo: Repo) -> str:
    """A detector that fails counts the part as adopted, so its rules run and say why they
    cannot (NOT RUN, exit 2): a crash must never make a part look absent."""
    try:
        return DETECTORS[name](repo)
    except (CouldNotCheck, KeyboardInterrupt):
        raise
    except Exception as exc:
        return f"(could not tell: {type(exc).__name__}: {exc})"


def _dvc(repo: Repo) -> str:
    if repo.exists("dvc.yaml"):
        return f"dvc.yaml ({len(repo.stages)} stages)"
    if repo.is_dir(".dvc"):
        tracked = sum(path.endswith(".dvc") for path in repo.files)
        return f".dvc/ ({tracked} .dvc files, no dvc.yaml)"
    return ""


def _gx(repo: Repo) -> str:
    validating = stages_running(repo, r"\bmlgate\s+validate\b")
    if validating:
        return f"dvc.yaml stage {validating[0]} runs `mlgate validate`"
    suites = [p for p in repo.files if p.startswith(("gx/expectations/", "great_expectations/"))]
    suites = [p for p in suites if p.endswith(".json")]
    if suites:
        return f"GX suites ({suites[0]})"
    return ""


def _running(repo: Repo, command: str) -> str:
    """The section of mlgate.yaml, else the first workflow that runs `mlgate COMMAND`."""
    if repo.policy_section(command):
        return f"mlgate.yaml `{command}:`"
    for workflow in repo.workflows:
        if runs_of(repo, workflow, mlgate_command(command)):
            return f"{workflow.path} runs `mlgate {command}`"
    return ""


def _gate(repo: Repo) -> str:
    return _running(repo, "gate")


def _gha(repo: Repo) -> str:
    workflows, actions = len(repo.workflow_files), len(repo.actions)
    if not workflows and not actions:
        return ""
    return f"{workflows} workflows, {actions} composite actions"


def _docker(repo: Repo) -> str:
    found = repo.dockerfiles
    if not found:
        return ""
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    return f"{found[0]}{more}"


def _deploy(repo: Repo) -> str:
    found = deployables(repo)
    if found.kustomizations:
        return f"{len(found.kustomizations)} kustomizations"
    workloads = found.workloads()  # a Helm chart alone is not adopted: helm renders it
    return f"{len(workloads)} workload manifests ({workloads[0].path})" if workloads else ""


def _drift(repo: Repo) -> str:
    found = _running(repo, "drift")
    profiling = stages_running(repo, r"\bmlgate\s+profile\b")
    if found or not profiling:
        return found
    return f"dvc.yaml stage {profiling[0]} runs `mlgate profile`"


def _monitor(repo: Repo) -> str:
    return _running(repo, "monitor")


def _template(repo: Repo) -> str:
    if repo.exists(".cruft.json"):
        return ".cruft.json"
    for workflow in repo.workflows:
        if runs_of(repo, workflow, mlgate_command("update")):
            return f"{workflow.path} runs `mlgate update`"
    return ""


def _owners(repo: Repo) -> str:
    return next((place for place in CODEOWNERS_PLACES if repo.exists(place)), "")


def _updates(repo: Repo) -> str:
    return next((place for place in UPDATE_CONFIGS if repo.exists(place)), "")


DETECTORS: dict[str, Callable[[Repo], str]] = {
    "dvc": _dvc,
    "gx": _gx,
    "gate": _gate,
    "gha": _gha,
    "docker": _docker,
    "deploy": _deploy,
    "drift": _drift,
    "monitor": _monitor,
    "template": _template,
    "owners": _owners,
    "updates": _updates,
}
