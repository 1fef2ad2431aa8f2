"""What a workflow executes, and what a program's failure does to the check that runs it.

Rules about wiring (the PR gate, the release gate, the drift schedule) ask what a job does, not
what its text says. This module expands each job through local reusable workflows
(`jobs.<id>.uses: ./.github/workflows/x.yml`) and local composite actions (`uses: ./path`),
reads every `run:` script with the shell analysis (`shell.judge`, with Makefiles and scripts of
the repository followed), and evaluates `if:` and `continue-on-error` for an event with the
expression evaluator (unknown values stay unknown). `obligations` lists what stops a program's
failure from failing the check: each is an error when it is proven, a warning when it could not
be proven either way.

Its size (~540 lines) is one expansion (reusable workflows, composite actions, conditions)
whose parts call each other.
"""

from __future__ import annotations

import functools
import itertools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import makefile
from .gha_expressions import Contexts, ExpressionError, Partial, Status, decide
from .model import Severity
from .repo import Repo, Workflow, action_name, run_text, uses_text
from .shell import GITHUB_VALUE, UNKNOWN_PART, Fate, MakeRun, Shell, Verdict, judge
from .yaml_lines import line_in_value, line_of

MAX_NESTING = 5
MAX_MAKE_CHOICES = 50  # targets an unknown `make build-$X` may be, before giving up
MLGATE = re.compile(r"\bmlgate\b")
PUSHERS = re.compile(r"\b(docker|podman|buildah|nerdctl|crane|skopeo|ko)\b")
PR_TYPES = {"opened", "synchronize", "reopened"}  # the default types; the gate needs all three


@dataclass(frozen=True)
class Site:
    """One step as a job runs it: the file that holds it and how the job gets there."""

    workflow: Workflow  # the workflow started by the event
    job_name: str  # as shown: "caller/called" through a reusable workflow
    jobs: tuple[tuple[Workflow, str, dict[str, Any]], ...]  # outermost job first
    holder: Workflow  # the workflow or action file that holds the step
    step: dict[str, Any]
    index: int  # position among the job's expanded steps
    callers: tuple[tuple[Workflow, dict[str, Any]], ...] = ()  # `uses: ./action` steps, outer first

    @property
    def job(self) -> dict[str, Any]:
        return self.jobs[-1][2]

    def line(self, key: str | None = None) -> int | None:
        return line_of(self.step, key)


@dataclass(frozen=True)
class Run:
    site: Site
    verdict: Verdict
    line: int | None


@dataclass(frozen=True)
class Obligation:
    """Something that stops a program's failure from failing the check (or may)."""

    severity: Severity  # ERROR: proven; WARNING: could not be proven
    message: str
    path: str
    line: int | None


@dataclass
class RepoResolver:
    """Scripts and Makefiles of the repository, from a step's working directory."""

    repo: Repo
    directory: str = ""

    def _path(self, relative: str) -> str | None:
        if relative.startswith(("/", "~", "$")):
            return None
        joined = posixpath.normpath(posixpath.join(self.directory, relative))
        return None if joined.startswith("..") else joined

    def script(self, path: str) -> str | None:
        """A script file of the repository; a path that starts with a variable
        (`${ROOT}/x.sh`) is looked up by what follows it, when one file ends that way."""
        if path.startswith("$"):
            tail = re.sub(r"^(\$\{?\w+\}?/)+", "", path)
            found = self._by_name().get(tail.rsplit("/", 1)[-1], [])
            found = [f for f in found if f == tail or f.endswith("/" + tail)]
            return self.repo.read(found[0]).text if len(found) == 1 and "$" not in tail else None
        relative = self._path(path)
        return self.repo.read(relative).text if relative else None

    def _by_name(self) -> dict[str, list[str]]:
        def index() -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for path in self.repo.files:
                found.setdefault(path.rsplit("/", 1)[-1], []).append(path)
            return found

        return self.repo.remember("files_by_name", index)

    def within(self, directory: str) -> RepoResolver:
        folder = self._path(directory or ".")
        return RepoResolver(self.repo, folder or self.directory)

    def mentions(self, script: str, mention: re.Pattern[str], depth: int = 0) -> bool:
        """Does a script file or Makefile the script may start (or one they start) mention
        the program? Remembered per script: the same steps are judged for every part."""
        key = ("mentions", self.directory, script, mention.pattern, depth)
        return self.repo.remember(key, lambda: self._mentions(script, mention, depth))

    def _mentions(self, script: str, mention: re.Pattern[str], depth: int) -> bool:
        candidates = [
            w for w in re.findall(r"[\w./${}-]+", script) if "/" in w or w.endswith(".sh")
        ]
        if re.search(r"\bg?make\b", script):
            folders = re.findall(r"-C\s*(\S+)|--directory=(\S+)", script)
            for folder in ["", *(a or b for a, b in folders)]:
                candidates += [
                    posixpath.join(folder, n) for n in ("GNUmakefile", "makefile", "Makefile")
                ]
        for candidate in candidates:
            text = self.script(candidate)
            if text is None:
                continue
            if self._text_mentions(text, mention) or (
                depth < 2 and self.mentions(text, mention, depth + 1)
            ):
                return True
        return False

    def _text_mentions(self, text: str, mention: re.Pattern[str]) -> bool:
        key = ("mentioned", text, mention.pattern)
        return self.repo.remember(key, lambda: mention.search(text) is not None)

    def makefile(self, path: str) -> makefile.Makefile | None:
        def parsed() -> makefile.Makefile | None:
            text = self.repo.read(path).text
            return makefile.parse(text) if text is not None else None

        return self.repo.remember(("makefile", path), parsed)

    def make(self, args: list[str]) -> MakeRun | None:
        rest, directory, file, ignore_all, dry = makefile.split_args(args)
        if dry:
            return MakeRun([])
        parsed = self._makefile_for(directory, file)
        return (
            None
            if parsed is None
            else makefile.run(parsed, rest, ignore_errors=ignore_all, directory=directory or "")
        )

    def make_choices(self, args: list[str]) -> tuple[list[MakeRun], bool] | None:
        rest, directory, file, ignore_all, dry = makefile.split_args(args)
        if dry:
            return [MakeRun([])], True
        if any(UNKNOWN_PART.search(value or "") for value in (directory, file)):
            return None
        parsed = self._makefile_for(directory, file)
        if parsed is None:
            return None
        values = [
            UNKNOWN_PART.sub(GITHUB_VALUE, a) for a in rest if "=" in a.split("$", 1)[0]
        ]  # `VAR=$x`: the recipe sees a word only the run knows
        targets = [a for a in rest if "=" not in a.split("$", 1)[0]]
        options: list[list[str]] = []
        for target in targets:
            if not UNKNOWN_PART.search(target):
                options.append([target])
                continue
            pattern = re.compile(
                ".*".join(re.escape(part) for part in UNKNOWN_PART.split(target)) + "$"
            )
            options.append([rule for rule in parsed.rules if pattern.match(rule)])
        combinations = list(itertools.islice(itertools.product(*options), MAX_MAKE_CHOICES + 1))
        if len(combinations) > MAX_MAKE_CHOICES:
            return None
        exact = not any(UNKNOWN_PART.search(t) for t in targets)  # one run: only values
        runs = [
            makefile.run(
                parsed, [*values, *chosen], ignore_errors=ignore_all, directory=directory or ""
            )
            for chosen in combinations
        ]
        return runs, exact

    def _makefile_for(self, directory: str | None, file: str | None) -> makefile.Makefile | None:
        folder = self._path(directory or ".")
        if folder is None:
            return None
        for name in [file] if file else ["GNUmakefile", "makefile", "Makefile"]:
            parsed = self.makefile(posixpath.normpath(posixpath.join(folder, name)))
            if parsed is not None:
                return parsed
        return None


def event_contexts(event: str, *, failed: bool = False) -> Contexts:
    """What is known before a run started by `event`: its name, little else."""
    github = Partial(event_name=event)
    return Contexts(Partial(github=github), Status(failed=failed))


def condition(value: Any, contexts: Contexts) -> bool | None:
    """An `if:` for this event: True runs, False skips, None cannot tell."""
    try:
        return decide(value, contexts)
    except (ExpressionError, TypeError, ValueError, KeyError, IndexError):
        return None


def jobs_of(
    repo: Repo, workflow: Workflow
) -> list[tuple[str, tuple[tuple[Workflow, str, dict[str, Any]], ...]]]:
    """(shown name, chain of (workflow, job id, job)) for every job the workflow runs,
    local reusable workflows expanded."""
    found: list[tuple[str, tuple[tuple[Workflow, str, dict[str, Any]], ...]]] = []

    def visit(current: Workflow, prefix: str, chain: tuple, depth: int) -> None:
        for name, job in current.jobs.items():
            link = (*chain, (current, name, job))
            uses = uses_text(job)
            if uses.startswith("./") and depth < MAX_NESTING:
                called = repo.workflow_at(uses)
                if called is not None and called is not current:
                    visit(called, f"{prefix}{name}/", link, depth + 1)
                    continue
            found.append((prefix + name, link))

    visit(workflow, "", (), 0)
    return found


def sites(repo: Repo, workflow: Workflow) -> list[Site]:
    """Every step every job of the workflow runs, composite actions expanded (once per
    workflow: every predicate and several rules walk them)."""
    return repo.remember(("sites", workflow.path), lambda: _sites(repo, workflow))


def _sites(repo: Repo, workflow: Workflow) -> list[Site]:
    result = []
    for shown, chain in jobs_of(repo, workflow):
        holder, _, job = chain[-1]
        expanded = _expand(repo, holder, holder.steps(job), (), 0)
        for index, (owner, step, callers) in enumerate(expanded):
            result.append(Site(workflow, shown, chain, owner, step, index, callers))
    return result


def _expand(
    repo: Repo, holder: Workflow, steps: list[dict[str, Any]], callers: tuple, depth: int
) -> list[tuple[Workflow, dict[str, Any], tuple]]:
    out = []
    for step in steps:
        uses = uses_text(step)
        action = repo.action_at(uses) if uses.startswith("./") and depth < MAX_NESTING else None
        if action is not None:
            inner = action.steps(action.jobs[Workflow.ACTION_JOB])
            out += _expand(repo, action, inner, (*callers, (holder, step)), depth + 1)
        else:
            out.append((holder, step, callers))
    return out


def step_shell(site: Site) -> Shell | None:
    value = site.step.get("shell")
    runner = str(site.job.get("runs-on", "")).lower()
    if value is None and "windows" in runner:
        return None  # pwsh by default there: not read here
    if value is None and not site.holder.action:
        value = _run_default(site, "shell", lambda found: found is not None)
    return Shell.for_step(value)


def working_directory(site: Site) -> str:
    value = site.step.get("working-directory")
    if value is None:
        value = _run_default(site, "working-directory", lambda found: isinstance(found, str))
    return value if isinstance(value, str) and "${{" not in value else ""


def _run_default(site: Site, key: str, accept: Callable[[Any], bool]) -> Any:
    """`defaults.run.KEY` of the job, else of the workflow (the first one `accept`s)."""
    for owner in (site.job, site.holder.data):
        defaults = owner.get("defaults")
        run = defaults.get("run") if isinstance(defaults, dict) else None
        if isinstance(run, dict) and accept(run.get(key)):
            return run[key]
    return None


def runs_of(
    repo: Repo,
    workflow: Workflow,
    is_target: Callable[[list[str]], bool],
    mention: re.Pattern[str] = MLGATE,
) -> list[Run]:
    """Steps whose script runs the program (a string, comment or heredoc is not a run).

    Remembered per repository for a given predicate object (`mlgate_command` returns the same
    one for the same name), since several rules ask the same question. The key holds the
    predicate itself, not its id, which a later predicate could reuse; a predicate that
    collects what it sees calls `find_runs`, which remembers nothing.
    """
    key = ("runs_of", workflow.path, is_target, mention.pattern)
    return repo.remember(key, lambda: find_runs(repo, workflow, is_target, mention))


def find_runs(
    repo: Repo,
    workflow: Workflow,
    is_target: Callable[[list[str]], bool],
    mention: re.Pattern[str] = MLGATE,
) -> list[Run]:
    """`runs_of`, computed afresh."""
    found = []
    for site in sites(repo, workflow):
        script = run_text(site.step)
        if not script:
            continue
        shell = step_shell(site)
        if shell is None:
            if mention.search(script):
                verdict = Verdict(
                    Fate.UNPROVEN, f"it runs in `shell: {site.step.get('shell')}`, not read here"
                )
                found.append(Run(site, verdict, site.line("run")))
            continue
        resolver = RepoResolver(repo, working_directory(site))
        verdict = judge(script, is_target, shell, mention=mention, files=resolver)
        if verdict is not None:
            found.append(
                Run(site, verdict, line_in_value(site.step, "run", script, verdict.offset))
            )
    return found


def obligations(repo: Repo, run: Run, event: str) -> list[Obligation]:
    """What keeps the program's failure, on `event`, from failing the check."""
    site, found = run.site, []

    def add(severity: Severity, message: str, where: Workflow, line: int | None) -> None:
        found.append(Obligation(severity, message, where.path, line))

    if run.verdict.fate is Fate.SWALLOWED:
        add(
            Severity.ERROR,
            f"its failure cannot fail the step: {run.verdict.why}",
            site.holder,
            run.line,
        )
    elif run.verdict.fate is Fate.UNPROVEN:
        add(
            Severity.WARNING,
            f"could not prove its failure fails the step: {run.verdict.why}",
            site.holder,
            run.line,
        )
    contexts = event_contexts(event)
    steps = [(site.holder, site.step), *reversed(site.callers)]
    for holder, step in steps:
        what = "the step" if step is site.step else f"the step `{uses_text(step)}` that runs it"
        _continue_on_error(step, what, holder, add)
        _runs_on(step, what, holder, contexts, event, add)
    for holder, name, job in reversed(site.jobs):
        what = f"job {name!r}"
        _continue_on_error(job, what, holder, add)
        _runs_on(job, what, holder, contexts, event, add)
        for parent in upstream(holder, name):
            other = holder.jobs.get(parent, {})
            verdict = condition(other.get("if"), contexts)
            if verdict is False:
                add(
                    Severity.ERROR,
                    f"{what} needs job {parent!r}, which is skipped on {event}",
                    holder,
                    line_of(other, "if"),
                )
            elif verdict is None:
                add(
                    Severity.WARNING,
                    f"{what} needs job {parent!r}, whose `if:` may skip it "
                    f"on {event}: {other.get('if')}",
                    holder,
                    line_of(other, "if"),
                )
    if event == "pull_request":
        found += _pull_request_types(site.workflow)
    return found


def _continue_on_error(
    owner: dict[str, Any], what: str, holder: Workflow, add: Callable[..., None]
) -> None:
    value = owner.get("continue-on-error")
    if value in (None, False) or (isinstance(value, str) and value.strip().lower() == "false"):
        return
    line = line_of(owner, "continue-on-error")
    if value is True or (isinstance(value, str) and value.strip().lower() == "true"):
        add(
            Severity.ERROR,
            f"{what} sets continue-on-error: its failure cannot fail the check",
            holder,
            line,
        )
    else:
        add(
            Severity.WARNING,
            f"{what} sets continue-on-error: {value}, which may be true",
            holder,
            line,
        )


def _runs_on(
    owner: dict[str, Any],
    what: str,
    holder: Workflow,
    contexts: Contexts,
    event: str,
    add: Callable[..., None],
) -> None:
    if "if" not in owner:
        return
    verdict = condition(owner["if"], contexts)
    line = line_of(owner, "if")
    if verdict is False:
        add(Severity.ERROR, f"{what} is skipped on {event} (`if: {owner['if']}`)", holder, line)
    elif verdict is None:
        add(
            Severity.WARNING,
            f"{what} may be skipped on {event}: `if: {owner['if']}` depends "
            "on values only the run knows",
            holder,
            line,
        )


def upstream(workflow: Workflow, job_name: str) -> list[str]:
    """Every job `job_name` needs, directly or through others (cycles are walked once)."""
    jobs, seen, todo = workflow.jobs, [], [job_name]
    while todo:
        for parent in needs(jobs.get(todo.pop(), {})):
            if parent not in seen:
                seen.append(parent)
                todo.append(parent)
    return seen


def needs(job: dict[str, Any]) -> list[str]:
    value = job.get("needs")
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _pull_request_types(workflow: Workflow) -> list[Obligation]:
    spec = workflow.triggers.get("pull_request")
    types = spec.get("types") if isinstance(spec, dict) else None
    if types is None:
        return []
    listed = {str(t) for t in types} if isinstance(types, list) else {str(types)}
    missing = sorted(PR_TYPES - listed)
    if not missing:
        return []
    line = line_of(spec, "types")
    return [
        Obligation(
            Severity.ERROR,
            f"pull_request `types:` leaves out {', '.join(missing)}: a pull request can change "
            "after the gate ran",
            workflow.path,
            line,
        )
    ]


# --- what commands are ------------------------------------------------------------------------


@functools.cache
def mlgate_command(name: str) -> Callable[[list[str]], bool]:
    """`mlgate NAME ...` (also `python -m mlgate NAME`, any path to the mlgate script)."""

    def matches(words: list[str]) -> bool:
        return (
            len(words) >= 2
            and words[0].rsplit("/", 1)[-1] in ("mlgate", "mlgate.exe")
            and words[1] == name
        )

    return matches


PUSH_ACTIONS = {"docker/build-push-action", "redhat-actions/push-to-registry"}


def pushes_image_words(words: list[str]) -> bool:
    """`docker push`, `podman push`, `buildah push`, `docker buildx build --push`, `crane push`,
    `skopeo copy`, `ko build`/`ko publish`, `docker compose push`."""
    if not words:
        return False
    program = words[0].rsplit("/", 1)[-1]
    rest = words[1:]
    if program in ("docker", "podman", "buildah", "nerdctl"):
        if rest[:1] == ["push"] or rest[:2] in (["image", "push"], ["compose", "push"]):
            return True
        building = rest[:1] == ["build"] or rest[:2] == ["buildx", "build"]
        return building and any(
            w == "--push" or w.startswith("--output=type=registry") for w in rest
        )
    if program == "crane":
        return rest[:1] in (["push"], ["copy"], ["cp"])
    if program == "skopeo":
        return rest[:1] == ["copy"]
    if program == "ko":
        return rest[:1] in (["build"], ["publish"], ["apply"], ["resolve"])
    return False


def step_pushes_image(repo: Repo, site: Site) -> bool:
    uses = action_name(site.step)
    if uses in PUSH_ACTIONS:
        with_ = site.step.get("with")
        push = with_.get("push") if isinstance(with_, dict) else None
        if uses == "docker/build-push-action":
            return push not in (None, False, "false")
        return True
    script = run_text(site.step)
    if not script:
        return False
    shell = step_shell(site) or Shell()
    resolver = RepoResolver(repo, working_directory(site))
    return judge(script, pushes_image_words, shell, mention=PUSHERS, files=resolver) is not None
