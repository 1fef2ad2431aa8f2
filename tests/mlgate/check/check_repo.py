"""A small repository that follows the mlgate standard, as files, for `mlgate check` tests.

Each test writes it to a temporary directory, changes one thing and asserts which rules fire.
"""

from __future__ import annotations

from pathlib import Path

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
SETUP_PYTHON = "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0"

CI = f"""\
name: ci
on:
  pull_request:
  push:
    branches: [main]
permissions: {{}}
concurrency:
  group: ci-${{{{ github.ref }}}}
  cancel-in-progress: true
jobs:
  gate:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
    steps:
      - uses: {CHECKOUT}
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: {SETUP_PYTHON}
        with:
          python-version: "3.11"
      - run: make setup && dvc repro
      - name: gate
        env:
          BASE: ${{{{ github.base_ref }}}}
        run: mlgate gate --baseline "origin/${{BASE:-main}}"
"""

RELEASE = f"""\
name: release
on:
  push:
    tags: ["v*.*.*"]
permissions: {{}}
jobs:
  gate:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
    steps:
      - uses: {CHECKOUT}
        with:
          fetch-depth: 0
          persist-credentials: false
      - run: mlgate gate --baseline main
  image:
    needs: gate
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
      packages: write
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - run: docker push ghcr.io/example/project:latest
"""

DRIFT = f"""\
name: drift
on:
  schedule:
    - cron: "17 6 * * 1"
  workflow_dispatch:
permissions: {{}}
jobs:
  drift:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
      actions: write
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - run: mlgate drift --current logs/requests.jsonl
      - if: failure()
        run: mlgate dispatch retrain.yml --if-policy drift.retrain
  monitor:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
      actions: write
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
          fetch-depth: 0
      - run: mlgate monitor
        env:
          SERVICE_URL: ${{{{ vars.SERVICE_URL }}}}
      - if: failure()
        run: mlgate dispatch retrain.yml --if-policy monitor.retrain
"""

RETRAIN = f"""\
name: retrain
on:
  workflow_dispatch:
permissions: {{}}
jobs:
  retrain:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - run: dvc repro
"""

TEMPLATE_UPDATE = f"""\
name: template update
on:
  schedule:
    - cron: "41 5 * * 2"
  workflow_dispatch:
permissions: {{}}
jobs:
  update:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: write
      pull-requests: write
      actions: write
    steps:
      - uses: {CHECKOUT}
        with:
          fetch-depth: 0
          persist-credentials: false
      - id: update
        run: mlgate update --body-file logs/template-update.md
      - if: ${{{{ !cancelled() && steps.update.outputs.result != '' }}}}
        env:
          GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
        run: >-
          mlgate pr --branch template/update --title "Template update"
          --body-file logs/template-update.md --checks ci.yml
"""

CRUFT_JSON = """\
{
  "template": "https://github.com/mlgate/mlgate",
  "commit": "0123456789abcdef0123456789abcdef01234567",
  "checkout": null,
  "context": {"cookiecutter": {"project_slug": "app"}},
  "directory": null,
  "skip": ["data", "models"]
}
"""

SERVICE_MONITOR = """\
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  endpoints:
    - port: http
"""

ALERT_RULES = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: app
spec:
  groups:
    - name: app
      rules:
        - alert: Errors
          expr: sum(rate(http_requests_total{status=~"5.."}[5m])) > 1
        - alert: Slow
          expr: >-
            histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))
            > 0.2
        - alert: NotReady
          expr: min(model_ready) == 0
        - alert: LogWrites
          expr: increase(log_write_errors_total[10m]) > 0
        - alert: Unseen
          expr: rate(unseen_categories_total[1h]) > 1
"""

DVC_YAML = """\
stages:
  validate:
    cmd: >-
      mlgate validate gx/expectations/raw_data.json data/raw/data.csv
      --output reports/validation.json
    deps:
      - gx/expectations/raw_data.json
      - data/raw/data.csv
    outs:
      - reports/validation.json:
          cache: false
  prepare:
    cmd: python -m project.data prepare
    deps:
      - data/raw/data.csv
      - reports/validation.json
    params:
      - split.test_size
    outs:
      - data/processed/train.csv
      - data/processed/test.csv
  train:
    cmd: python -m project.train
    deps:
      - data/processed/train.csv
    outs:
      - models/model.joblib
  profile:
    cmd: >-
      mlgate profile data/processed/train.csv --outputs models/held_out.jsonl
      -o models/reference_profile.json
    deps:
      - data/processed/train.csv
    outs:
      - models/reference_profile.json
  evaluate:
    cmd: python -m project.evaluate
    deps:
      - models/model.joblib
      - data/processed/test.csv
      - src/project/evaluate.py
    metrics:
      - reports/metrics.json:
          cache: false
    outs:
      - models/held_out.jsonl
"""

SUITE = """\
{"name": "raw_data", "expectations": [
  {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a", "target"]}},
  {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}}
]}
"""

MLGATE_YAML = """\
gate:
  metrics: reports/metrics.json
  baseline: main
  rules:
    accuracy: {min: 0.8, max_drop: 0.01}
drift:
  reference: models/reference_profile.json
  retrain: true
monitor:
  outcomes: {path: logs/feedback.jsonl}
  baseline: deployed
  retrain: true
check:
  require: [all]
engine:
  name: arrow
"""

EVALUATE_PY = 'METRICS = ("accuracy",)\n\n\ndef evaluate() -> dict:\n    return {"accuracy": 1.0}\n'

DOCKERFILE = """\
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY models/ /app/models/
USER 10001
EXPOSE 8000
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"]
CMD ["python", "-m", "project.serve"]
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: project
spec:
  selector:
    matchLabels: {app: project}
  template:
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: project
          image: ghcr.io/example/project
          ports:
            - containerPort: 8000
          readinessProbe:
            httpGet: {path: /ready, port: 8000}
          livenessProbe:
            httpGet: {path: /health, port: 8000}
          resources:
            limits: {cpu: 500m, memory: 512Mi}
"""

OVERLAY = (
    """\
resources:
  - ../../base
images:
  - name: ghcr.io/example/project
    digest: sha256:"""
    + "0" * 64
    + "\n"
)

APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: project
spec:
  source:
    repoURL: https://github.com/example/project.git
    path: deploy/overlays/production
    targetRevision: main
"""

DVC_CONFIG = """\
[core]
    remote = storage
['remote "storage"']
    url = ~/.dvc-storage/p
"""

GOOD: dict[str, str] = {
    ".dvc/config": DVC_CONFIG,
    ".gitignore": "/.venv\n__pycache__/\n",
    ".dockerignore": ".git\n.venv\ndata/\n",
    "dvc.yaml": DVC_YAML,
    "params.yaml": "split:\n  test_size: 0.2\n",
    "gx/expectations/raw_data.json": SUITE,
    "mlgate.yaml": MLGATE_YAML,
    "src/project/evaluate.py": EVALUATE_PY,
    ".github/workflows/ci.yml": CI,
    ".github/workflows/release.yml": RELEASE,
    ".github/workflows/drift.yml": DRIFT,
    ".github/workflows/retrain.yml": RETRAIN,
    ".github/workflows/template.yml": TEMPLATE_UPDATE,
    ".github/CODEOWNERS": "* @team\n/mlgate.yaml @owners\n/.github/ @owners\n/deploy/ @owners\n",
    ".github/dependabot.yml": (
        "version: 2\nupdates:\n"
        + "".join(
            f"  - package-ecosystem: {e}\n    directory: /\n    schedule: {{interval: weekly}}\n"
            for e in ("pip", "github-actions", "docker")
        )
    ),
    "Dockerfile": DOCKERFILE,
    ".cruft.json": CRUFT_JSON,
    "deploy/base/kustomization.yaml": (
        "resources:\n  - deployment.yaml\n  - servicemonitor.yaml\n  - rules.yaml\n"
    ),
    "deploy/base/servicemonitor.yaml": SERVICE_MONITOR,
    "deploy/base/rules.yaml": ALERT_RULES,
    "deploy/base/deployment.yaml": DEPLOYMENT,
    "deploy/overlays/production/kustomization.yaml": OVERLAY,
    "deploy/argocd/application.yaml": APPLICATION,
}


def write_repo(root: Path, files: dict[str, str | bytes | None]) -> Path:
    """Write the files (None removes one from the set); returns root."""
    for relative, content in files.items():
        if content is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root
