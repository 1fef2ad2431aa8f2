"""`mlgate new`: a thin wrapper over cookiecutter that renders this repository's template.

It adds four things cookiecutter does not do: it finds the template (bundled in the wheel
or in the source checkout), it refuses answers to prompts that do not exist (cookiecutter
silently ignores a misspelt key), it makes the project install the mlgate that rendered it
(mlgate_source, unless given), and it turns every failure into one clear line.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import FAIL, PASS, CouldNotCheck, require
from .io.pairs import key_values

TEMPLATE_PARTS = ("cookiecutter.json", "hooks", "{{cookiecutter.project_slug}}")
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache", ".pytest_cache", ".DS_Store")


def clean_copy(template: Path, dest: Path) -> Path:
    """Copy just the template's parts, without caches that tools leave in a checkout.

    A `.ruff_cache` or `__pycache__` inside the template folder would otherwise be rendered
    into every project (or break rendering, being binary).
    """
    dest.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        source = template / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=JUNK)
        else:
            shutil.copy2(source, dest / part)
    return dest


def bundled_template() -> Path:
    """The template shipped in the wheel, or the checkout this package was installed from."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "template", here.parent.parent):
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise CouldNotCheck("no bundled template found; pass --template PATH_OR_URL")


class BadAnswer(Exception):
    """An answer the template cannot take; reported like the template's own hook does."""


def parse_answers(pairs: list[str]) -> dict[str, str]:
    try:
        return key_values(pairs)
    except ValueError as exc:
        raise BadAnswer(f"answer {exc}") from None


# what cookiecutter reads as a yes/no answer (its YesNoPrompt), any case
YES_NO = {"1", "true", "t", "yes", "y", "on", "0", "false", "f", "no", "n", "off"}


def check_answers(template: Path, answers: dict[str, str]) -> None:
    """Unknown keys, choices outside the menu, a yes/no answer that is neither and an empty
    directory name, said before rendering.

    The template's pre-generation hook checks every answer, but cookiecutter stops on these
    before the hook runs (or, for an unknown key, not at all), with its own words.
    """
    spec_path = template / "cookiecutter.json"
    if not spec_path.is_file():
        return  # a remote template: cookiecutter and its hooks will judge
    spec: dict[str, Any] = json.loads(spec_path.read_text(encoding="utf-8"))
    prompts = [k for k in spec if not k.startswith("_")]
    for key, value in answers.items():
        if key not in spec or key.startswith("_"):
            raise BadAnswer(f"unknown prompt {key!r}; the prompts are: {', '.join(prompts)}")
        if isinstance(spec[key], list) and value not in spec[key]:
            allowed = ", ".join(map(str, spec[key]))
            raise BadAnswer(f"{key} {value!r} is not allowed; choose one of: {allowed}")
        if isinstance(spec[key], bool) and value.strip().lower() not in YES_NO:
            raise BadAnswer(f"{key} {value!r} is not allowed; answer yes or no")
        if key == "project_slug" and not value.strip():
            raise BadAnswer("project_slug is empty; give a value")


def render(
    *, extra: list[str], no_input: bool, output_dir: str, template: str | None, overwrite: bool
) -> int:
    require("cookiecutter", "new")
    # cookiecutter logs a failed hook with a traceback; the hook's own line says it all.
    logging.getLogger("cookiecutter").addHandler(logging.NullHandler())

    location = template or str(bundled_template())
    origin = template_origin(location, given=template is not None)
    with tempfile.TemporaryDirectory(prefix="mlgate-template-") as tmp, recorded(origin):
        if all(Path(location, part).exists() for part in TEMPLATE_PARTS):
            location = str(clean_copy(Path(location), Path(tmp) / "mlgate"))
        return _render(location, extra, no_input, output_dir, overwrite)


REPOSITORY = "https://github.com/mlgate/mlgate"
HEX = frozenset("0123456789abcdef")
ORIGIN_KEYS = ("MLGATE_TEMPLATE_ORIGIN", "MLGATE_TEMPLATE_COMMIT", "MLGATE_TEMPLATE_CHECKOUT")


def template_origin(location: str, *, given: bool) -> dict[str, str]:
    """Where the template comes from, for the project's .cruft.json: the template's location
    and commit when it is a git checkout (its origin URL when the commit is pushed there, else
    the local path), the location as given when it is a
    URL (cookiecutter clones it: the hook reads the clone), else the public repository at this
    version's tag (a wheel holds no git history)."""
    path = Path(location)
    if path.is_dir():
        commit = _git_head(path)
        if commit:
            where = _published(path, commit) or str(path.resolve())
            return {"MLGATE_TEMPLATE_ORIGIN": where, "MLGATE_TEMPLATE_COMMIT": commit}
        if given:
            return {"MLGATE_TEMPLATE_ORIGIN": str(path.resolve())}
        return {"MLGATE_TEMPLATE_ORIGIN": REPOSITORY,
                "MLGATE_TEMPLATE_COMMIT": release_ref(metadata.version("mlgate"))}  # fmt: skip
    return {}  # a URL: cookiecutter's own clone is what the hook reads


def release_ref(version: str) -> str:
    """The template's git ref a wheel of `version` was built from: the commit hatch-vcs wrote
    into a development version (0.3.1.dev4+g1a2b3c4d), else the release's tag (v0.3.0)."""
    public, _, local = version.partition("+")
    for part in local.split("."):
        if len(part) >= 8 and part[0] == "g" and all(c in HEX for c in part[1:]):
            return part[1:]
    return f"v{public}"


def _published(path: Path, commit: str) -> str | None:
    """The checkout's `origin` URL (without credentials) when `commit` is on one of its remote
    branches: a workflow can reach that, not a folder on the machine that rendered."""
    import subprocess

    from .io.git import URL_CREDENTIALS
    from .io.template_repo import is_remote

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True,
                              check=False)  # fmt: skip
        return done.stdout.strip() if done.returncode == 0 else ""

    url = git("config", "--get", "remote.origin.url")
    if not url or not is_remote(url) or not git("branch", "-r", "--contains", commit):
        return None
    return URL_CREDENTIALS.sub(r"\1", url)


def _git_head(path: Path) -> str | None:
    """HEAD of the git repository whose top is `path` (not of one it merely sits in, such as
    a project that holds a virtual environment with mlgate's wheel)."""
    if shutil.which("git") is None:
        return None
    import subprocess

    found = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--show-toplevel", "HEAD"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = found.stdout.split()
    if found.returncode != 0 or len(lines) != 2 or Path(lines[0]) != path.resolve():
        return None
    return lines[1]


@contextmanager
def recorded(origin: dict[str, str]) -> Iterator[None]:
    """The origin in the environment the template's hook runs in, for this render only."""
    import os

    keys = [*ORIGIN_KEYS, "MLGATE_RENDER_FOR_UPDATE"]
    saved = {key: os.environ.pop(key, None) for key in keys}  # none inherited from a caller
    os.environ.update(origin)
    try:
        yield
    finally:
        for key in origin:
            os.environ.pop(key, None)
        os.environ.update({key: value for key, value in saved.items() if value is not None})


@contextmanager
def private_tempdir() -> Iterator[None]:
    """cookiecutter writes each hook to a temporary file it never deletes: two files left in
    the system temp folder per render (and every Python started there lists that folder when
    it imports, so a full one slows each hook). Give it a folder of its own, removed after."""
    previous = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="mlgate-hooks-") as scratch:
        tempfile.tempdir = scratch
        try:
            yield
        finally:
            tempfile.tempdir = previous


def installed_source() -> str:
    """Where this mlgate was installed from (PEP 610's direct_url.json), as an mlgate_source
    answer, so a project rendered by it installs the same mlgate: a checkout's path, a git URL
    at the installed commit, a file URL, or the package index."""
    try:
        recorded = metadata.distribution("mlgate").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        recorded = None
    try:
        origin = json.loads(recorded) if recorded else {}
    except ValueError:
        origin = {}  # unreadable: as if installed from the index
    url = str(origin.get("url", ""))
    if not url:
        return "pypi"
    if vcs := origin.get("vcs_info"):
        at = f"@{vcs['commit_id']}" if vcs.get("commit_id") else ""
        sub = f"#subdirectory={origin['subdirectory']}" if origin.get("subdirectory") else ""
        return f"{vcs.get('vcs', 'git')}+{url}{at}{sub}"
    if "dir_info" in origin and url.startswith("file://"):
        return unquote(urlsplit(url).path)
    return url


def _render(
    location: str, extra: list[str], no_input: bool, output_dir: str, overwrite: bool
) -> int:
    from cookiecutter.exceptions import CookiecutterException, FailedHookException
    from cookiecutter.main import cookiecutter

    try:
        answers = parse_answers(extra)
        check_answers(Path(location), answers)
        answers.setdefault("mlgate_source", installed_source())
    except BadAnswer as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAIL
    try:
        with private_tempdir():
            project = cookiecutter(
                location,
                no_input=no_input,
                extra_context=answers,
                output_dir=output_dir,
                overwrite_if_exists=overwrite,
            )
    except FailedHookException:
        # The hook already printed the reason on stderr; nothing was left behind.
        print("mlgate new: the template rejected an answer (see above)", file=sys.stderr)
        return FAIL
    except (CookiecutterException, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAIL
    print(project)
    return PASS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("extra", nargs="*", metavar="key=value", help="answers to template prompts")
    parser.add_argument("--no-input", action="store_true", help="do not prompt; use defaults")
    parser.add_argument("-o", "--output-dir", default=".", help="where to create the project")
    parser.add_argument("--template", help="template location (default: the bundled template)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the project directory if it exists"
    )


def run(args: argparse.Namespace) -> int:
    return render(
        extra=args.extra, no_input=args.no_input, output_dir=args.output_dir,
        template=args.template, overwrite=args.overwrite,
    )  # fmt: skip
