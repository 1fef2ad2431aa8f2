"""What a `run:` script does with a program's exit status, read with a real shell parser.

`judge(script, is_target, shell)` answers one question for the checker: when the program fails
(every run of it exits non-zero), does the script exit non-zero? It parses the script with
bashlex and interprets the tree abstractly: `set -e` / `set +e` / pipefail, `&&` / `||` lists
and which of their members errexit ignores, `!`, pipelines, `if` branches, subshells, groups,
functions, `$(...)`, background jobs, `exit` and `return`, `bash -c`, scripts in the repository
and `make` targets (through a resolver). Commands other than the program are taken to succeed,
except predicates (`test`, `[`, `grep`...), whose answer is unknown: both branches are followed.

The answer is FAILS (proven), SWALLOWED (proven not to: with the construct that swallows it) or
UNPROVEN (with what could not be followed: a loop, `eval`, an unreadable script, a status the
checker cannot compute). Nothing is guessed: what cannot be proven is said to be so.

One module (~1,100 lines) on purpose: the interpreter's cases share one State and recurse into
each other, so split they would import each other in a circle; the parsing of Makefiles is in
makefile.py.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from .gha_expressions import EMBEDDED

UNKNOWN_STATUS = -1  # a status only the run knows
MAX_PATHS = 64
MAX_DEPTH = 8
SHELLS = ("bash", "sh", "dash", "zsh")  # POSIX-like shells whose scripts are read
PREDICATES = {"test", "[", "grep", "egrep", "fgrep", "diff", "cmp", "which", "type", "read"}
# Commands that run another command given in their arguments (`xargs mlgate gate`): a run the
# checker cannot follow. Any other command's arguments are data (`pip install mlgate`).
RUNS_ARGUMENTS = {
    "xargs", "parallel", "find", "watch", "ssh", "docker", "podman", "kubectl", "flock",
    "retry", "entr", "taskset", "unbuffer", "script", "su", "runuser", "setsid", "catchsegv",
}  # fmt: skip
WRAPPERS_SIMPLE = {"nohup", "command", "builtin", "xvfb-run", "sudo", "doas"}
# options of those wrappers (and timeout, nice, stdbuf) that take the next word as a value
WRAPPER_VALUES = {
    "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "--user", "--group",  # sudo, doas
    "-s", "-k", "--signal", "--kill-after",  # timeout
    "-n", "--adjustment", "-c", "--class",  # nice, ionice
    "-i", "-o", "-e",  # stdbuf
}  # fmt: skip
RUNNERS = {"uv", "poetry", "pipenv", "pdm", "hatch", "pixi", "conda", "micromamba", "mamba"}
VALUE_OPTIONS = {
    "--with", "--python", "-p", "--directory", "--project", "--extra", "--group", "--env-file",
    "--package", "--index", "--index-url", "-n", "--name", "--prefix", "-e", "--environment",
    "--manifest-path", "--only-group", "--with-requirements", "--from",
}  # fmt: skip
GITHUB_VALUE = "_gh_"  # what a `${{ }}` reads as once sanitized
UNKNOWN_PART = re.compile(r"\$\{[^}]*\}|\$\(.*?\)|\$\w+|\$|_gh__*")
DOUBLE_BRACKET = re.compile(r"\[\[(?:[^\]\n\\]|\\.|\\\n|\](?!\]))*\]\]")
ARRAY_ASSIGNMENT = re.compile(r"(?<![\w$])(\w+\+?=)\((?:[^()\\]|\\.)*\)")
WHILE_NEWLINE_DO = re.compile(
    r"^([ \t]*(?:while|until)\b[^\n]*?)[ \t]*\n([ \t]*)do\b", re.MULTILINE
)
LOCALE_QUOTE = re.compile(r"(?<![\\$])\$(?=\")")
ARITHMETIC_EXPANSION = re.compile(r"\$\(\((?:[^()\n]|\([^()\n]*\))*\)\)")
ARITHMETIC_COMMAND = re.compile(r"(?<![$\w)])\(\((?:[^()\n]|\([^()\n]*\))*\)\)")
TIME_KEYWORD = re.compile(r"(^|[;&|({]\s*)time\s", re.MULTILINE)
# `case` where a command starts (not in a comment or a string) up to its `esac`
CASE_BLOCK = re.compile(
    r"(^[ \t]*|[;&|(][ \t]*|\b(?:then|do|else)[ \t]+)(case[ \t].*?(?<![\w-])esac(?![\w-]))",
    re.DOTALL | re.MULTILINE,
)


class Fate(StrEnum):
    FAILS = "fails"
    SWALLOWED = "swallowed"
    UNPROVEN = "unproven"


@dataclass(frozen=True)
class Verdict:
    fate: Fate
    why: str
    offset: int = 0  # where in the script the program runs (first occurrence)


@dataclass(frozen=True)
class Shell:
    """How GitHub starts the script: `bash -e {0}` unless `shell:` says otherwise."""

    errexit: bool = True
    pipefail: bool = False

    @classmethod
    def for_step(cls, shell: object) -> Shell | None:
        """The shell a `run:` step gets; None for shells this module does not read (pwsh...)."""
        if shell is None or shell == "":
            return cls(errexit=True, pipefail=False)
        if not isinstance(shell, str):
            return None
        words = shell.split()
        program = _program(words[0]) if words else ""
        if len(words) == 1 and program == "bash":
            return cls(errexit=True, pipefail=True)  # bash --noprofile --norc -eo pipefail {0}
        if len(words) == 1 and program == "sh":
            return cls(errexit=True, pipefail=False)  # sh -e {0}
        if program not in SHELLS:
            return None
        return cls.from_flags(words[1:])

    @classmethod
    def from_flags(cls, words: list[str]) -> Shell:
        errexit, pipefail, option_next = False, False, False
        for word in words:
            if option_next:
                pipefail = pipefail or word == "pipefail"
                errexit = errexit or word == "errexit"
                option_next = False
            elif re.fullmatch(r"-[a-zA-Z]+", word):
                errexit = errexit or "e" in word
                option_next = word.endswith("o")
        return cls(errexit=errexit, pipefail=pipefail)


class Resolver(Protocol):
    """Reads what a script starts: a script file of the repository, a Makefile's recipes."""

    def mentions(self, script: str, mention: re.Pattern[str]) -> bool:
        """Could a Makefile or script file this script starts mention the program?"""
        ...

    def script(self, path: str) -> str | None: ...

    def make(self, args: list[str]) -> MakeRun | None: ...

    def make_choices(self, args: list[str]) -> tuple[list[MakeRun], bool] | None:
        """What `make ARGS` may run when its arguments hold values only the run knows: a
        target is read as a pattern over the Makefile's rules (one run per match), a
        variable's value as an unknown word. True when that is one run for sure (only
        values unknown); None when it cannot be told (an unknown folder or Makefile)."""
        ...

    def within(self, directory: str) -> Resolver:
        """The same files, seen from another working directory (`make -C DIR`)."""
        ...


@dataclass(frozen=True)
class MakeRun:
    """The recipe lines `make ARGS` runs, in order: (text, errors ignored, shell flags), and
    the folder they run in (relative to the caller's)."""

    lines: list[tuple[str, bool, Shell]]
    doubts: list[str] = field(default_factory=list)
    directory: str = ""


class NoFiles:
    """A resolver that finds nothing: scripts and Makefiles are not followed."""

    def mentions(self, script: str, mention: re.Pattern[str]) -> bool:
        return False

    def script(self, path: str) -> str | None:
        return None

    def make(self, args: list[str]) -> MakeRun | None:
        return None

    def make_choices(self, args: list[str]) -> tuple[list[MakeRun], bool] | None:
        return None

    def within(self, directory: str) -> Resolver:
        return self


@dataclass
class State:
    """One path through the script: shell options, last status, and what happened so far."""

    errexit: bool
    pipefail: bool
    status: int = 0
    exited: bool = False
    returned: bool = False
    reached: bool = False
    background: bool = False
    variables: dict[str, int] = field(default_factory=dict)
    functions: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    forked: bool = False  # the path follows a guess about an answer only the run knows

    @property
    def stopped(self) -> bool:
        return self.exited or self.returned

    def fork(self) -> State:
        twin = copy.copy(self)
        twin.variables, twin.functions = dict(self.variables), dict(self.functions)
        twin.notes, twin.doubts = list(self.notes), list(self.doubts)
        return twin

    def add_doubts(self, doubts: Iterable[str]) -> None:
        self.doubts += [d for d in doubts if d not in self.doubts]

    def key(self) -> tuple[Any, ...]:
        """What makes two paths the same from here on (they are then followed once)."""
        return (
            self.errexit, self.pipefail, self.status, self.exited, self.returned, self.reached,
            self.background, self.forked, tuple(sorted(self.variables.items())),
            tuple(self.notes), tuple(self.doubts), tuple(sorted(self.functions)),
        )  # fmt: skip


class TooComplex(Exception):
    """More branches or nesting than the checker follows."""


class ScriptUnreadable(Exception):
    """The shell parser cannot read the script."""


IsTarget = Callable[[list[str]], bool]


def sanitize(script: str, keep: re.Pattern[str]) -> str:
    """Same length and lines, with what bashlex cannot read replaced by neutral text.

    `${{ }}` (GitHub fills it in before the shell starts) becomes a plain word; `[[ ]]` and
    `(( ))` become `test` (a predicate: unknown answer); `$(( ))` a number; `time` is dropped;
    an array assignment `a=(x y)` a plain assignment; `while c` + newline + `do` gets its `;`;
    a `case` block that does not mention `keep` becomes `test`, or `__case__` (a doubt) when
    it may exit or set options (one that mentions `keep` stays, and is then unreadable).
    """

    def pad(word: str, fill: str = " ") -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            text = match.group(0)
            if len(text) < len(word):
                return text
            rest = text[len(word) :]  # a backslash-newline stays: the command goes on
            return word + re.sub(
                r"\\\n|[^\n]", lambda m: m.group(0) if len(m.group(0)) == 2 else fill, rest
            )

        return replace

    # filled with `_`: `build-${{ matrix.x }}-docker` stays one word
    script = EMBEDDED.sub(pad(GITHUB_VALUE, "_"), script)
    script = ARITHMETIC_EXPANSION.sub(pad("0"), script)
    script = DOUBLE_BRACKET.sub(pad("test "), script)
    script = ARITHMETIC_COMMAND.sub(pad("test "), script)
    script = TIME_KEYWORD.sub(lambda m: m.group(1) + "     ", script)
    script = ARRAY_ASSIGNMENT.sub(
        lambda m: m.group(1) + _blank(m.group(0)[len(m.group(1)) :]), script
    )
    script = _lists_in_substitutions(script, keep)
    script = WHILE_NEWLINE_DO.sub(r"\1;\2do\n", script)  # bashlex wants `while c; do`
    script = LOCALE_QUOTE.sub(" ", script)  # `"^${X}$"` ends in `$"`, which bashlex misreads

    def case(match: re.Match[str]) -> str:
        block = match.group(2)
        if keep.search(block):
            return match.group(0)  # left as is: unreadable, so the program's fate is unproven
        word = "__case__ " if re.search(r"\b(exit|return|set|trap)\b", block) else "test "
        return match.group(1) + pad(word)(re.match(r".*", block, re.DOTALL))  # type: ignore[arg-type]

    return CASE_BLOCK.sub(case, script)


def _blank(text: str) -> str:
    """A word of the same length and lines: `_` then spaces (newlines kept)."""
    return "_" + "".join("\n" if c == "\n" else " " for c in text[1:])


def _lists_in_substitutions(script: str, keep: re.Pattern[str]) -> str:
    """bashlex cannot read `&&` / `||` inside `$( )`; where the program is not in there, they
    become `;` (the substitution's own status then differs, which matters only to a command
    that is nothing but an assignment, and only before the program runs)."""
    out, index = [], 0
    while (start := script.find("$(", index)) >= 0:
        if script.startswith("$((", start):
            out.append(script[index : start + 3])
            index = start + 3
            continue
        end = closing(script, start + 1)
        inner = script[start : end + 1]
        if not keep.search(inner):
            inner = inner.replace("&&", "; ").replace("||", "; ")
        out.append(script[index:start] + inner)
        index = end + 1
    out.append(script[index:])
    return "".join(out)


def closing(text: str, start: int) -> int:
    """Where the bracket at `start` (`(` or `{`) closes; the last index when it never does."""
    opening = text[start]
    close = ")" if opening == "(" else "}"
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == close:
            depth -= 1
            if depth == 0:
                return index
    return len(text) - 1


def judge(
    script: str,
    is_target: IsTarget,
    shell: Shell,
    *,
    mention: re.Pattern[str],
    files: Resolver | None = None,
) -> Verdict | None:
    """None when the script does not run the program as far as the checker can see (a
    string or comment is not a run); a run it cannot follow is UNPROVEN, not None.

    `mention` finds the program's name in text: a script (or a Makefile or script file it
    starts) without it is not parsed at all.
    """
    files = files or NoFiles()
    if not mention.search(script) and not files.mentions(script, mention):
        return None
    interpreter = Interpreter(is_target, files, mention)
    try:
        paths = interpreter.run_script(script, State(shell.errexit, shell.pipefail), 0)
    except TooComplex as exc:
        return Verdict(Fate.UNPROVEN, str(exc), max(interpreter.first_offset, 0))
    except RecursionError:
        why = "the script nests more deeply than the checker follows"
        return Verdict(Fate.UNPROVEN, why, max(interpreter.first_offset, 0))
    except ScriptUnreadable as exc:
        if interpreter.first_offset < 0 and not _loosely_runs(script, mention):
            return None
        return Verdict(Fate.UNPROVEN, str(exc), max(interpreter.first_offset, 0))
    if interpreter.first_offset < 0:
        return None
    return _verdict(paths, interpreter.first_offset)


def _loosely_runs(script: str, mention: re.Pattern[str]) -> bool:
    """For an unreadable script: is the program at the start of some command?"""
    pattern = rf"(^|[;&|()]\s*)\S*(?:{mention.pattern})"
    return bool(re.search(pattern, script, re.MULTILINE))


def _verdict(paths: list[State], offset: int) -> Verdict:
    if not any(p.reached for p in paths):
        return Verdict(Fate.SWALLOWED, "the script never reaches it", offset)
    doubts = sorted({d for p in paths for d in p.doubts})
    passing = [p for p in paths if p.status == 0]
    if passing:
        swallowed = [p for p in passing if p.reached]
        if not swallowed:
            return Verdict(Fate.UNPROVEN, "the script can end without running it", offset)
        if doubts:
            return Verdict(Fate.UNPROVEN, doubts[0], offset)
        certain = [p for p in swallowed if not p.forked]
        if not certain:
            why = "whether its failure fails the step depends on a test only the run answers"
            return Verdict(Fate.UNPROVEN, why, offset)
        notes = certain[0].notes
        why = notes[-1] if notes else "a later command's success replaces its exit status"
        return Verdict(Fate.SWALLOWED, why, offset)
    unknown = [p for p in paths if p.status == UNKNOWN_STATUS]
    if unknown or doubts:
        notes = [n for p in unknown for n in p.notes]
        why = doubts[0] if doubts else (notes[-1] if notes else "its exit status is not known")
        return Verdict(Fate.UNPROVEN, why, offset)
    return Verdict(Fate.FAILS, "its failure fails the step", offset)


_PARSED: dict[tuple[str, str], list[Any] | str] = {}


def parse(script: str, keep: re.Pattern[str]) -> list[Any]:
    """bashlex's tree of the sanitized script (cached with the sanitizing: the same step is
    read by several rules and for several programs)."""
    key = (script, keep.pattern)
    if key not in _PARSED:
        try:
            import bashlex  # lazy: only `mlgate check` reads shell
        except ImportError:
            from ..errors import CouldNotCheck

            raise CouldNotCheck(
                "mlgate check reads workflow scripts with bashlex, which is not installed: "
                "reinstall mlgate (it depends on it)"
            ) from None

        if len(_PARSED) > 2048:
            _PARSED.clear()
        text = sanitize(script, keep)
        try:
            _PARSED[key] = bashlex.parse(text)
        except Exception as exc:  # bashlex raises ParsingError, NotImplementedError, others
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            _PARSED[key] = f"the shell parser cannot read the script ({reason})"
    found = _PARSED[key]
    if isinstance(found, str):
        raise ScriptUnreadable(found)
    return found


def merged(paths: list[State]) -> list[State]:
    """Paths that reached the same state are followed once; too many distinct ones is more
    than the checker follows (each unknown test doubles them)."""
    unique: dict[tuple[Any, ...], State] = {}
    for state in paths:
        unique.setdefault(state.key(), state)
    if len(unique) > MAX_PATHS:
        raise TooComplex("the script branches more than the checker follows")
    return list(unique.values())


class Interpreter:
    """Runs the parsed script abstractly, one State per path (forked at unknown statuses)."""

    def __init__(self, is_target: IsTarget, files: Resolver, mention: re.Pattern[str]) -> None:
        self.is_target, self.files, self.mention = is_target, files, mention
        self.first_offset = -1
        self.depth = 0

    def mark(self, offset: int) -> None:
        if self.first_offset < 0:
            self.first_offset = offset

    # --- entry points ----------------------------------------------------------------------

    def run_script(self, script: str, state: State, base: int) -> list[State]:
        nodes = parse(script, self.mention)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TooComplex("scripts start scripts too deeply to follow")
        try:
            return self.sequence(nodes, [state], base, checked=False)
        finally:
            self.depth -= 1

    def nested(self, script: str, shell: Shell, outer: State, base: int) -> list[State]:
        """A child shell (`bash -c`, a script file, a make recipe line): only its status and
        whether it ran the program come back."""
        results = []
        for done in self.run_script(script, State(shell.errexit, shell.pipefail), base):
            child = outer.fork()
            child.status, child.reached = done.status, outer.reached or done.reached
            child.notes += done.notes
            child.add_doubts(done.doubts)
            results.append(child)
        return results

    # --- sequences and lists ---------------------------------------------------------------

    def sequence(
        self, nodes: Iterable[Any], paths: list[State], base: int, *, checked: bool
    ) -> list[State]:
        for node in nodes:
            following: list[State] = []
            for state in paths:
                if state.stopped:
                    following.append(state)
                elif node.kind == "list":
                    following += self.list_(node, state, base, checked=checked)
                else:
                    following += self.and_or([node], [], state, base, checked=checked)
            paths = merged(following)
        return paths

    def list_(self, node: Any, state: State, base: int, *, checked: bool) -> list[State]:
        """`a && b || c; d & e`: and-or chains separated by `;`, newlines and `&`."""
        chains: list[tuple[list[Any], list[str], bool]] = []
        members: list[Any] = []
        operators: list[str] = []
        for part in node.parts:
            if part.kind == "operator" and part.op in ("&&", "||"):
                operators.append(part.op)
            elif part.kind == "operator":
                if members:
                    chains.append((members, operators, part.op == "&"))
                members, operators = [], []
            else:
                members.append(part)
        if members:
            chains.append((members, operators, False))
        paths = [state]
        for members, operators, background in chains:
            following: list[State] = []
            for current in paths:
                if current.stopped:
                    following.append(current)
                elif background:
                    following += self.background(members, operators, current, base)
                else:
                    following += self.and_or(members, operators, current, base, checked=checked)
            paths = merged(following)
        return paths

    def background(
        self, members: list[Any], operators: list[str], state: State, base: int
    ) -> list[State]:
        results = []
        for done in self.and_or(members, operators, state.fork(), base, checked=True):
            after = state.fork()
            if done.reached and not state.reached:
                after.reached = after.background = True
                after.notes.append("it runs in the background (`&`): nothing waits for its status")
            after.status = 0
            results.append(after)
        return results

    def and_or(
        self, members: list[Any], operators: list[str], state: State, base: int, *, checked: bool
    ) -> list[State]:
        """errexit ignores a failure anywhere in an and-or list but in its last member."""
        first = self.command(members[0], state, base, checked=checked or bool(operators))
        paths = [(s, 0) for s in first]
        for index, operator in enumerate(operators, start=1):
            inner_checked = checked or index < len(operators)
            following: list[tuple[State, int]] = []
            for current, ran in paths:
                if current.stopped:
                    following.append((current, ran))
                    continue
                for succeeded, branch in _branch(current):
                    if succeeded != (operator == "&&"):
                        following.append((branch, ran))
                        continue
                    if operator == "||" and branch.reached:
                        branch.notes.append(f"`|| {_text(members[index])}` handles its failure")
                    following += [
                        (after, index)
                        for after in self.command(
                            members[index], branch, base, checked=inner_checked
                        )
                    ]
            unique = {(state.key(), ran): (state, ran) for state, ran in following}
            if len(unique) > MAX_PATHS:
                raise TooComplex("the script branches more than the checker follows")
            paths = list(unique.values())
        results = []
        for current, ran in paths:
            applies = (
                not (current.stopped or checked or current.status == 0)
                and current.errexit
                and ran == len(operators)
                and _errexit_applies(members[ran])
            )
            if applies and current.status == UNKNOWN_STATUS:
                goes_on = current.fork()
                goes_on.status, goes_on.forked = 0, True
                results.append(goes_on)
                current.status, current.forked = 1, True  # errexit stops only on a failure
            if applies:
                current.exited = True
            results.append(current)
        return results

    # --- commands ----------------------------------------------------------------------------

    def command(self, node: Any, state: State, base: int, *, checked: bool) -> list[State]:
        kind = node.kind
        if kind == "pipeline":
            return self.pipeline(node, state, base, checked=checked)
        if kind == "list":
            return self.list_(node, state, base, checked=checked)
        if kind == "compound":
            return self.compound(node, state, base, checked=checked)
        if kind == "function":
            name = next(p.word for p in node.parts if p.kind == "word")
            state.functions[name] = (node.parts[-1], base)  # the body, and where it is written
            state.status = 0
            return [state]
        if kind == "command":
            return self.simple(node, state, base, checked=checked)
        raise ScriptUnreadable(f"the checker does not follow `{kind}` constructs")

    def pipeline(self, node: Any, state: State, base: int, *, checked: bool) -> list[State]:
        negated = node.parts[0].kind == "reservedword" and node.parts[0].word == "!"
        commands = [p for p in node.parts if p.kind not in ("pipe", "reservedword")]
        statuses: list[int] = []
        reached_before = state.reached
        for index, member in enumerate(commands):
            outcomes = self.command(member, state.fork(), base, checked=checked or negated)
            distinct = {o.status for o in outcomes}
            statuses.append(distinct.pop() if len(distinct) == 1 else UNKNOWN_STATUS)
            for outcome in outcomes:
                state.add_doubts(outcome.doubts)
            ran_it = any(o.reached for o in outcomes) and not reached_before
            state.reached = state.reached or ran_it
            if ran_it and index < len(commands) - 1 and not state.pipefail:
                state.notes.append(
                    "it is piped into another command without `set -o pipefail`: "
                    "the pipeline's status is the last command's"
                )
        if state.pipefail:  # the last member that failed decides; one known failure is enough
            known = [s for s in statuses if s not in (0, UNKNOWN_STATUS)]
            status = known[-1] if known else (UNKNOWN_STATUS if UNKNOWN_STATUS in statuses else 0)
        else:
            status = statuses[-1]
        if negated:
            if state.reached and not reached_before:
                state.notes.append("`!` turns its failure into success")
            status = UNKNOWN_STATUS if status == UNKNOWN_STATUS else int(status == 0)
        state.status = status
        return [state]

    def compound(self, node: Any, state: State, base: int, *, checked: bool) -> list[State]:
        first = node.list[0]
        if first.kind == "reservedword" and first.word in ("(", "{"):
            body = [p for p in node.list[1:-1] if p.kind != "reservedword"]
            if first.word == "{":
                return self.sequence(body, [state], base, checked=checked)
            results = []
            for done in self.sequence(body, [state.fork()], base, checked=checked):
                after = state.fork()
                after.status, after.reached = done.status, done.reached
                after.notes, after.doubts = done.notes, done.doubts
                results.append(after)
            return results
        if first.kind == "if":
            return self.if_(first, state, base, checked=checked)
        if first.kind in ("for", "while", "until"):
            return self.loop(first, state, base)
        raise ScriptUnreadable(f"the checker does not follow `{first.kind}` constructs")

    def if_(self, node: Any, state: State, base: int, *, checked: bool) -> list[State]:
        clauses: list[tuple[Any | None, Any]] = []
        parts, index = node.parts, 0
        while index < len(parts):
            word = parts[index].word if parts[index].kind == "reservedword" else ""
            if word in ("if", "elif"):
                clauses.append((parts[index + 1], parts[index + 3]))
                index += 4
            elif word == "else":
                clauses.append((None, parts[index + 1]))
                index += 2
            else:
                index += 1
        return self.clauses(clauses, state, base, checked=checked)

    def clauses(
        self, clauses: list[tuple[Any | None, Any]], state: State, base: int, *, checked: bool
    ) -> list[State]:
        if not clauses:
            state.status = 0
            return [state]
        condition, body = clauses[0]
        if condition is None:
            return self.sequence([body], [state], base, checked=checked)
        results = []
        for tested in self.sequence([condition], [state], base, checked=True):
            if tested.stopped:
                results.append(tested)
                continue
            for succeeded, branch in _branch(tested):
                if succeeded:
                    results += self.sequence([body], [branch], base, checked=checked)
                else:
                    results += self.clauses(clauses[1:], branch, base, checked=checked)
        return results

    def loop(self, node: Any, state: State, base: int) -> list[State]:
        """A loop may run its body any number of times: if one pass can run the program
        (directly, through make, a function or a script), its fate is not proven."""
        probe = [state.fork()]
        for part in node.parts:
            if part.kind in ("list", "command", "pipeline", "compound"):
                probe = self.sequence([part], [p for p in probe if not p.stopped], base,
                                      checked=False) or probe  # fmt: skip
        if any(p.reached for p in probe) and not state.reached:
            state.reached = True
            state.status = UNKNOWN_STATUS
            state.doubts.append(f"it runs inside a `{node.kind}` loop, which may run it any times")
            return [state]
        if _contains_words(node, {"set", "exit", "return", "trap"}):
            state.doubts.append(f"a `{node.kind}` loop may change how errors are handled")
        state.status = 0
        return [state]

    # --- simple commands ---------------------------------------------------------------------

    def simple(self, node: Any, state: State, base: int, *, checked: bool) -> list[State]:
        words = [p for p in node.parts if p.kind == "word"]
        assignments = [p for p in node.parts if p.kind == "assignment"]
        previous = state.status
        paths = [state]
        for part in (*assignments, *words):
            paths = self.substitutions(part, paths, base, assigned=not words)
        for process in (c for part in node.parts for c in _walk(part)):
            if process.kind == "processsubstitution" and _target_inside(process, self.is_target):
                self.mark(base + process.pos[0])
                for current in paths:
                    current.reached = True
                    current.doubts.append("it runs in a process substitution `<( )`")
        results = []
        for current in paths:
            if not words:
                results.append(self.assign(assignments, current, previous))
                continue
            values = [self.value(w.word, current, previous) for w in words]
            results += self.run_words(values, current, base + node.pos[0], previous, checked)
        for redirect in (p for p in node.parts if p.kind == "redirect"):
            heredoc = getattr(redirect, "heredoc", None)
            if heredoc is not None and words and _program(words[0].word) in ("bash", "sh"):
                inner = heredoc.value.rsplit("\n", 1)[0]
                flags = Shell.from_flags([w.word for w in words[1:]])
                results = [r for s in results for r in self.nested(inner, flags, s, base)]
        return results

    def substitutions(
        self, part: Any, paths: list[State], base: int, *, assigned: bool
    ) -> list[State]:
        """Run each `$(...)` inside a word: in a subshell without errexit (bash's default)."""
        for sub in _substitutions(part):
            following = []
            for state in paths:
                inner = State(False, state.pipefail, functions=dict(state.functions))
                for done in self.sequence([sub.command], [inner], base, checked=False):
                    after = state.fork()
                    after.add_doubts(done.doubts)
                    if done.reached and not state.reached:
                        after.reached = True
                        if not assigned:
                            after.notes.append(
                                "it runs inside `$(...)` in another command's arguments: "
                                "that command's status counts"
                            )
                    after.status = done.status if assigned else 0
                    following.append(after)
            paths = following
        return paths

    @staticmethod
    def assign(assignments: list[Any], state: State, previous: int) -> State:
        """`rc=$?` keeps the status for a later `exit $rc`; any other value replaces it."""
        for assignment in assignments:
            name, _, value = assignment.word.partition("=")
            if value in ("$?", "${?}"):
                state.variables[name] = previous
            elif re.fullmatch(r"\d+", value) and name in state.variables:
                state.variables[name] = int(value) & 255  # `rc=0` after `rc=$?`
            else:
                state.variables.pop(name, None)
        if not any(_substitutions(a) for a in assignments):
            state.status = 0
        return state

    @staticmethod
    def value(word: str, state: State, previous: int) -> str:
        if word in ("$?", "${?}"):
            return str(previous)
        match = re.fullmatch(r"\$\{?(\w+)\}?", word)
        if match and match.group(1) in state.variables:
            status = state.variables[match.group(1)]
            return "?" if status == UNKNOWN_STATUS else str(status)
        return word

    def run_words(
        self, words: list[str], state: State, offset: int, previous: int, checked: bool = False
    ) -> list[State]:
        words = unwrap(words)
        if not words:
            state.status = 0
            return [state]
        name = _program(words[0])
        if self.is_target(words):
            self.mark(offset)
            state.reached, state.status = True, 1
            return [state]
        if name in ("exit", "return"):
            state.status = _status_word(words[1] if len(words) > 1 else str(previous))
            state.exited, state.returned = name == "exit", name == "return"
            return [state]
        if name in ("true", ":", "false", "set"):
            if name == "set":
                _set_options(words[1:], state)
            state.status = int(name == "false")
            return [state]
        if name == "exec" and len(words) > 1:
            results = self.run_words(words[1:], state, offset, previous, checked)
            for result in results:
                result.exited = True
            return results
        if name in ("source", ".") and len(words) > 1:
            if not self.harmless_source(words[1]):
                state.doubts.append(f"it sources {words[1]}, which may change error handling")
        elif name == "eval" and any(self.mention.search(w) for w in words[1:]):
            self.mark(offset)
            state.doubts.append("it runs through `eval`, which the checker does not follow")
            state.reached, state.status = True, UNKNOWN_STATUS
            return [state]
        elif name == "trap" and any(w in ("EXIT", "ERR", "0") for w in words[2:]):
            state.doubts.append("a `trap` may change the script's exit status")
        elif name == "wait" and len(words) > 1 and state.background:
            state.doubts.append("`wait` picks up the background job's status")
            state.status = UNKNOWN_STATUS
            return [state]
        elif name == "__case__":
            state.doubts.append("a `case` branch may exit or change how errors are handled")
            state.status = UNKNOWN_STATUS
            return [state]
        elif name in state.functions:
            return self.call(name, state, checked)
        elif name in SHELLS:
            return self.shell_command(words, state, offset)
        elif name in ("make", "gmake"):
            return self.make(words[1:], state, offset)
        elif "/" in words[0] and (text := self.files.script(words[0])) is not None:
            shell = _shebang(text, words[0])
            if shell is not None:  # a shell script of the repository; another language is a program
                return self.nested(text, shell, state, offset)
        elif name in ("test", "[") and (answer := _literal_test(words)) is not None:
            state.status = int(not answer)
            return [state]
        elif name in PREDICATES:
            state.status = UNKNOWN_STATUS
            return [state]
        elif name in RUNS_ARGUMENTS and any(
            self.is_target(words[i:]) for i in range(1, len(words))
        ):
            self.mark(offset)
            state.reached, state.status = True, UNKNOWN_STATUS
            state.doubts.append(f"it runs through `{name}`, which the checker does not follow")
            return [state]
        state.status = 0
        return [state]

    def harmless_source(self, path: str) -> bool:
        """A venv's activate, a dotenv file, or a script of the repository that neither sets
        shell options nor traps nor exits."""
        if re.search(r"(^|/)activate$|(^|/)\.env$", path):
            return True
        text = self.files.script(path)
        return text is not None and not re.search(r"\b(set\s+[-+]|trap\b|exit\b|shopt\b)", text)

    def call(self, name: str, state: State, checked: bool) -> list[State]:
        """A shell function runs in the caller's shell: errexit is off in its body when the
        call is itself a condition (`f || true`, `if f`, `! f`), as bash does."""
        body, where = state.functions[name]
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TooComplex("functions call each other too deeply to follow")
        try:
            results = self.command(body, state, where, checked=checked)
        finally:
            self.depth -= 1
        for result in results:
            result.returned = False
        return results

    def shell_command(self, words: list[str], state: State, offset: int) -> list[State]:
        """`bash -c SCRIPT`, `sh -ec SCRIPT`, `bash path/to/script.sh`."""
        options, index, inline = [], 1, False
        while index < len(words) and words[index].startswith(("-", "+")):
            option = words[index]
            options.append(option)
            if option in ("-o", "+o") and index + 1 < len(words):
                options.append(words[index + 1])
                index += 1
            index += 1
            if re.fullmatch(r"-[a-zA-Z]*c[a-zA-Z]*", option):
                inline = True
                break
        shell = Shell.from_flags(options)
        if inline and index < len(words):
            return self.nested(words[index], shell, state, offset)
        if not inline and index < len(words) and (text := self.files.script(words[index])):
            return self.nested(text, shell, state, offset)
        state.status = 0
        return [state]

    def make(self, args: list[str], state: State, offset: int) -> list[State]:
        """Each recipe line is its own shell; make stops (exit 2) at the first that fails."""
        run: MakeRun | None = None
        if any(UNKNOWN_PART.search(a) for a in args):
            choices, exact = self.files.make_choices(args) or (None, False)
            if choices is not None and exact:
                run = choices[0]  # only values of variables are unknown
            elif choices is not None and not any(self._runs_mention(c) for c in choices):
                state.status = 0  # no target it may build runs the program
                return [state]
            elif choices is not None or self.files.mentions(
                " ".join(["make", *(a for a in args if not UNKNOWN_PART.search(a))]),
                self.mention,
            ):
                self.mark(offset)  # a target or folder only the run knows, and it may run it
                state.reached, state.status = True, UNKNOWN_STATUS
                state.doubts.append("it runs make with a target or folder only the run knows")
                return [state]
        if run is None:
            run = self.files.make(args)
        if run is None:
            state.status = 0
            return [state]
        state.add_doubts(run.doubts)
        caller, self.files = self.files, self.files.within(run.directory)
        running, stopped = [state], []
        try:
            for text, ignored, shell in run.lines:
                following = []
                for current in running:
                    for done in self.nested(text, shell, current, offset):
                        for succeeded, branch in _branch(done):
                            if succeeded or ignored:
                                if ignored and branch.reached and not current.reached:
                                    branch.notes.append(
                                        "a `-` before the recipe line ignores its failure"
                                    )
                                branch.status = 0
                                following.append(branch)
                            else:
                                branch.status = 2  # make stops at the first failing line
                                stopped.append(branch)
                running = merged(following)
        finally:
            self.files = caller
        for current in running:
            current.status = 0
        return running + stopped

    def _runs_mention(self, run: MakeRun) -> bool:
        """Does a recipe line of the run reach the program (judged as its own script)?"""
        files = self.files.within(run.directory)
        return any(
            judge(text, self.is_target, shell, mention=self.mention, files=files) is not None
            for text, _, shell in run.lines
        )


def _branch(state: State) -> list[tuple[bool, State]]:
    """Follow a status into `&&` / `||` / `if`: both ways when it is unknown."""
    if state.status == UNKNOWN_STATUS:
        ok, failed = state.fork(), state.fork()
        ok.status, failed.status = 0, 1
        ok.forked = failed.forked = True
        return [(True, ok), (False, failed)]
    return [(state.status == 0, state)]


def unwrap(words: list[str]) -> list[str]:
    """Drop what runs a command without changing its status: `env A=1`, `timeout 60`,
    `uv run`, `poetry run`, `nice -n 5`..."""
    while words:
        name = _program(words[0])
        if name == "env":
            words = words[1:]
            while words and ("=" in words[0] or words[0].startswith("-")):
                words = words[1:]
        elif name in ("timeout", "nice", "stdbuf", "ionice", "chronic"):
            words = _skip_options(words[1:], WRAPPER_VALUES)
            while words and re.fullmatch(r"[\d.]+[smhd]?", words[0]):  # timeout's duration
                words = words[1:]
        elif name in WRAPPERS_SIMPLE:
            words = _skip_options(words[1:], WRAPPER_VALUES)
        elif name in RUNNERS and len(words) > 1 and words[1] == "run":
            words = _skip_options(words[2:])
        elif name in ("uvx", "pipx") and len(words) > 1:
            words = _skip_options(words[2:] if words[1] == "run" else words[1:])
        elif re.fullmatch(r"python[\d.]*", name) and len(words) > 2 and words[1] == "-m":
            words = [words[2].split(".")[0], *words[3:]]
        else:
            return words
    return words


def _skip_options(words: list[str], takes_value: set[str] | None = None) -> list[str]:
    takes_value = VALUE_OPTIONS if takes_value is None else takes_value
    while words and words[0].startswith("-"):
        option = words[0]
        words = words[1:]
        if option in takes_value and words:
            words = words[1:]
        if option == "--":
            break
    return words


def _program(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _status_word(word: str) -> int:
    return int(word) & 255 if re.fullmatch(r"\d+", word) else UNKNOWN_STATUS


def _set_options(words: list[str], state: State) -> None:
    option_next: bool | None = None
    for word in words:
        if option_next is not None:
            if word == "errexit":
                state.errexit = option_next
            elif word == "pipefail":
                state.pipefail = option_next
            option_next = None
        elif re.fullmatch(r"[-+][a-zA-Z]+", word):
            on = word[0] == "-"
            if "e" in word:
                state.errexit = on
                if not on:
                    state.notes.append("`set +e` lets the script go on after it fails")
            if word.endswith("o"):
                option_next = on
        elif word == "--":
            break


def _shebang(text: str, path: str) -> Shell | None:
    """How a script file of the repository runs: its shebang's shell and flags; None when it
    is not a shell script (Python, node... are programs, not followed)."""
    first = text.split("\n", 1)[0]
    if not first.startswith("#!"):
        return Shell(errexit=False, pipefail=False) if path.endswith(".sh") else None
    words = first[2:].split()
    if words and _program(words[0]) == "env":
        words = [w for w in words[1:] if w != "-S"]
    if not words or _program(words[0]) not in SHELLS:
        return None
    return Shell.from_flags(words[1:])


def _literal_test(words: list[str]) -> bool | None:
    """`[ 1 -ne 0 ]`, `test "x" = "y"`: the answer when both sides are already values (a
    status kept in a variable is substituted before this); None when the run decides."""
    args = words[1:-1] if words[0] == "[" and words[-1:] == ["]"] else words[1:]
    if len(args) != 3 or any("$" in a or "`" in a for a in (args[0], args[2])):
        return None
    left, operator, right = args
    numeric = {"-eq": 0, "-ne": 1, "-lt": 2, "-le": 3, "-gt": 4, "-ge": 5}
    if operator in numeric and re.fullmatch(r"-?\d+", left) and re.fullmatch(r"-?\d+", right):
        a, b = int(left), int(right)
        return (a == b, a != b, a < b, a <= b, a > b, a >= b)[numeric[operator]]
    if operator in ("=", "=="):
        return left == right
    if operator == "!=":
        return left != right
    return None


def _errexit_applies(node: Any) -> bool:
    """errexit applies to simple commands, pipelines not negated, and subshells."""
    if node.kind == "pipeline":
        return not (node.parts[0].kind == "reservedword" and node.parts[0].word == "!")
    if node.kind == "compound":
        first = node.list[0]
        return first.kind == "reservedword" and first.word == "("
    return node.kind == "command"


def _substitutions(part: Any) -> list[Any]:
    found = []
    for child in getattr(part, "parts", None) or []:
        if child.kind == "commandsubstitution":
            found.append(child)
        else:
            found += _substitutions(child)
    return found


def _walk(node: Any) -> Iterable[Any]:
    yield node
    for attribute in ("parts", "list"):
        for child in getattr(node, attribute, None) or []:
            yield from _walk(child)
    command = getattr(node, "command", None)
    if command is not None:
        yield from _walk(command)


def _target_inside(node: Any, is_target: IsTarget) -> Any | None:
    for child in _walk(node):
        if child.kind == "command":
            words = unwrap([p.word for p in child.parts if p.kind == "word"])
            if words and is_target(words):
                return child
    return None


def _contains_words(node: Any, names: set[str]) -> bool:
    return any(
        child.kind == "command"
        and any(p.kind == "word" and p.word in names for p in child.parts[:1])
        for child in _walk(node)
    )


def _text(node: Any) -> str:
    if node.kind == "command":
        return " ".join(p.word for p in node.parts if p.kind in ("word", "assignment"))[:40]
    return node.kind
