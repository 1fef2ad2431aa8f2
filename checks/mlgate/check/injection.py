"""Where a `${{ }}` value comes from, so an injection finding's severity follows its source.

GitHub fills `${{ }}` into a script before the shell reads it: a value an outsider writes (a
pull request's title, a fork's branch name, a comment) can run code in the job. A value only a
maintainer sets (a dispatch input, a variable) is worth moving to `env:`, no more; a boolean,
a number or a commit SHA cannot carry code at all. The lists follow GitHub's security guide
("Understanding the risk of script injections") and zizmor's template-injection audit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .gha_expressions import EMBEDDED, ExpressionError, tokens

CONTEXT = re.compile(r"\b(github|inputs|steps|needs|env|matrix|vars|secrets|job|runner|strategy)"
                     r"((?:\.[\w*-]+|\[[^\]]*\])*)")  # fmt: skip

# The last name of a github.event path an outsider writes (forks, issues, comments, commits).
ATTACKER_NAMES = {
    "title", "body", "message", "head_ref", "head_branch", "label", "default_branch",
    "page_name", "name", "email", "description", "ref",
}  # fmt: skip
# github.event values that are ids, counts, flags, SHAs or states: never code.
SAFE_NAMES = {
    "id", "node_id", "number", "sha", "before", "after", "merged", "draft", "state", "action",
    "created_at", "updated_at", "closed_at", "merged_at", "additions", "deletions", "commits",
    "changed_files", "comments", "private", "fork", "size", "run_id", "run_number",
    "run_attempt", "conclusion", "status", "event", "html_url", "url", "full_name", "login",
    "type", "author_association", "forced", "created", "deleted", "locked",
}  # fmt: skip
MAINTAINER_GITHUB = {"ref", "ref_name", "base_ref"}  # branch names: pushing needs write access
SAFE_GITHUB = {
    "sha", "ref_type", "repository", "repository_owner", "repository_id",
    "repository_owner_id", "run_id", "run_number", "run_attempt", "workflow", "workflow_ref",
    "workflow_sha", "job", "action", "event_name", "server_url", "api_url", "graphql_url",
    "actor", "actor_id", "triggering_actor", "retention_days", "workspace",
    "action_path", "action_ref", "path", "env", "output", "state", "step_summary", "token",
    "repositoryUrl",
}  # fmt: skip
SAFE_INPUT_TYPES = {"boolean", "number", "choice", "environment"}
# Outputs of well-known actions that are flags, versions or paths, never text from a contribution.
STRUCTURED_OUTPUTS = {
    "actions/setup-python": {"python-version", "python-path", "cache-hit"},
    "actions/setup-node": {"node-version", "cache-hit"},
    "actions/setup-go": {"go-version", "cache-hit"},
    "actions/setup-java": {"version", "path", "cache-hit"},
    "actions/cache": {"cache-hit"},
    "actions/cache/restore": {"cache-hit", "cache-primary-key", "cache-matched-key"},
    "astral-sh/setup-uv": {"uv-version", "uv-path", "uvx-path", "cache-hit", "python-version"},
    "dorny/paths-filter": {"changes"},  # and one 'true'/'false' per filter (not *_files)
}


class Source(Enum):
    ATTACKER = "attacker"  # an outsider can write it
    UNKNOWN = "unknown"  # an event value not known to be safe
    MAINTAINER = "maintainer"  # only people with write access set it
    SAFE = "safe"  # cannot carry code


@dataclass(frozen=True)
class Expansion:
    expression: str  # the text inside ${{ }}
    context: str  # the context path that decides it, e.g. github.event.pull_request.title
    source: Source
    offset: int  # where `${{` starts in the text


def expansions(
    text: str,
    input_types: dict[str, str],
    step_actions: dict[str, str] | None = None,
    env: dict[str, Any] | None = None,
) -> list[Expansion]:
    """Every `${{ }}` in `text` with the riskiest context it reads; `step_actions` maps the
    job's step ids to the action a `uses:` step runs ("" for a `run:` step); `env` holds the
    `env:` values the step sees, so `${{ env.TITLE }}` is judged by what was put in TITLE."""
    found = []
    for match in EMBEDDED.finditer(text):
        inner = match.group(1).strip()
        worst: tuple[Source, str] | None = None
        for path in flowing(inner):
            source = classify(path, input_types, step_actions or {})
            if path.startswith("env.") and env and path[4:] in env:
                set_to = expansions(str(env[path[4:]]), input_types, step_actions)
                source = max((e.source for e in set_to), key=RANK.get, default=Source.SAFE)
            if worst is None or RANK[source] > RANK[worst[0]]:
                worst = (source, path)
        if worst is not None:
            found.append(Expansion(inner, worst[1], worst[0], match.start()))
    return found


BOOLEAN_FUNCTIONS = {"contains", "startswith", "endswith", "success", "failure", "cancelled",
                     "always", "hashfiles"}  # fmt: skip


def flowing(expression: str) -> list[str]:
    """The context paths whose text can reach the expression's value: not those only compared
    (`a == 'x'`), negated or tested (`contains(...)`), nor the left of `&&` (its falsy values
    are '', 0, false or null). Unreadable expressions: every context they name."""
    try:
        parser = _Flow(tokens(expression))
        paths = parser.or_()
        if parser.at != len(parser.items):
            raise ExpressionError(expression)
    except (ExpressionError, IndexError):
        return [_normalise(m.group(0)) for m in CONTEXT.finditer(expression)]
    return sorted(paths)


class _Flow:
    """The grammar of gha_expressions.Parser, computing flows instead of values."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items, self.at = items, 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self) -> tuple[str, str]:
        self.at += 1
        return self.items[self.at - 1]

    def or_(self) -> set[str]:
        paths = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            paths |= self.and_()
        return paths

    def and_(self) -> set[str]:
        paths = self.compare()
        while self.peek() == ("op", "&&"):
            self.take()
            paths = self.compare()
        return paths

    def compare(self) -> set[str]:
        paths = self.unary()
        while self.peek() in {("op", o) for o in ("==", "!=", "<", "<=", ">", ">=")}:
            self.take()
            self.unary()
            paths = set()
        return paths

    def unary(self) -> set[str]:
        if self.peek() == ("op", "!"):
            self.take()
            self.unary()
            return set()
        return self.postfix()

    def postfix(self) -> set[str]:
        kind, text = self.take()
        if text == "(":
            paths = self.or_()
            self.take()
            return paths
        if kind != "name":
            return set()
        if self.peek() == ("op", "("):
            self.take()
            flows: set[str] = set()
            while self.peek() != ("op", ")"):
                flows |= self.or_()
                if self.peek() == ("op", ","):
                    self.take()
            self.take()
            return set() if text.lower() in BOOLEAN_FUNCTIONS else flows
        path = text
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                path += "." + self.take()[1]
            else:
                key = self.peek()
                self.or_()
                self.take()
                path += "." + (key[1].strip("'") if key and key[0] == "string" else "*")
        return set() if path in ("true", "false", "null") else {path}


RANK = {Source.SAFE: 0, Source.MAINTAINER: 1, Source.UNKNOWN: 2, Source.ATTACKER: 3}


def _normalise(path: str) -> str:
    """`github['event']['pull_request'].title` -> github.event.pull_request.title."""
    return re.sub(r"\[['\"]?([^\]'\"]*)['\"]?\]", r".\1", path)


def classify(
    path: str, input_types: dict[str, str], step_actions: dict[str, str] | None = None
) -> Source:
    parts = path.split(".")
    root = parts[0]
    if root == "github":
        if len(parts) == 1:
            return Source.UNKNOWN
        if parts[1] == "head_ref":
            return Source.ATTACKER
        if parts[1] in MAINTAINER_GITHUB:
            return Source.MAINTAINER
        if parts[1] != "event":
            return Source.SAFE if parts[1] in SAFE_GITHUB else Source.UNKNOWN
        return _event(parts[2:])
    if root == "inputs":
        kind = input_types.get(parts[1] if len(parts) > 1 else "", "string")
        return Source.SAFE if kind in SAFE_INPUT_TYPES else Source.MAINTAINER
    if root == "steps" and len(parts) >= 4:
        return _step_output(parts[1], parts[3], step_actions or {})
    if root in ("steps", "needs"):
        if parts[-1] in ("result", "outcome", "conclusion"):
            return Source.SAFE  # success, failure, cancelled, skipped
        return Source.MAINTAINER  # what an earlier step or job wrote
    if root == "matrix":
        return Source.MAINTAINER
    return Source.SAFE  # env, vars, secrets, runner, job, strategy: set by the maintainers


def _step_output(step_id: str, name: str, step_actions: dict[str, str]) -> Source:
    """A `run:` step's output is the job's own; an action's may carry what it read from the
    pull request (changed file names, titles), unless the action is known to output flags."""
    action = step_actions.get(step_id)
    if not action:
        return Source.MAINTAINER
    known = STRUCTURED_OUTPUTS.get(action)
    if known is not None and (
        name in known or (action == "dorny/paths-filter" and not name.endswith("_files"))
    ):
        return Source.SAFE
    return Source.UNKNOWN


OUTSIDER_OBJECTS = {"pull_request", "issue", "comment", "review", "review_comment",
                    "head_commit", "commits", "discussion", "pages", "workflow_run"}  # fmt: skip


def _event(parts: list[str]) -> Source:
    names = [p for p in parts if p and p != "*" and not p.isdigit()]
    if not names or (names[-1] in OUTSIDER_OBJECTS | {"head", "sender"}):
        return Source.ATTACKER  # the whole event, or an object holding titles and bodies
    last = names[-1]
    if last in SAFE_NAMES or last.endswith(("_sha", "_id", "_at", "_count", "_url")):
        return Source.SAFE
    if names[0] in ("inputs", "release", "client_payload", "label", "milestone"):
        return Source.MAINTAINER  # dispatch inputs, releases, labels: people with write access
    if names[0] == "repository":
        return Source.SAFE  # the base repository: its maintainers name it
    if "base" in names:
        return Source.MAINTAINER  # the base branch: people with write access name it
    if last == "ref" and "head" not in names and names[0] not in ("pull_request", "workflow_run"):
        return Source.SAFE  # a pushed ref: pushing needs write access
    if last == "name" and not {"author", "committer", "pusher"} & set(names):
        return Source.UNKNOWN
    if last in ATTACKER_NAMES:
        return Source.ATTACKER
    return Source.UNKNOWN


def input_types(workflow_data: Any) -> dict[str, str]:
    """Declared types of workflow_dispatch / workflow_call (or action) inputs."""
    types: dict[str, str] = {}
    if not isinstance(workflow_data, dict):
        return types
    on = workflow_data.get("on", workflow_data.get(True))
    sources = []
    if isinstance(on, dict):
        for trigger in ("workflow_dispatch", "workflow_call"):
            spec = on.get(trigger)
            if isinstance(spec, dict):
                sources.append(spec.get("inputs"))
    sources.append(workflow_data.get("inputs"))  # a composite action's inputs
    for inputs in sources:
        if isinstance(inputs, dict):
            for name, spec in inputs.items():
                kind = spec.get("type") if isinstance(spec, dict) else None
                types[str(name)] = str(kind) if kind else types.get(str(name), "string")
    return types
