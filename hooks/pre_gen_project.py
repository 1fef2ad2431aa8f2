"""Reject bad template answers before anything is written.

Runs inside cookiecutter (rendered by Jinja only to receive the answers as JSON), so it
uses the standard library alone. Each problem is one line naming the answer and what is
allowed; the first problem stops generation with exit 1 and cookiecutter removes the
half-made directory.
"""

from __future__ import annotations

import importlib.util
import json
import keyword
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

ANSWERS: dict = json.loads(r"""{{ cookiecutter | jsonify }}""")

TASKS = ["classification", "regression"]  # derived from the data set in cookiecutter.json
TASK_OF_DATASET = {
    "breast_cancer": "classification",
    "wine": "classification",
    "diabetes": "regression",
}

SLUG_LIMIT = 63  # a Kubernetes object name (DNS-1123 label)
SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MODULE = re.compile(r"^[a-z_][a-z0-9_]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Rejected(Exception):
    """An answer the template cannot use."""


def check_text(key: str, limit: int = 200) -> str:
    value = str(ANSWERS.get(key, ""))
    if not value.strip():
        raise Rejected(f"{key} is empty; give a value")
    if CONTROL.search(value):
        raise Rejected(f"{key} {value!r} contains a line break or control character")
    if '"' in value or "\\" in value:
        raise Rejected(f"{key} {value!r} contains a double quote or backslash; leave them out")
    if len(value) > limit:
        raise Rejected(f"{key} is {len(value)} characters long; at most {limit} are allowed")
    return value


def check_slug() -> None:
    slug = str(ANSWERS["project_slug"])
    if not SLUG.match(slug):
        raise Rejected(
            f"project_slug {slug!r} is not allowed: use lower-case letters, digits and single "
            "dashes, starting with a letter (e.g. 'churn-model')"
        )
    if len(slug) > SLUG_LIMIT:
        raise Rejected(
            f"project_slug is {len(slug)} characters long; at most {SLUG_LIMIT} are allowed "
            "(it names the image and the Kubernetes objects): give a shorter project_slug"
        )


def check_module() -> None:
    name = str(ANSWERS["module_name"])
    if not name.isidentifier() or not MODULE.match(name):
        raise Rejected(
            f"module_name {name!r} is not a Python identifier: use lower-case letters, digits "
            "and underscores, not starting with a digit (e.g. 'churn_model')"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise Rejected(f"module_name {name!r} is a Python keyword; choose another name")
    if name in sys.stdlib_module_names or name in {"tests", "test", "mlgate"}:
        raise Rejected(f"module_name {name!r} would shadow a module of that name; choose another")


def template_choices() -> dict[str, list[str]]:
    """The choices as cookiecutter.json lists them (listed once, there), and the task."""
    path = Path(ANSWERS["_repo_dir"]) / "cookiecutter.json"
    listed = json.loads(path.read_text(encoding="utf-8"))
    return {**{k: v for k, v in listed.items() if isinstance(v, list)}, "task": TASKS}


def check_choices() -> None:
    for key, allowed in template_choices().items():
        value = str(ANSWERS.get(key))
        if value not in allowed:
            raise Rejected(f"{key} {value!r} is not allowed; choose one of: {', '.join(allowed)}")
    dataset, task = ANSWERS["dataset"], ANSWERS["task"]
    expected = TASK_OF_DATASET.get(dataset)
    if expected and task != expected:
        raise Rejected(
            f"task {task!r} does not fit dataset {dataset!r}, which is a {expected} data set; "
            f"use task={expected} or dataset=custom"
        )


def check_email() -> None:
    email = str(ANSWERS["author_email"])
    if not EMAIL.match(email):
        raise Rejected(f"author_email {email!r} is not an email address (e.g. 'ada@example.com')")


def check_owner() -> None:
    owner = str(ANSWERS["github_owner"])
    if not GITHUB_OWNER.match(owner):
        raise Rejected(
            f"github_owner {owner!r} is not a GitHub user or organisation name: letters, digits "
            "and single dashes, at most 39 characters"
        )


def cron_problem(expression: str) -> str:
    """mlgate's own cron validator (hooks/cron.py links to it): one set of rules and words."""
    path = Path(ANSWERS["_repo_dir"]) / "hooks" / "cron.py"
    spec = importlib.util.spec_from_file_location("mlgate_template_cron", path)
    if spec is None or spec.loader is None:
        raise Rejected(f"the template is incomplete: {path} is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cron_problem(expression)


def check_schedule() -> None:
    expr = str(ANSWERS["drift_schedule"])
    problem = cron_problem(expr)
    if problem:
        raise Rejected(
            f"drift_schedule is not a valid cron expression: {problem} "
            "(five fields: minute hour day-of-month month day-of-week, e.g. '17 6 * * 1')"
        )


def check_mlgate_source() -> None:
    source = str(ANSWERS["mlgate_source"]).strip()
    if source == "pypi" or source.startswith(("git+", "https://", "http://", "file://")):
        return
    if source.startswith("/"):
        if not (Path(source) / "pyproject.toml").is_file():
            raise Rejected(f"mlgate_source {source!r}: no pyproject.toml in that directory")
        return
    raise Rejected(
        f"mlgate_source {source!r} is not allowed: give 'pypi', a pip URL "
        "(git+https://..., https://..., file:///...) or an absolute path to an mlgate checkout"
    )


CHECKS: list[Callable[[], object]] = [
    lambda: check_text("project_name", 100),
    check_slug,
    check_module,
    lambda: check_text("description", 300),
    lambda: check_text("author_name", 100),
    check_email,
    check_owner,
    check_choices,
    check_schedule,
    check_mlgate_source,
]


def main() -> int:
    if os.environ.get("MLGATE_RENDER_FOR_UPDATE"):
        return 0  # `mlgate update` re-renders answers that were checked when first rendered
    for check in CHECKS:
        try:
            check()
        except Rejected as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
