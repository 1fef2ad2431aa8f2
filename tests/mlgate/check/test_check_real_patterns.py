"""Patterns met in real public repositories, each rebuilt here as a small fixture of our own.

Calibrating `mlgate check` on real repositories (bench/real_repos.md) found false positives
(a finding that is wrong about the file) and misses (a defect no rule saw). Each class has a
fixture below: a false positive must stay silent, a miss must be found, by the rule that owns it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from check_repo import CHECKOUT, GOOD, write_repo

from mlgate.check.model import Status
from mlgate.check.runner import run_checks

TOOLS = ("ZIZMOR100", "HADOLINT100")
PIN = CHECKOUT  # actions/checkout@<sha> # v7.0.1


def findings(root: Path, *, tools: bool = False) -> dict[str, list[tuple[str, int | None, str]]]:
    """Rule code -> (path, line, severity) of each finding, tool findings by their own code."""
    found: dict[str, list[tuple[str, int | None, str]]] = {}
    for result in run_checks(root, ignore=() if tools else TOOLS).results:
        for finding in result.findings:
            code = result.finding_code(finding)
            severity = result.finding_severity(finding).label
            found.setdefault(code, []).append((finding.path, finding.line, severity))
    return found


def standard(tmp_path: Path, **changes: str | None) -> Path:
    """The hand-written repository that follows the standard, with files changed or added."""
    return write_repo(tmp_path / "repo", {**GOOD, **changes})


def alone(tmp_path: Path, files: dict[str, str]) -> Path:
    """A repository of just these files (adopting only what they are)."""
    return write_repo(tmp_path / "repo", files)


# --- false positives: must stay silent -------------------------------------------------------

PARSER = '''\
"""Reads PEM files."""

PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"
MARKERS = (
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "-----BEGIN EC PRIVATE KEY-----",
)
EXAMPLE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documentation example
'''


def test_a_pem_header_string_in_code_is_not_a_key(tmp_path: Path) -> None:
    root = standard(tmp_path, **{"src/project/pem.py": PARSER})
    assert "SEC104" not in findings(root)


def test_a_real_key_is_found_even_in_a_data_folder(tmp_path: Path) -> None:
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n" * 4
    key = f"-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\n"
    root = standard(tmp_path, **{"tests/data/localhost.key": key})
    assert findings(root)["SEC104"] == [("tests/data/localhost.key", 1, "error")]


ARG_DOCKERFILE = """\
ARG PYTHON_VERSION=3.11
ARG BASE_IMAGE=python:${PYTHON_VERSION}-slim-bookworm
FROM ${BASE_IMAGE} AS builder
RUN pip wheel --wheel-dir /wheels .

FROM ${BASE_IMAGE}
COPY --from=builder /wheels /wheels
USER 10001
EXPOSE 8000
HEALTHCHECK CMD ["python", "-c", "print(1)"]
CMD ["python", "-m", "project.serve"]
"""


def test_from_an_arg_whose_default_is_pinned_is_pinned(tmp_path: Path) -> None:
    assert "DOCKER104" not in findings(standard(tmp_path, Dockerfile=ARG_DOCKERFILE))


def test_an_arg_that_only_supplies_a_digest_is_pinned(tmp_path: Path) -> None:
    dockerfile = "ARG TAG\nARG SHA\nFROM registry.k8s.io/kustomize:${TAG}@${SHA}\nUSER 1\n"
    assert "DOCKER104" not in findings(standard(tmp_path, Dockerfile=dockerfile))


READ_TOP = f"""\
name: lint
on: [push]
permissions:
  contents: read
jobs:
  lint:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: {PIN}
        with:
          persist-credentials: false
"""


def test_read_only_top_permissions_are_advice_not_an_error(tmp_path: Path) -> None:
    root = standard(tmp_path, **{".github/workflows/lint.yml": READ_TOP})
    assert findings(root)["GHA102"] == [(".github/workflows/lint.yml", 3, "info")]


SAFE_EXPANSIONS = f"""\
name: notes
on:
  pull_request:
  workflow_dispatch:
    inputs:
      dry-run:
        type: boolean
      count:
        type: number
permissions: {{}}
concurrency:
  group: notes-${{{{ github.ref }}}}
  cancel-in-progress: true
jobs:
  notes:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    permissions:
      contents: read
    steps:
      - uses: {PIN}
        with:
          persist-credentials: false
      - id: filter
        uses: dorny/paths-filter@de90cc6fb38fc0963ad72b210f1f284cd68cea36 # v3.0.2
        with:
          filters: "model: [src/**]"
      - id: version
        run: echo "value=$(date +%F)" >> "$GITHUB_OUTPUT"
      - run: |
          echo "${{{{ inputs.dry-run }}}} ${{{{ inputs.count }}}}"
          echo "${{{{ github.event.pull_request.merge_commit_sha }}}}"
          echo "${{{{ github.event.pull_request.number }}}}"
          echo "${{{{ steps.filter.outputs.model }}}}"
          echo "${{{{ steps.version.outputs.value }}}}"
"""


def test_values_no_outsider_controls_are_not_injection_findings(tmp_path: Path) -> None:
    """Booleans, numbers, SHAs, PR numbers, a paths-filter flag, the job's own step output:
    whoever sets them can edit the workflow (maintainer values are not reported)."""
    root = standard(tmp_path, **{".github/workflows/notes.yml": SAFE_EXPANSIONS})
    assert "GHA107" not in findings(root)


KUSTOMIZE = {
    "k8s/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
    "k8s/base/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: api
          image: ghcr.io/acme/api
          ports:
            - containerPort: 8080
          resources:
            limits: {cpu: 500m, memory: 256Mi}
""",
    "k8s/overlays/prod/kustomization.yaml": (
        "resources:\n  - ../../base\npatches:\n  - path: probes.yaml\n"
        "patchesStrategicMerge:\n  - memory.yaml\nimages:\n  - name: ghcr.io/acme/api\n"
        "    digest: sha256:" + "1" * 64 + "\n"
    ),
    "k8s/overlays/prod/probes.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /health, port: 8080}}
""",
    "k8s/overlays/prod/memory.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          resources:
            limits: {memory: 512Mi}
""",
    "argocd/app.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api}\n"
        "spec:\n  source: {repoURL: 'https://example.com/r.git', path: k8s/overlays/prod}\n"
    ),
}


def test_patch_files_are_patches_and_what_they_add_counts(tmp_path: Path) -> None:
    root = alone(tmp_path, KUSTOMIZE)
    found = findings(root)
    assert not [code for code in found if code.startswith("DEPLOY")], found


def test_a_helm_template_is_not_a_broken_manifest(tmp_path: Path) -> None:
    files = {
        **KUSTOMIZE,
        "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        "charts/api/templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n"
            "      {{- with .Values.nodeSelector }}\n      nodeSelector: {{ toYaml . }}\n"
            "      {{- end }}\n"
        ),
    }
    assert "DEPLOY101" not in findings(alone(tmp_path, files))


CLI_IMAGE = """\
FROM python:3.12-slim-bookworm
RUN pip install --no-cache-dir mytool==1.2.3
USER 10001
ENTRYPOINT ["mytool"]
"""
RUNNER_IMAGE = """\
FROM ghcr.io/actions/actions-runner:2.321.0
USER runner
"""


def test_images_that_are_not_services_need_no_healthcheck(tmp_path: Path) -> None:
    root = alone(tmp_path, {"Dockerfile": CLI_IMAGE, "ci/runner/Dockerfile": RUNNER_IMAGE})
    result = {r.code: r for r in run_checks(root, ignore=TOOLS).results}
    assert result["DOCKER103"].status is Status.SKIPPED


DVC_FOREACH = """\
vars:
  - models.yaml
stages:
  prepare:
    foreach: ${models}
    do:
      cmd: python prepare.py --model ${key}
      deps:
        - prepare.py
      params:
        - models.yaml:
            - models.${key}.size
      outs:
        - data/${key}
  train:
    matrix:
      model: [small, large]
      seed: [1, 2]
    cmd: python train.py ${item.model} ${item.seed}
    params:
      - train.yaml:
          - epochs
    outs:
      - models/${item.model}-${item.seed}
"""
DVC_LOCK = """\
schema: '2.0'
stages:
  prepare@small: {cmd: python prepare.py --model small}
  prepare@large: {cmd: python prepare.py --model large}
  train@small-1: {cmd: python train.py small 1}
"""


def test_dvc_foreach_matrix_params_files_and_item_locks(tmp_path: Path) -> None:
    root = alone(
        tmp_path,
        {
            "dvc.yaml": DVC_FOREACH,
            "dvc.lock": DVC_LOCK,
            "models.yaml": "models:\n  small: {size: 1}\n  large: {size: 2}\n",
            "train.yaml": "epochs: 3\n",
            ".dvc/config": "[core]\n    remote = s\n['remote \"s\"']\n    url = s3://b/p\n",
        },
    )
    found = findings(root)
    assert not [code for code in found if code.startswith("DVC")], found


def test_a_missing_parameters_file_is_still_found(tmp_path: Path) -> None:
    dvc = DVC_FOREACH.replace("train.yaml:", "training.yaml:")
    root = alone(tmp_path, {"dvc.yaml": dvc, "models.yaml": "models: {}\n", "train.yaml": "x: 1"})
    assert [m[0] for m in findings(root)["DVC104"]] == ["dvc.yaml"]


def test_an_allow_list_dockerignore_excludes_everything_else(tmp_path: Path) -> None:
    root = standard(
        tmp_path, **{".dockerignore": "# only what the image needs\n*\n!src/\n!pyproject.toml\n"}
    )
    assert "DOCKER105" not in findings(root)


def test_dependabot_uv_is_python(tmp_path: Path) -> None:
    updates = "".join(
        f"  - package-ecosystem: {e}\n    directory: /\n    schedule: {{interval: weekly}}\n"
        for e in ("uv", "github-actions", "docker")
    )
    root = standard(tmp_path, **{
        ".github/dependabot.yml": f"version: 2\nupdates:\n{updates}",
        "pyproject.toml": "[project]\nname = 'p'\n",
    })  # fmt: skip
    assert "SEC103" not in findings(root)


def test_every_finding_of_a_workflow_or_dockerfile_has_a_line(tmp_path: Path) -> None:
    workflow = READ_TOP.replace("    timeout-minutes: 5\n", "").replace(
        "permissions:\n  contents: read\n", ""
    )
    root = standard(
        tmp_path,
        **{
            ".github/workflows/lint.yml": workflow,
            "services/api/Dockerfile": "FROM python:3.12-slim\nEXPOSE 80\nCMD uvicorn app:app\n",
        },
    )
    missing = [
        (code, path)
        for code, places in findings(root).items()
        for path, line, _ in places
        if path and path.endswith(("yml", "Dockerfile")) and not line
    ]
    assert not missing


# --- misses: must be found -------------------------------------------------------------------

GATE_CI = (Path(__file__).parent / "check_repo.py").read_text(encoding="utf-8")


def gate_step(run: str, extra: str = "") -> dict[str, str]:
    ci = GOOD[".github/workflows/ci.yml"]
    old = '        run: mlgate gate --baseline "origin/${BASE:-main}"\n'
    assert old in ci
    return {".github/workflows/ci.yml": ci.replace(old, f"        run: {run}\n{extra}")}


@pytest.mark.parametrize(
    ("run", "extra", "severity", "words"),
    [
        ('mlgate gate --baseline "origin/${BASE:-main}" || true', "", "error", "|| true"),
        ("mlgate gate | tee gate.txt", "", "error", "pipefail"),
        ("set +e; mlgate gate; echo done", "", "error", "set +e"),
        ('echo "mlgate gate"', "", "error", "no workflow on pull_request"),
        ("mlgate gate", "        if: github.event_name == 'push'\n", "error", "skipped on"),
        ("mlgate gate", "        if: github.actor != 'dependabot[bot]'\n", "warning",
         "may be skipped"),
        ("mlgate gate", "        continue-on-error: ${{ github.event_name == 'pull_request' }}\n",
         "warning", "continue-on-error"),
        ("for m in a b; do mlgate gate; done", "", "warning", "loop"),
    ],
)  # fmt: skip
def test_a_gate_that_cannot_fail_or_never_runs(
    tmp_path: Path, run: str, extra: str, severity: str, words: str
) -> None:
    result = {r.code: r for r in run_checks(standard(tmp_path, **gate_step(run, extra)),
                                            ignore=TOOLS).results}  # fmt: skip
    gate = result["GATE105"]
    assert gate.status is Status.FAIL
    assert [gate.finding_severity(f).label for f in gate.findings] == [severity]
    assert words in gate.findings[0].message
    assert gate.findings[0].line


def test_the_gate_through_make_and_a_composite_action_and_a_reusable_workflow(
    tmp_path: Path,
) -> None:
    makefile = "gate:\n\tmlgate gate --baseline origin/main\nsoft:\n\t-mlgate gate\n"
    action = (
        "name: gate\nruns:\n  using: composite\n  steps:\n    - run: make gate\n      shell: bash\n"
    )
    reusable = (
        GOOD[".github/workflows/ci.yml"]
        .replace("on:\n  pull_request:\n  push:\n    branches: [main]\n", "on:\n  workflow_call:\n")
        .replace(
            'run: mlgate gate --baseline "origin/${BASE:-main}"', "uses: ./.github/actions/gate"
        )
    )
    caller = (
        "name: pr\non: [pull_request]\npermissions: {}\nconcurrency: {group: pr, "
        "cancel-in-progress: true}\njobs:\n  call:\n    uses: ./.github/workflows/gate.yml\n"
    )
    files = {
        ".github/workflows/ci.yml": None,
        ".github/workflows/gate.yml": reusable,
        ".github/workflows/pr.yml": caller,
        ".github/actions/gate/action.yml": action,
        "Makefile": makefile,
    }
    root = standard(tmp_path, **files)
    assert "GATE105" not in findings(root)
    (root / ".github/actions/gate/action.yml").write_text(action.replace("make gate", "make soft"))
    gate = {r.code: r for r in run_checks(root, ignore=TOOLS).results}["GATE105"]
    assert gate.status is Status.FAIL
    assert "`-` before the recipe line" in gate.findings[0].message
    assert gate.findings[0].path == ".github/actions/gate/action.yml"


def test_composite_actions_are_audited(tmp_path: Path) -> None:
    action = (
        "name: setup\ninputs:\n  title: {description: t}\nruns:\n  using: composite\n  steps:\n"
        "    - uses: actions/setup-python@v5\n"
        '    - run: echo "${{ github.event.pull_request.title }}"\n      shell: bash\n'
    )
    root = standard(tmp_path, **{".github/actions/setup/action.yml": action})
    found = findings(root)
    assert found["GHA104"] == [(".github/actions/setup/action.yml", 7, "error")]
    assert found["GHA107"] == [(".github/actions/setup/action.yml", 8, "error")]


def test_copy_from_an_image_on_latest(tmp_path: Path) -> None:
    dockerfile = GOOD["Dockerfile"].replace(
        "COPY models/", "COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv\nCOPY models/"
    )
    assert [
        line for _, line, _ in findings(standard(tmp_path, Dockerfile=dockerfile))["DOCKER104"]
    ] == [3]


PWN = f"""\
name: preview
on: pull_request_target
permissions: {{}}
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: read
      pull-requests: write
    steps:
      - uses: {PIN}
        with:
          ref: ${{{{ github.event.pull_request.head.sha }}}}
          persist-credentials: false
      - run: make build
"""


def test_pull_request_target_that_runs_the_pull_requests_code(tmp_path: Path) -> None:
    found = findings(standard(tmp_path, **{".github/workflows/preview.yml": PWN}))
    assert found["GHA105"] == [(".github/workflows/preview.yml", 16, "error")]
    quiet = PWN.replace("      - run: make build\n", "")
    found = findings(standard(tmp_path / "b", **{".github/workflows/preview.yml": quiet}))
    assert found["GHA105"] == [(".github/workflows/preview.yml", 2, "warning")]


def test_dockerfiles_and_manifests_outside_the_expected_paths(tmp_path: Path) -> None:
    api = "FROM python:3.12-slim-bookworm\nEXPOSE 8000\nCMD uvicorn app:app\n"
    deployment = KUSTOMIZE["k8s/base/deployment.yaml"].replace(
        "          resources:\n            limits: {cpu: 500m, memory: 256Mi}\n", ""
    )
    root = standard(tmp_path, **{"services/api/Dockerfile": api, "ops/api.yaml": deployment})
    found = findings(root)
    assert ("services/api/Dockerfile", 1, "error") in found["DOCKER102"]
    assert ("services/api/Dockerfile", 1, "error") in found["DOCKER103"]
    assert {path for path, _, _ in found["DEPLOY103"]} == {"ops/api.yaml"}


# --- adoption --------------------------------------------------------------------------------


def test_a_repository_that_adopted_nothing_passes_and_says_what_to_adopt(
    tmp_path: Path, mlgate: Callable[..., Any]
) -> None:
    root = alone(tmp_path, {"README.md": "# a notebook\n", "analysis.py": "print(1)\n"})
    done = mlgate("check", str(root), "--format", "json")
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    assert not any(part["adopted"] for part in report["adoption"])
    assert {part["part"] for part in report["adoption"]} >= {"dvc", "gate", "docker", "deploy"}
    assert all(part["next_step"] for part in report["adoption"])
    statuses = {rule["status"] for rule in report["rules"] if rule["part"]}
    assert statuses == {"not adopted"}
    text = mlgate("check", str(root)).stdout
    assert "adopted 0 of 11 parts" in text and "not adopted  gate" in text


def test_require_turns_a_missing_part_into_a_finding(
    tmp_path: Path, mlgate: Callable[..., Any]
) -> None:
    root = alone(tmp_path, {"README.md": "# x\n"})
    done = mlgate("check", str(root), "--require", "gate,docker", "--format", "json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    adopt = next(rule for rule in report["rules"] if rule["code"] == "ADOPT101")
    assert [f["message"].split(" ")[0] for f in adopt["findings"]] == ["gate", "docker"]
    assert mlgate("check", str(root), "--require", "gaet").returncode == 2
    policy = alone(tmp_path / "b", {"mlgate.yaml": "check:\n  require: [docker, dockr]\n"})
    adopt = {r.code: r for r in run_checks(policy, ignore=TOOLS).results}["ADOPT101"]
    assert sorted(f.message.split(" ")[0] for f in adopt.findings) == ["check.require", "docker"]


def test_sarif_and_markdown_carry_the_adoption_summary(
    tmp_path: Path, mlgate: Callable[..., Any]
) -> None:
    root = alone(tmp_path, {"Dockerfile": CLI_IMAGE})
    sarif = json.loads(mlgate("check", str(root), "--format", "sarif").stdout)
    run = sarif["runs"][0]
    assert run["properties"]["adoption"]["docker"] is True
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(n["descriptor"]["id"] == "adoption/gate" for n in notes)
    markdown = mlgate("check", str(root), "--format", "md").stdout
    assert "| gate (Metric gate) | not adopted |" in markdown


def test_zizmor_findings_our_rules_own_are_reported_once(tmp_path: Path) -> None:
    ci = GOOD[".github/workflows/ci.yml"].replace(CHECKOUT, "actions/checkout@v4", 1)
    found = findings(standard(tmp_path, **{".github/workflows/ci.yml": ci}), tools=True)
    assert "ZIZMOR-unpinned-uses" not in found
    assert len(found["GHA104"]) == 1


def test_injection_severity_follows_the_source(tmp_path: Path) -> None:
    title = '          echo "${{ github.event.pull_request.title }}"'
    workflow = SAFE_EXPANSIONS.replace(
        '          echo "${{ steps.version.outputs.value }}"',
        f"{title}\n"
        '          echo "${{ github.event.pull_request.base.ref }}"\n'
        '          echo "${{ github.event.pull_request.head.repo.homepage }}"\n'
        "          echo \"${{ contains(github.event.pull_request.title, 'wip') && 'a' || 'b' }}\"",
    )
    found = findings(standard(tmp_path, **{".github/workflows/notes.yml": workflow}))
    # the title: error, at its own line; an unknown event value: warning; the base branch
    # (maintainers name it) and a test of the title that yields literals: nothing
    line = workflow.splitlines().index(title) + 1
    assert sorted(found["GHA107"], key=lambda f: f[2]) == [
        (".github/workflows/notes.yml", line, "error"),
        (".github/workflows/notes.yml", line + 2, "warning"),
    ]


# --- second calibration round (bench/real_repos.md, "after" judgement) ------------------------


def test_test_example_and_doc_folders_are_not_deployables(tmp_path: Path) -> None:
    unsafe = "FROM python:3.12-slim\nEXPOSE 80\nCMD uvicorn app:app\n"
    deployment = KUSTOMIZE["k8s/base/deployment.yaml"].replace("runAsNonRoot: true", "x: 1")
    files = {
        "README.md": "# tool\n",
        "examples/helloWorld/deployment.yaml": deployment,
        "tests/e2e/image/Dockerfile": unsafe,
        "kyaml/testdata2/app.yaml": deployment,
        "docs/samples/model/Dockerfile": unsafe,
        "hack/krmFunctionBenchmark/Dockerfile": unsafe,
    }
    result = {r.code: r for r in run_checks(alone(tmp_path, files), ignore=TOOLS).results}
    assert {result[c].status for c in ("DOCKER102", "DEPLOY104")} == {Status.NOT_ADOPTED}


def test_generated_bundles_patch_fragments_and_skaffold_images(tmp_path: Path) -> None:
    app = KUSTOMIZE["k8s/base/deployment.yaml"]
    fragment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: manager\n          args: [--debug]\n"
    )
    files = {
        **KUSTOMIZE,
        "release/all.yaml": "# WARNING: This file is autogenerated. Do not manually edit.\n"
        + app.replace("runAsNonRoot: true", "x: 1"),
        "config/default/manager_patch.yaml": fragment,
        "k8s/skaffold/kustomization.yaml": "resources:\n  - svc.yaml\n",
        # its own build has no probe patch: the probes are written in
        "k8s/skaffold/svc.yaml": app.replace("ghcr.io/acme/api", "frontend").replace(
            "          ports:\n",
            "          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n"
            "          livenessProbe: {httpGet: {path: /health, port: 8080}}\n          ports:\n",
        ),
        "skaffold.yaml": "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n"
        "  artifacts:\n    - image: frontend\n      context: src/frontend\n",
    }
    found = findings(alone(tmp_path, files))
    assert not [c for c in found if c in ("DEPLOY102", "DEPLOY103", "DEPLOY104", "DEPLOY105")]


def test_old_style_patches_and_the_deployed_image_after_images(tmp_path: Path) -> None:
    files = {
        **KUSTOMIZE,
        "k8s/overlays/prod/kustomization.yaml": (
            "resources:\n  - ../../base\npatches:\n  - probes.yaml\n  - memory.yaml\n"
            "images:\n  - name: ghcr.io/acme/api\n    newName: quay.io/acme/api\n"
            "    newTag: '1.2'\n"
        ),
    }
    found = findings(alone(tmp_path, files))
    assert [f for f in found if f.startswith("DEPLOY")] == ["DEPLOY105"]
    (place,) = found["DEPLOY105"]  # one finding per image, named as deployed
    assert place[0] == "k8s/overlays/prod/kustomization.yaml"
    run = run_checks(alone(tmp_path / "b", files), select=["DEPLOY105"])
    assert "'quay.io/acme/api:1.2'" in run.results[0].findings[0].message


def test_an_app_of_apps_chart_syncs_what_is_deployed(tmp_path: Path) -> None:
    files = {k: v for k, v in KUSTOMIZE.items() if not k.startswith("argocd/")}
    files["apps/Chart.yaml"] = "apiVersion: v2\nname: apps\nversion: 1.0.0\n"
    files["apps/templates/apps.yaml"] = (
        "{{- range .Values.apps }}\napiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "spec:\n  source:\n    path: {{ .path }}\n{{- end }}\n"
    )
    assert "DEPLOY106" not in findings(alone(tmp_path, files))
    del files["apps/templates/apps.yaml"]
    assert "DEPLOY106" in findings(alone(tmp_path / "b", files))


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        ('FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py .\nCMD ["app.handler"]\n', []),
        ('FROM gcr.io/distroless/static:nonroot\nCOPY app /app\nCMD ["/app"]\n', []),
        ('FROM cgr.dev/chainguard/wolfi-base:latest\nCMD ["sh"]\n', ["error"]),
        ('FROM python:3.12-slim\nCMD ["python"]\n', ["error"]),
        ('FROM quay.io/acme/base:1.0\nCMD ["run"]\n', ["info"]),  # its base may set USER
        ("FROM scratch\nLABEL bundle=1\nCOPY manifests /manifests\n", []),  # never runs
    ],
)
def test_whether_an_image_runs_as_root(tmp_path: Path, dockerfile: str, expected: list) -> None:
    found = findings(alone(tmp_path, {"Dockerfile": dockerfile}))
    assert [severity for _, _, severity in found.get("DOCKER102", [])] == expected


def test_a_base_the_repository_builds_itself_is_not_a_moving_tag(tmp_path: Path) -> None:
    files = {
        "build.sh": "docker build --tag yarn-builder -f Dockerfile.yarn .\n",
        "Dockerfile.yarn": "FROM node:20-bookworm\nUSER node\n",
        "Dockerfile": "FROM yarn-builder:latest\nUSER 1001\n",
    }
    assert "DOCKER104" not in findings(alone(tmp_path, files))


def test_dockerignore_asks_only_for_what_reaches_the_context(tmp_path: Path) -> None:
    uses_git = (
        "FROM python:3.12-slim\nCOPY . /src\n"
        "RUN --mount=source=.git,target=.git,type=bind pip install /src\nUSER 1\n"
    )
    only_stages = "FROM golang:1.23 AS build\nRUN go build\nFROM scratch\nCOPY --from=build /a /a\n"
    files = {"Dockerfile": uses_git, ".dockerignore": "*.pyc\n", "tool/Dockerfile": only_stages}
    assert "DOCKER105" not in findings(alone(tmp_path, files))


def test_a_web_ui_bound_to_all_interfaces_is_a_service(tmp_path: Path) -> None:
    dockerfile = (
        'FROM python:3.12-slim\nUSER 1\nENTRYPOINT ["evidently", "ui", "--host", "0.0.0.0"]\n'
    )
    assert findings(alone(tmp_path, {"Dockerfile": dockerfile}))["DOCKER103"]


def test_dependabot_docker_is_asked_for_images_that_ship(tmp_path: Path) -> None:
    updates = (
        "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n"
        "    schedule: {interval: weekly}\n"
    )
    tool = "FROM golang:1.23\nRUN go install x\n"
    root = alone(tmp_path, {".github/dependabot.yml": updates, "tools/dev.Dockerfile": tool})
    assert "SEC103" not in findings(root)


def test_the_pwn_request_finding_points_at_the_step_that_runs_code(tmp_path: Path) -> None:
    workflow = PWN.replace(
        "      - run: make build\n", "      - run: cat .pr/NUMBER\n      - run: make build\n"
    )
    found = findings(standard(tmp_path, **{".github/workflows/preview.yml": workflow}))
    assert found["GHA105"] == [(".github/workflows/preview.yml", 17, "error")]


# --- third calibration round ---------------------------------------------------------------

IMAGE_PATCH = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
    "    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:latest\n"
)


def test_image_patches_name_what_is_deployed_and_are_no_workloads(tmp_path: Path) -> None:
    overlay = KUSTOMIZE["k8s/overlays/prod/kustomization.yaml"].split("images:")[0]
    overlay = overlay.replace(
        "  - path: probes.yaml\n", "  - path: probes.yaml\n  - path: image_patch.yaml\n"
    )
    files = {
        **KUSTOMIZE,
        "k8s/overlays/prod/kustomization.yaml": overlay,
        "k8s/overlays/prod/image_patch.yaml": IMAGE_PATCH,
        "k8s/overlays/template/unused_image_patch.yaml": IMAGE_PATCH,  # no selector: a patch
    }
    found = findings(alone(tmp_path, files))
    assert [f for f in found if f.startswith("DEPLOY")] == ["DEPLOY105"]
    run = run_checks(alone(tmp_path / "b", files), select=["DEPLOY105"])
    assert "'ghcr.io/acme/api:latest'" in run.results[0].findings[0].message


def test_ko_builds_its_images_by_digest(tmp_path: Path) -> None:
    base = KUSTOMIZE["k8s/base/deployment.yaml"].replace("ghcr.io/acme/api", "ko://acme/cmd/api")
    overlay = KUSTOMIZE["k8s/overlays/prod/kustomization.yaml"].split("images:")[0]
    files = {**KUSTOMIZE, "k8s/base/deployment.yaml": base,
             "k8s/overlays/prod/kustomization.yaml": overlay}  # fmt: skip
    assert "DEPLOY105" not in findings(alone(tmp_path, files))


def test_test_overlays_are_not_deployables(tmp_path: Path) -> None:
    files = {
        **KUSTOMIZE,
        "k8s/overlays/test-e2e/kustomization.yaml": "resources:\n  - ../../base\n",
    }
    assert "DEPLOY105" not in findings(alone(tmp_path, files))


def test_a_base_built_by_a_continued_command_and_its_user(tmp_path: Path) -> None:
    files = {
        "offline/build.sh": (
            "docker build \\\n  --tag yarn-builder \\\n  -f Dockerfile.builder .\n"
            "docker build -t feast-offline -f Dockerfile.binary .\n"
            "docker build -t plain .\n"  # no -f: the folder's Dockerfile
        ),
        "offline/Dockerfile.builder": "FROM node:20-bookworm\nUSER 1001\n",
        "offline/Dockerfile.binary": 'FROM yarn-builder:latest\nCOPY . /app\nCMD ["/app/run"]\n',
    }
    found = findings(alone(tmp_path, files))
    assert "DOCKER104" not in found and "DOCKER102" not in found, found


def test_a_shared_dockerignore_keeps_what_one_of_its_builds_reads(tmp_path: Path) -> None:
    reads_git = (
        "FROM python:3.12-slim\nCOPY sdk /sdk\n"
        "RUN --mount=source=.git,target=.git pip install /sdk\n"
    )
    plain = "FROM golang:1.23\nCOPY go /go\nRUN go build\n"
    files = {
        ".dockerignore": "*.pyc\n",
        "sdk/__init__.py": "",
        "go/main.go": "package main\n",
        "a/Dockerfile": plain,
        "b/Dockerfile": reads_git,
    }
    assert "DOCKER105" not in findings(alone(tmp_path, files))


def test_expose_without_a_command_is_a_service_only_on_a_server_base(tmp_path: Path) -> None:
    preview = "FROM klakegg/hugo:0.111\nUSER hugo\nEXPOSE 1313\n"
    web = "FROM nginx:1.27\nCOPY site /usr/share/nginx/html\nEXPOSE 80\n"
    found = findings(alone(tmp_path, {"site/Dockerfile": preview, "web/Dockerfile": web}))
    assert [path for path, _, _ in found["DOCKER103"]] == ["web/Dockerfile"]


def test_reusable_workflow_calls_take_the_top_level_grant(tmp_path: Path) -> None:
    publish = (
        "name: publish\non: [push]\npermissions:\n  contents: read\n  id-token: write\n"
        "jobs:\n  images:\n    uses: ./.github/workflows/images.yml\n"
        "  helm:\n    uses: ./.github/workflows/helm.yml\n"
    )
    found = findings(standard(tmp_path, **{".github/workflows/publish.yml": publish}))
    assert found["GHA102"] == [(".github/workflows/publish.yml", 3, "error")]


def test_shipped_images_under_hack_and_a_mirror_of_docker_hub(tmp_path: Path) -> None:
    migration = 'FROM alpine:latest\nCOPY run.sh .\nENTRYPOINT ["./run.sh"]\n'
    mirror = 'FROM public.ecr.aws/docker/library/alpine:3.20\nCMD ["sh"]\n'
    found = findings(
        alone(tmp_path, {"hack/migration/Dockerfile": migration, "Dockerfile": mirror})
    )
    assert {(p, s) for p, _, s in found["DOCKER102"]} == {
        ("hack/migration/Dockerfile", "error"),
        ("Dockerfile", "error"),
    }
    assert [p for p, _, _ in found["DOCKER104"]] == ["hack/migration/Dockerfile"]


def test_patches_written_at_deploy_time_leave_the_images_unknown(tmp_path: Path) -> None:
    overlay = (
        "resources:\n  - ../../base\npatches:\n  - path: probes.yaml\n"
        "  - path: manager_image_patch.yaml\n"  # `ko resolve` writes it, by digest
        "patchesStrategicMerge:\n  - memory.yaml\n"
    )
    files = {**KUSTOMIZE, "k8s/overlays/prod/kustomization.yaml": overlay}
    found = findings(alone(tmp_path, files))
    assert not [code for code in found if code.startswith("DEPLOY")], found


def test_a_patch_counts_only_for_the_builds_that_apply_it(tmp_path: Path) -> None:
    """Two apps; only one's overlay patches limits in: the other is still reported."""
    other = (
        KUSTOMIZE["k8s/base/deployment.yaml"]
        .replace("name: api", "name: web")
        .replace("          resources:\n            limits: {cpu: 500m, memory: 256Mi}\n", "")
    )
    json_patch = "".join(
        f"- op: add\n  path: /spec/template/spec/containers/0/resources/limits/{kind}\n"
        "  value: '1'\n"
        for kind in ("cpu", "memory")
    )
    files = {
        **KUSTOMIZE,
        "web/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
        "web/base/deployment.yaml": other,
        "web/prod/kustomization.yaml": "resources:\n  - ../base\n",
        "api-extra/kustomization.yaml": (
            "resources:\n  - ../k8s/base\npatches:\n  - path: limits.yaml\n"
            "    target: {kind: Deployment, name: web}\n"
        ),
        "api-extra/limits.yaml": json_patch,
    }
    found = findings(alone(tmp_path, files))
    assert {path for path, _, _ in found["DEPLOY103"]} == {"web/base/deployment.yaml"}


def test_the_dispatched_workflows_are_the_same_every_time_they_are_asked(tmp_path: Path) -> None:
    """A predicate that collects what it sees is never answered from another's memo (the
    memo once keyed predicates by id, which a later closure may reuse)."""
    from mlgate.check.repo import Repo
    from mlgate.check.rules.drift import dispatched, drift_workflows

    repo = Repo(standard(tmp_path))
    (workflow,) = drift_workflows(repo)
    assert [dispatched(repo, workflow) for _ in range(4)] == [["retrain.yml"]] * 4
