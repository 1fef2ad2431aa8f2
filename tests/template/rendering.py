"""Render the template the way users do, and describe what a render must contain."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from renders import render
from support import REPO_ROOT

CHOICES = ("dataset", "model", "dvc_remote", "deploy", "python_version", "license")


def template_choices() -> dict[str, list[str]]:
    """The template's choice prompts, with their values as cookiecutter.json lists them."""
    data = json.loads((REPO_ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    return {key: list(data[key]) for key in CHOICES}


def tasks_of(dataset: str) -> list[str]:
    """Your own data takes either task; a sample data set, the one the template's `task`
    default gives it (the pre-gen hook refuses any other)."""
    if dataset == "custom":
        return ["classification", "regression"]
    from jinja2 import Template

    data = json.loads((REPO_ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    return [Template(data["task"]).render(cookiecutter={"dataset": dataset})]


def _answers(dataset_task: tuple[str, str], *rest: str) -> dict[str, str]:
    dataset, task = dataset_task
    model, remote, deploy, python, license_ = rest
    return {
        "dataset": dataset,
        "task": task,
        "model": model,
        "dvc_remote": remote,
        "deploy": deploy,
        "python_version": python,
        "license": license_,
    }


def _factors() -> list[list[Any]]:
    """One factor per choice; the data set and its task are one (the task follows the data)."""
    choices = template_choices()
    dataset_tasks = [(d, t) for d in choices.pop("dataset") for t in tasks_of(d)]
    return [dataset_tasks, *choices.values()]


def all_combinations() -> Iterator[dict[str, str]]:
    """Every valid combination of the choice prompts (1,440 today)."""
    for values in itertools.product(*_factors()):
        yield _answers(*values)


def covering_combinations() -> list[dict[str, str]]:
    """Every pair of answers at least once (allpairspy), the default answers first: two
    options interact through the files they both write, and no file reads three of them."""
    from allpairspy import AllPairs

    return [_answers(*row) for row in AllPairs(_factors())]


COMBINATIONS = covering_combinations()


def combination_id(answers: dict[str, str]) -> str:
    keys = ("dataset", "task", "model", "dvc_remote", "deploy", "python_version", "license")
    return "-".join(answers[k] for k in keys)


def render_one(args: tuple[Path, dict[str, str]]) -> Path:
    """One render in a worker process (a process pool renders a list of answers)."""
    output, answers = args
    # a short slug (Kubernetes names allow 63 characters): bre-cla-ran-loc-kub-311-mit
    slug = "-".join(value.lower().replace(".", "")[:3] for value in answers.values())
    return render(output, project_name=slug, **answers)


COMMON_FILES = {
    ".cruft.json",
    ".dockerignore",
    ".github/CODEOWNERS",
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/drift.yml",
    ".github/workflows/release.yml",
    ".github/workflows/retrain.yml",
    ".github/workflows/template.yml",
    ".pre-commit-config.yaml",
    "Dockerfile",
    ".dvc/.gitignore",
    ".dvc/config",
    ".dvcignore",
    ".gitignore",
    "LICENSE",
    "Makefile",
    "mlgate.yaml",
    "README.md",
    "dvc.yaml",
    "params.yaml",
    "roles.yaml",
    "pyproject.toml",
    "ruff.toml",
    "src/{module}/__init__.py",
    "src/{module}/data.py",
    "src/{module}/evaluate.py",
    "src/{module}/features.py",
    "src/{module}/params.py",
    "src/{module}/serve.py",
    "src/{module}/train.py",
    "src/{module}/windows.py",
    "tests/conftest.py",
    "tests/project_modules.py",
    "tests/test_data.py",
    "tests/test_data_suite.py",
    "tests/test_evaluate.py",
    "tests/test_features.py",
    "tests/test_serve.py",
    "tests/test_train.py",
    "tests/test_windows.py",
}


DEPLOY_FILES = {
    "deploy/argocd/application.yaml",
    "deploy/base/deployment.yaml",
    "deploy/base/kustomization.yaml",
    "deploy/base/service.yaml",
    "deploy/monitoring/kustomization.yaml",
    "deploy/monitoring/prometheus-rules.yaml",
    "deploy/monitoring/servicemonitor.yaml",
    "deploy/overlays/production/kustomization.yaml",
}


def expected_files(answers: dict[str, str], module: str) -> set[str]:
    """The exact file set a render must have for these answers."""
    files = {f.format(module=module) for f in COMMON_FILES}
    if answers["dataset"] != "custom":
        files.add("gx/expectations/raw_data.json")
    if answers["deploy"] != "none":
        files |= DEPLOY_FILES
    return files


def rendered_files(project: Path) -> set[str]:
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }


def module_of(project: Path) -> str:
    return next((project / "src").iterdir()).name


def normalised(project: Path, names: Iterable[str]) -> str:
    """These files of a render, their paths and texts, with the render's own names (slug and
    module, which differ between test renders) replaced by SLUG and MODULE."""
    text = "\n".join(
        f"--- {name}\n" + (project / name).read_text(encoding="utf-8") for name in sorted(names)
    )
    return text.replace(project.name, "SLUG").replace(module_of(project), "MODULE")


def distinct_renders(projects: Iterable[Path], names: Iterable[str]) -> list[Path]:
    """One project per distinct normalised text of these files, in the order given."""
    names = sorted(names)
    found: dict[str, Path] = {}
    for project in projects:
        key = hashlib.sha256(normalised(project, names).encode()).hexdigest()
        found.setdefault(key, project)
    return list(found.values())
