"""DOCKER: images run as non-root, services say when they are healthy, bases are pinned.

Every Dockerfile in the tree is checked (Dockerfile, Containerfile, Dockerfile.x, x.Dockerfile),
except that a dev container's image (under .devcontainer/) is a workstation, not a deployable:
it is held to pinning only.

One class per rule, as repo-review wants; the family is long because it has the most rules
after GHA.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ..model import Finding, NotApplicable, Severity
from ..repo import Repo
from .base import Rule

SERVERS = re.compile(
    r"\b(uvicorn|gunicorn|hypercorn|daphne|waitress-serve|granian|nginx|httpd|caddy|envoy|"
    r"flask\s+run|fastapi\s+run|streamlit\s+run|gradio|http\.server|mlflow\s+(server|models\s+serve)|"
    r"bentoml\s+serve|torchserve|tritonserver|serve|server)\b|0\.0\.0\.0|--port\b"
)
# Bases that set a non-root USER themselves, and bases known to run as root (Docker Hub's
# official images and the common language images): with neither, the checker cannot tell.
SERVER_BASES = re.compile(
    r"^(?:docker\.io/)?(?:library/)?(nginx|httpd|caddy|traefik|envoyproxy/envoy|tomcat|jetty|"
    r"haproxy|nginxinc/nginx-unprivileged)\b"
)
NONROOT_BASES = re.compile(
    r":(?:[\w.-]*-)?nonroot\b|^cgr\.dev/chainguard/(?!wolfi-base)[\w.-]+(?::(?![\w.]*-dev)\S*)?$|"
    r"^public\.ecr\.aws/lambda/|^gitpod/workspace-|/ubi\d+/(python|nodejs|ruby|php|perl)-\d+|"
    r"^registry\.access\.redhat\.com/ubi\d+/(python|nodejs)-"
)
ROOT_BASES = re.compile(
    r"^(?:docker\.io/|public\.ecr\.aws/docker/)?(?:library/)?(python|ubuntu|debian|alpine|node|golang|nginx|httpd|redis|"
    r"postgres|busybox|centos|fedora|rockylinux|almalinux|amazonlinux|rust|openjdk|"
    r"eclipse-temurin|amazoncorretto|ruby|php|perl|buildpack-deps|mongo|mysql|mariadb|"
    r"maven|gradle|node|bash|scratch|archlinux|oraclelinux|julia|r-base|haskell|erlang|elixir)"
    r"(?::\S*)?$|^gcr\.io/distroless/(?!.*nonroot)|^(?:nvidia/cuda|pytorch/pytorch|"
    r"tensorflow/tensorflow|continuumio/|condaforge/|mambaorg/micromamba:.*root|"
    r"ghcr\.io/astral-sh/uv|mcr\.microsoft\.com/|jupyter/)|^cgr\.dev/chainguard/(wolfi-base|\S*-dev$)"
)
ARG_REFERENCE = re.compile(r"\$\{(\w+)(?::?[-+]([^}]*))?\}|\$(\w+)")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str


@dataclass
class Stage:
    base: str  # the image or stage it is built FROM (ARGs resolved)
    written: str  # as written
    name: str
    line: int
    instructions: list[Instruction] = field(default_factory=list)


def instructions(text: str) -> list[Instruction]:
    """Dockerfile instructions with continuation lines joined (comments dropped)."""
    result: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        result.append(Instruction(start, keyword.upper(), args.strip()))
    if pending.strip():
        keyword, _, args = pending.strip().partition(" ")
        result.append(Instruction(start, keyword.upper(), args.strip()))
    return result


def stages(items: list[Instruction]) -> list[Stage]:
    """FROM by FROM, with the ARGs declared before the first FROM substituted."""
    arguments: dict[str, str] = {}
    found: list[Stage] = []
    for item in items:
        if item.keyword == "ARG" and not found:
            name, _, default = item.args.partition("=")
            arguments[name.strip()] = resolve(default.strip().strip("\"'"), arguments)
        elif item.keyword == "FROM":
            words = [w for w in item.args.split() if not w.startswith("--")]
            written = words[0] if words else ""
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else ""
            found.append(Stage(resolve(written, arguments), written, name, item.line))
        elif found:
            found[-1].instructions.append(item)
    return found


def resolve(text: str, arguments: dict[str, str]) -> str:
    """`${NAME}`, `$NAME` and `${NAME:-default}` from the ARG defaults; unknown stay as is."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if arguments.get(name):
            return arguments[name]
        return match.group(2) if match.group(2) is not None else match.group(0)

    return ARG_REFERENCE.sub(value, text)


def stages_of(repo: Repo, path: str) -> list[Stage] | None:
    """The Dockerfile's stages, parsed once per repository (None: it cannot be read)."""

    def parsed() -> list[Stage] | None:
        text = repo.read(path).text
        return stages(instructions(text)) if text is not None else None

    return repo.remember(("dockerfile", path), parsed)


def dockerfiles(repo: Repo) -> list[tuple[str, list[Stage]]]:
    return [
        (path, found) for path in repo.dockerfiles if (found := stages_of(repo, path)) is not None
    ]


def deployable(path: str) -> bool:
    return not path.startswith(".devcontainer/") and "/.devcontainer/" not in path


class DOCKER(Rule):
    family = "docker"
    part = "docker"


class DOCKER101(DOCKER):
    """Every Dockerfile can be read and builds FROM an image."""

    fix = "Fix the Dockerfile: a FROM first, UTF-8 text."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for path in repo.dockerfiles:
            found = stages_of(repo, path)
            if found is None:
                findings.append(Finding(f"{path} {repo.read(path).problem}", path))
            elif not found:  # every FROM starts a stage
                findings.append(Finding("no FROM instruction", path, 1))
        return findings


def _final_user(stages_: list[Stage]) -> tuple[str | None, int, str]:
    """(the user the last stage runs as, the line, its base image): USER of the stage or of a
    stage it builds on; "nonroot" for a base known to set one; None when no USER is set."""
    by_name = {stage.name: stage for stage in stages_ if stage.name}
    stage: Stage | None = stages_[-1]
    seen = set()
    while stage is not None and id(stage) not in seen:
        seen.add(id(stage))
        users = [i for i in stage.instructions if i.keyword == "USER"]
        if users:
            return users[-1].args.split(":")[0].strip(), users[-1].line, stage.base
        if NONROOT_BASES.search(stage.base):
            return "nonroot", stage.line, stage.base
        base = stage.base
        stage = by_name.get(stage.base.lower())
    return None, stages_[-1].line, base


def _named_dockerfile(repo: Repo, script: str, named: re.Match[str] | None) -> str | None:
    """The Dockerfile a build command's `-f` names: from the script's folder or the root."""
    if named is None:
        return None
    for folder in (posixpath.dirname(script), ""):
        candidate = posixpath.normpath(posixpath.join(folder, named.group(1)))
        if repo.exists(candidate):
            return candidate
    return None


def _user_of_local_base(repo: Repo, base: str, depth: int = 0) -> str | None:
    """The final USER of a base the repository builds from one of its own Dockerfiles."""
    source = locally_built(repo).get(base.split(":")[0].lower())
    found = stages_of(repo, source) if source and depth < 5 else None
    if not found:
        return None
    user, _, parent = _final_user(found)
    return user if user is not None else _user_of_local_base(repo, parent, depth + 1)


def _runnable(stages_: list[Stage]) -> bool:
    """Not an image that only carries files (`FROM scratch` with no CMD or ENTRYPOINT)."""
    last = stages_[-1]
    commands = any(i.keyword in ("CMD", "ENTRYPOINT") for i in last.instructions)
    return commands or last.base != "scratch"


class DOCKER102(DOCKER):
    """Every deployable image runs as a non-root user (a final USER that is not root or 0)."""

    requires = frozenset({"DOCKER101"})
    fix = "Create a user and end with `USER 10001` (numeric, so Kubernetes can verify it)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        for path, found in dockerfiles(repo):
            if not found or not deployable(path) or not _runnable(found):
                continue
            user, line, base = _final_user(found)
            if user is None:
                user = _user_of_local_base(repo, base)
            if user is None and ROOT_BASES.search(base):
                findings.append(
                    Finding(f"the final stage sets no USER and {base} runs as root", path, line)
                )
            elif user is None:
                findings.append(
                    Finding(
                        f"the final stage sets no USER: it runs as root unless its base "
                        f"{base} sets one (not a base the checker knows)",
                        path,
                        line,
                        severity=Severity.INFO,
                    )
                )
            elif user in ("root", "0", ""):
                findings.append(Finding(f"the last USER is {user or 'empty'}", path, line))
        return findings


class DOCKER103(DOCKER):
    """A service image (it EXPOSEs a port or starts a server) declares a HEALTHCHECK."""

    requires = frozenset({"DOCKER101"})
    fix = "Add `HEALTHCHECK CMD python -c ...` calling the service's /health."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings, services = [], 0
        for path, found in dockerfiles(repo):
            if not found or not deployable(path) or not _is_service(found[-1]):
                continue
            services += 1
            checks = [i for i in found[-1].instructions if i.keyword == "HEALTHCHECK"]
            if not checks:
                findings.append(
                    Finding("a service image with no HEALTHCHECK", path, found[-1].line)
                )
            elif checks[-1].args.upper().startswith("NONE"):
                findings.append(
                    Finding("HEALTHCHECK NONE switches the check off", path, checks[-1].line)
                )
        if not services:
            raise NotApplicable("no image is a service (none EXPOSEs a port or starts a server)")
        return findings


def is_service_image(repo: Repo, path: str) -> bool:
    """A deployable Dockerfile whose final stage serves (EXPOSE, a server command)."""
    found = stages_of(repo, path)
    return bool(found) and deployable(path) and _is_service(found[-1])


def _is_service(stage: Stage) -> bool:
    """It starts a server, or EXPOSEs a port and starts something (or its base is a server:
    an EXPOSE with no command of its own on another base is a preview or a build image)."""
    commands = [i for i in stage.instructions if i.keyword in ("CMD", "ENTRYPOINT")]
    if any(SERVERS.search(item.args) for item in commands):
        return True
    exposes = any(item.keyword == "EXPOSE" for item in stage.instructions)
    return exposes and (bool(commands) or bool(SERVER_BASES.search(stage.base)))


class DOCKER104(DOCKER):
    """Every base image (FROM, COPY --from) is pinned: a tag other than `latest`, or a digest."""

    requires = frozenset({"DOCKER101"})
    fix = "Write `FROM python:3.11-slim-bookworm` (or `@sha256:...`), never a bare or latest tag."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        local = set(locally_built(repo))
        for path, found in dockerfiles(repo):
            names = {stage.name for stage in found if stage.name} | local
            for index, stage in enumerate(found):
                problem = _unpinned(stage.base, names, index)
                if problem:
                    severity = Severity.WARNING if "$" in stage.base else None
                    findings.append(
                        Finding(
                            f"FROM `{stage.written}` {problem}", path, stage.line, severity=severity
                        )
                    )
                for item in stage.instructions:
                    source = _copied_from(item)
                    if source is None:
                        continue
                    problem = _unpinned(source, names, index)
                    if problem:
                        findings.append(
                            Finding(f"{item.keyword} --from={source} {problem}", path, item.line)
                        )
        return findings


BUILD = re.compile(r"\b(?:docker|podman|buildah)\s+(?:buildx\s+)?(?:build|bud)\b[^\n]*")
TAG = re.compile(r"(?:^|\s)(?:-t|--tag)[= ]([\w./-]+)")
FILE = re.compile(r"(?:^|\s)(?:-f|--file)[= ](\S+)")


def locally_built(repo: Repo) -> dict[str, str | None]:
    """Images the repository builds itself (`docker build --tag NAME [-f FILE]` in a script,
    Makefile or workflow): NAME -> the Dockerfile, when the command names one. A later
    `FROM NAME:latest` is that build, not a moving tag of a registry."""
    return repo.remember("locally_built", lambda: _locally_built(repo))


def _locally_built(repo: Repo) -> dict[str, str | None]:
    names: dict[str, str | None] = {}
    for path in repo.files:
        name = path.rsplit("/", 1)[-1]
        if not (name.endswith((".sh", ".mk", ".yml", ".yaml")) or name in ("Makefile", "makefile")):
            continue
        raw = repo.read(path, keep=False).text or ""
        if not any(tool in raw for tool in ("docker", "podman", "buildah")):
            continue  # most YAML files (CRDs, manifests) never build an image
        text = raw.replace("\\\n", " ")  # continued lines as one
        for command in BUILD.findall(text):
            where = _named_dockerfile(repo, path, FILE.search(command))
            for tag in TAG.findall(command):
                names[tag.split(":")[0].lower()] = where
    return names


def _copied_from(item: Instruction) -> str | None:
    if item.keyword == "COPY":
        match = re.search(r"--from=(\S+)", item.args)
        return match.group(1) if match else None
    if item.keyword == "RUN":
        match = re.search(r"--mount=\S*\bfrom=([^,\s]+)", item.args)
        return match.group(1) if match else None
    return None


def _unpinned(image: str, stage_names: set[str], before: int) -> str:
    """Why `image` is not pinned ("" when it is, or when it names an earlier stage)."""
    if not image:
        return "has no image"
    if image.lower() in stage_names or image.split(":")[0].lower() in stage_names:
        return ""  # an earlier stage, or an image this repository builds
    if image == "scratch" or re.search(r"@(sha256:|\$)", image):
        return ""  # an earlier stage, nothing, or a digest (possibly from a build argument)
    if image.isdigit() and int(image) <= before:
        return ""  # a stage by index
    if "$" in image:
        return "comes from a build argument with no default: pass a pinned value when building"
    tag = re.sub(r"^.*/", "", image).partition(":")[2]
    if not tag:
        return "is not pinned to a tag"
    if tag == "latest":
        return "is pinned to `latest`, which moves"
    return ""


class DOCKER105(DOCKER):
    """.dockerignore keeps .git, the virtualenv and the data out of each build context."""

    requires = frozenset({"DOCKER101"})
    fix = "Add `.git`, `.venv` and `data/` to .dockerignore (or start it with `*`, then `!src/`)."

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        findings = []
        shared: dict[str, tuple[list[str], set[str]]] = {}  # .dockerignore -> (wanted, read)
        for path, found in dockerfiles(repo):
            if not found or not deployable(path) or not _copies_context(found):
                continue  # nothing of the build context reaches the image
            context = build_context(repo, path, found)
            ignore_path = _ignore_file(repo, path, context)
            wanted = _unwanted(repo, context)
            read = {name for name in wanted if _uses(found, name)}
            if ignore_path is None:
                if missing := [w for w in wanted if w not in read]:
                    findings.append(
                        Finding(
                            f"no .dockerignore keeps {', '.join(missing)} out of the build "
                            f"context ({context or 'the repository root'})",
                            path,
                            1,
                        )
                    )
                continue
            before = shared.setdefault(ignore_path, (wanted, set()))
            before[1].update(read)
        for ignore_path, (wanted, read) in shared.items():
            patterns = (repo.read(ignore_path).text or "").splitlines()
            missing = [n for n in wanted if n not in read and not docker_ignored(patterns, n)]
            if missing:
                findings.append(Finding(f"does not exclude {', '.join(missing)}", ignore_path, 1))
        return findings


def _copies_context(found: list[Stage]) -> bool:
    return any(
        item.keyword in ("COPY", "ADD") and "--from=" not in item.args
        for stage in found
        for item in stage.instructions
    )


def _uses(found: list[Stage], name: str) -> bool:
    """The build itself reads it (`RUN --mount=source=.git`, `COPY .git`)."""
    pattern = re.compile(rf"(source=|^|\s)\.?/?{re.escape(name)}(/|\s|,|$)")
    return any(
        pattern.search(item.args)
        for stage in found
        for item in stage.instructions
        if item.keyword in ("COPY", "ADD", "RUN")
    )


def build_context(repo: Repo, dockerfile: str, found: list[Stage]) -> str:
    """The folder a Dockerfile is built from: its own, unless what it COPYs is only found
    from the repository root (`docker build -f sub/Dockerfile .`)."""
    folder = posixpath.dirname(dockerfile)
    if not folder:
        return ""
    for stage in found:
        for item in stage.instructions:
            if item.keyword not in ("COPY", "ADD") or "--from=" in item.args:
                continue
            words = [w for w in item.args.split() if not w.startswith("--")]
            for source in words[:-1]:
                source = source.strip("\"'[],")
                if not source or "*" in source or "$" in source or "://" in source:
                    continue
                source = source.rstrip("/")
                if repo.exists(posixpath.join(folder, source)):
                    return folder
                if repo.exists(source):
                    return ""
    return folder


def _ignore_file(repo: Repo, dockerfile: str, context: str) -> str | None:
    for candidate in (f"{dockerfile}.dockerignore", posixpath.join(context, ".dockerignore")):
        if repo.exists(candidate):
            return candidate
    return None


def _unwanted(repo: Repo, context: str) -> list[str]:
    """What a build context holds that must not reach the image: .git (a context at the
    root), a virtualenv (a Python project whose .gitignore names one), DVC's data/."""
    wanted = [".git"] if context == "" else []
    project = any(
        repo.exists(posixpath.join(context, name))
        for name in ("pyproject.toml", "setup.py", "uv.lock")
    )
    ignored = "\n".join(
        repo.read(posixpath.join(folder, ".gitignore")).text or "" for folder in {"", context}
    )
    if project and re.search(r"^/?\.?venv/?\s*$", ignored, re.MULTILINE):
        wanted.append(".venv")
    versioned = repo.exists("dvc.yaml") or repo.is_dir(".dvc")  # data/ is DVC's, not the app's
    if versioned and repo.is_dir(posixpath.join(context, "data")):
        wanted.append("data")
    return wanted


def docker_ignored(patterns: list[str], path: str) -> bool:
    """Docker's rule: patterns in order, `!` re-includes, the last match wins; a pattern that
    matches a parent folder excludes what is in it."""
    excluded = False
    for raw in patterns:
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = posixpath.normpath(pattern.lstrip("!").strip().lstrip("/")).rstrip("/")
        if _docker_match(pattern, path):
            excluded = not negated
    return excluded


def _docker_match(pattern: str, path: str) -> bool:
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    regex = _docker_regex(pattern)
    return any(regex.fullmatch(candidate) for candidate in candidates)


def _docker_regex(pattern: str) -> re.Pattern[str]:
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            if pattern.startswith("/", index):
                out[-1] = "(?:.*/)?"
                index += 1
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char)))
        index += 1
    return re.compile("".join(out))
