"""A template that moves on, and projects rendered from it: the scratch lab of the template
update tests (test_update*.py). The template is this repository's, committed into a scratch git
repository (commit "A"); projects are rendered from it with `mlgate new` and committed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from support import REPO_ROOT, run_mlgate

SLUG = "{{cookiecutter.project_slug}}"
IDENTITY = ["-c", "user.name=Ada", "-c", "user.email=ada@example.com"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout.strip()


def template_repo(folder: Path) -> Path:
    """This repository's template as a git repository of its own, at commit "A"."""
    from mlgate.new import clean_copy

    repo = clean_copy(REPO_ROOT, folder)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "A")
    return repo


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def template_moves_on(template: Path) -> str:
    inner = template / SLUG
    edit(inner / ".github/workflows/drift.yml", "timeout-minutes: 60", "timeout-minutes: 45")
    with (inner / "Makefile").open("a", encoding="utf-8") as makefile:
        makefile.write("\nhello: ## a target the template added\n\t@echo hello\n")
    (inner / "NEWS.md").write_text("# What changed in the template\n")
    git(template, "rm", "--quiet", f"{SLUG}/ruff.toml")
    lines = (inner / "README.md").read_text().splitlines(keepends=True)
    (inner / "README.md").write_text("# {{ cookiecutter.project_name }}, by mlgate\n"
                                     + "".join(lines[1:]))  # fmt: skip
    with (inner / "LICENSE").open("a", encoding="utf-8") as license_:
        license_.write("\nA line the template added.\n")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "-m", "B")
    return git(template, "rev-parse", "HEAD")


def committed_render(template: Path, out: Path, home: Path, slug: str, *answers: str) -> Path:
    """A project rendered from the template with these answers, as its first commit."""
    done = run_mlgate(home, "new", "--no-input", "--template", str(template), "-o", str(out),
                      f"project_slug={slug}", "git_init=no", "mlgate_source=pypi",
                      *answers)  # fmt: skip
    assert done.returncode == 0, done.stderr
    project = out / slug
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Rendered")
    return project


def commit_template(template: Path, message: str) -> str:
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "-m", message)
    return git(template, "rev-parse", "HEAD")
