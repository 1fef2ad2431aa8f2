"""The recipe lines `make ARGS` runs, read from a Makefile as GNU make reads them.

Workflows are thin: a step runs `make gate`, and whether the gate can fail the step depends on
the recipe. No maintained Python library parses Makefiles into rules and recipes (pymake and
its forks are unmaintained), so this reads the part that decides failures: variables
(`=`, `:=`, `?=`, `+=`, command-line overrides), rules and prerequisites in the order make
builds them, recipe prefixes (`-` ignores a failure, `@`, `+`), `.IGNORE`, `.ONESHELL`,
`.POSIX` and `.SHELLFLAGS`. Conditionals are read as if every branch were taken; functions
(`$(shell ...)`) become a placeholder word, which the shell analysis treats as any other text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .shell import MakeRun, Shell, closing

ASSIGNMENT = re.compile(
    r"^(?:(?:export|override)\s+)*([A-Za-z_.][\w.-]*)\s*(::=|:::=|:=|\?=|\+=|!=|=)\s*(.*)$"
)
RULE = re.compile(r"^([^:=#\t][^:=#]*?)\s*(::?)(?!=)\s*(.*)$")
DIRECTIVE = re.compile(
    r"^\s*(ifeq|ifneq|ifdef|ifndef|else|endif|include|-include|sinclude|vpath|unexport)\b"
)
MAX_EXPANSION = 20


@dataclass
class Rule:
    prerequisites: list[str] = field(default_factory=list)
    recipe: list[str] = field(default_factory=list)


@dataclass
class Makefile:
    variables: dict[str, str] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    first_target: str | None = None
    ignore_all: bool = False  # a bare `.IGNORE:`

    @property
    def ignored_targets(self) -> set[str]:
        """`.IGNORE: a b`: errors in these targets' recipes are ignored."""
        special = self.rules.get(".IGNORE")
        return set(special.prerequisites) if special else set()

    @property
    def oneshell(self) -> bool:
        return ".ONESHELL" in self.rules

    @property
    def posix(self) -> bool:
        return ".POSIX" in self.rules

    def expand(self, text: str, local: dict[str, str] | None = None, depth: int = 0) -> str:
        """`$(NAME)`, `${NAME}`, `$X`, `$$`; functions become `__make__`."""
        if depth > MAX_EXPANSION or "$" not in text:
            return text
        local = local or {}
        out, index = [], 0
        while index < len(text):
            char = text[index]
            if char != "$" or index + 1 >= len(text):
                out.append(char)
                index += 1
                continue
            follower = text[index + 1]
            if follower == "$":
                out.append("$")
                index += 2
            elif follower in "({":
                end = closing(text, index + 1)
                inner = text[index + 2 : end]
                out.append(self._reference(inner, local, depth))
                index = end + 1
            else:
                out.append(self._reference(follower, local, depth))
                index += 2
        return "".join(out)

    def _reference(self, inner: str, local: dict[str, str], depth: int) -> str:
        name = self.expand(inner, local, depth + 1)
        if re.fullmatch(r"[\w.-]+|[@<^?*+|]", name) is None:
            return "__make__"  # a function: $(shell ...), $(abspath ...), $(if ...)
        if name in local:
            return local[name]
        if name == "MAKE":
            return "make"
        return self.expand(self.variables.get(name, ""), local, depth + 1)

    @property
    def shell(self) -> Shell:
        flags = self.variables.get(".SHELLFLAGS", "-c").split()
        shell = Shell.from_flags(flags)
        return Shell(shell.errexit or self.posix, shell.pipefail)


def parse(text: str) -> Makefile:
    makefile = Makefile()
    current: list[Rule] = []
    in_define = False
    for line in _logical_lines(text):
        if in_define:
            in_define = not line.strip().startswith("endef")
            continue
        if line.startswith("\t"):
            for rule in current:
                rule.recipe.append(line[1:])
            continue
        stripped = _uncomment(line).strip()
        if not stripped:
            continue
        if stripped.startswith("define "):
            in_define = True
            continue
        if DIRECTIVE.match(stripped):
            continue
        if assigned := ASSIGNMENT.match(stripped):
            _assign(makefile, *assigned.groups())
            current = []
            continue
        rule_match = RULE.match(stripped)
        if rule_match is None:
            current = []
            continue
        targets_text, _, rest = rule_match.groups()
        targets = makefile.expand(targets_text).split()
        rest, _, inline = rest.partition(";")
        if ASSIGNMENT.match(rest.strip()):  # target-specific variable
            current = []
            continue
        prerequisites = makefile.expand(rest.replace("|", " ")).split()
        current = []
        for target in targets:
            if target == ".IGNORE" and not prerequisites:
                makefile.ignore_all = True
            rule = makefile.rules.setdefault(target, Rule())
            rule.prerequisites += prerequisites
            if inline.strip():
                rule.recipe.append(inline.strip())
            current.append(rule)
            if makefile.first_target is None and not target.startswith(".") and "%" not in target:
                makefile.first_target = target
    return makefile


def _assign(makefile: Makefile, name: str, operator: str, value: str) -> None:
    if operator == "?=" and name in makefile.variables:
        return
    if operator == "+=" and name in makefile.variables:
        makefile.variables[name] = f"{makefile.variables[name]} {value}"
    elif operator in (":=", "::=", ":::="):
        makefile.variables[name] = makefile.expand(value)
    elif operator == "!=":
        makefile.variables[name] = "__make__"
    else:
        makefile.variables[name] = value


def _logical_lines(text: str) -> list[str]:
    """Lines with backslash-newline continuations joined (kept inside recipes: the shell
    reads them there)."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        if pending:
            recipe = pending.startswith("\t")
            pending = pending + ("\\\n" if recipe else " ") + (raw.lstrip() if not recipe else raw)
        else:
            pending = raw
        if pending.endswith("\\") and not pending.endswith("\\\\"):
            pending = pending[:-1]
            continue
        lines.append(pending)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def _uncomment(line: str) -> str:
    return re.sub(r"(?<!\\)#.*$", "", line)


def run(
    makefile: Makefile, args: list[str], *, ignore_errors: bool = False, directory: str = ""
) -> MakeRun:
    """What `make ARGS` (options already removed but for VAR=value and targets) runs;
    `ignore_errors` is `make -i`, `directory` the `-C` folder the recipes run in."""
    overrides = dict(arg.split("=", 1) for arg in args if "=" in arg)
    targets = [arg for arg in args if "=" not in arg]
    # overrides hold for this run only: the parsed Makefile is shared by every step
    makefile = replace(makefile, variables={**makefile.variables, **overrides})
    goal = makefile.variables.get(".DEFAULT_GOAL") or makefile.first_target
    goals = targets or ([goal] if goal else [])
    doubts = [f"make has no rule for {t!r}" for t in goals if t not in makefile.rules]
    lines: list[tuple[str, bool, Shell]] = []
    built: set[str] = set()
    shell, ignored_targets = makefile.shell, makefile.ignored_targets

    def build(target: str, depth: int = 0) -> None:
        if target in built or depth > 50:
            return
        built.add(target)
        rule = makefile.rules.get(target)
        if rule is None:
            return
        for prerequisite in rule.prerequisites:
            build(prerequisite, depth + 1)
        local = {
            "@": target,
            "<": rule.prerequisites[0] if rule.prerequisites else "",
            "^": " ".join(rule.prerequisites),
        }
        ignored_here = ignore_errors or makefile.ignore_all or target in ignored_targets
        if makefile.oneshell and rule.recipe:  # one shell; the first line's prefixes count
            first, ignored = _prefixes(makefile.expand(rule.recipe[0], local))
            rest = [_prefixes(makefile.expand(line, local))[0] for line in rule.recipe[1:]]
            lines.append(("\n".join([first, *rest]), ignored or ignored_here, shell))
            return
        for line in rule.recipe:
            text, ignored = _prefixes(makefile.expand(line, local))
            lines.append((text, ignored or ignored_here, shell))

    for goal_name in goals:
        build(goal_name)
    return MakeRun(lines, doubts, directory)


def _prefixes(line: str) -> tuple[str, bool]:
    """Strip `@`, `-` and `+` before a recipe line; `-` means its failure is ignored."""
    stripped = line.lstrip()
    ignored = False
    while stripped[:1] in ("@", "-", "+"):
        ignored = ignored or stripped[0] == "-"
        stripped = stripped[1:].lstrip()
    return stripped, ignored


def split_args(args: list[str]) -> tuple[list[str], str | None, str | None, bool, bool]:
    """`make` arguments -> (targets and VAR=value, -C directory, -f file, -i, -n)."""
    rest: list[str] = []
    directory = file = None
    ignore = dry = False
    index = 0
    while index < len(args):
        arg = args[index]
        value_next = index + 1 < len(args)
        if arg in ("-C", "--directory") and value_next:
            directory = args[index + 1]
            index += 1
        elif arg.startswith("--directory="):
            directory = arg.split("=", 1)[1]
        elif arg in ("-f", "--file", "--makefile") and value_next:
            file = args[index + 1]
            index += 1
        elif arg.startswith(("--file=", "--makefile=")):
            file = arg.split("=", 1)[1]
        elif (
            arg in ("-j", "--jobs", "-l", "-o", "-W")
            and value_next
            and args[index + 1][0:1].isdigit()
        ):
            index += 1
        elif arg.startswith("--"):
            ignore = ignore or arg == "--ignore-errors"
            dry = dry or arg in ("--dry-run", "--just-print", "--recon")
        elif arg.startswith("-") and len(arg) > 1:
            letters = arg[1:]
            if letters.startswith("C") and len(letters) > 1:
                directory = letters[1:]
            elif letters.startswith("f") and len(letters) > 1:
                file = letters[1:]
            else:
                ignore = ignore or "i" in letters
                dry = dry or "n" in letters
        else:
            rest.append(arg)
        index += 1
    return rest, directory, file, ignore, dry
