"""GitHub Actions `${{ }}` expressions, evaluated as the runner does.

Two users: the test harness that runs generated workflows (every value known), and the
checker, which asks "does this `if:` let the gate run on a pull request?" before any run, with
most values UNKNOWN: then `&&`, `||`, `!` and comparisons follow three-valued logic and
`decide` answers True, False or None (cannot tell).

Covers literals, context dereference (`a.b`, `a['b']`), `!`, comparisons (loose equality,
case-insensitive strings), `&&` / `||` returning an operand, and the functions `contains`,
`startsWith`, `endsWith`, `format`, `join`, `toJSON`, `fromJSON`, `hashFiles`, `success`,
`failure`, `cancelled`, `always`. Anything else — an unknown context or function, a step or job
id that does not exist, a syntax error — raises ExpressionError: neither user may guess.

One module (~370 lines): a tokenizer, a parser and an evaluator that only make sense together.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

TOKEN = re.compile(
    r"\s*(?:(?P<number>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))"
    r"|(?P<string>'(?:[^']|'')*')"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,*])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
STRICT_IDS = ("steps", "needs")  # a typo in an id is a bug in the workflow, not a null


class ExpressionError(ValueError):
    """An expression that cannot be evaluated exactly as GitHub would."""


class _Unknown:
    """A value only the run will know (the checker's view of `github.event.*`, `steps.*`)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class Partial(dict):  # type: ignore[type-arg]
    """A context whose keys not given are UNKNOWN rather than null."""


@dataclass
class Status:
    """The job's state, which success() / failure() / cancelled() read."""

    failed: bool = False
    cancelled: bool = False


@dataclass
class Contexts:
    values: dict[str, Any]
    status: Status = field(default_factory=Status)
    hash_files: Callable[[list[str]], str] | None = None


def tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class Parser:
    """Recursive descent over the token list; evaluates as it goes (short-circuit aware)."""

    def __init__(self, text: str, contexts: Contexts) -> None:
        self.text, self.items, self.at, self.contexts = text, tokens(text), 0, contexts

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        item = self.peek()
        if item is None or (value is not None and item[1] != value):
            raise ExpressionError(f"expected {value or 'more'} in {self.text!r}")
        self.at += 1
        return item

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in {self.text!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            if value is UNKNOWN:
                value = right if right is not UNKNOWN and truthy(right) else UNKNOWN
            else:
                value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.compare()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.compare()
            if value is UNKNOWN:
                value = right if right is not UNKNOWN and not truthy(right) else UNKNOWN
            else:
                value = right if truthy(value) else value
        return value

    def compare(self) -> Any:
        value = self.unary()
        while self.peek() in {("op", o) for o in ("==", "!=", "<", "<=", ">", ">=")}:
            operator = self.take()[1]
            right = self.unary()
            unknown = value is UNKNOWN or right is UNKNOWN
            value = UNKNOWN if unknown else compare(operator, value, right)
        return value

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            value = self.unary()
            return UNKNOWN if value is UNKNOWN else not truthy(value)
        return self.postfix()

    def postfix(self) -> Any:
        value, path = self.primary()
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                if self.peek() == ("op", "*"):
                    self.take()
                    value = _star(value)
                    path = [*path, "*"]
                    continue
                kind, name = self.take()
                if kind != "name":
                    raise ExpressionError(f"expected a property name in {self.text!r}")
            else:
                name = self.or_()
                self.take("]")
            value = self.member(value, name, path)
            path = [*path, str(name)]
        return value

    def member(self, value: Any, name: Any, path: list[str]) -> Any:
        if value is UNKNOWN or (isinstance(value, Partial) and name not in value):
            return UNKNOWN
        if isinstance(value, Filtered):
            return Filtered(self.member(item, name, path) for item in value)
        strict = len(path) == 1 and path[0] in STRICT_IDS
        if strict and (not isinstance(value, Mapping) or name not in value):
            raise ExpressionError(f"{path[0]}.{name} is no {path[0][:-1]} of this job")
        if isinstance(value, Mapping):
            for key in value:  # GitHub's property names are case-insensitive
                if str(key).lower() == str(name).lower():
                    return value[key]
            return None
        if isinstance(value, list) and isinstance(name, int | float) and 0 <= name < len(value):
            return value[int(name)]
        return None

    def primary(self) -> tuple[Any, list[str]]:
        kind, text = self.take()
        if kind == "number":
            return (int(text, 16) if text.lower().startswith("0x") else float(text)), []
        if kind == "string":
            return text[1:-1].replace("''", "'"), []
        if text == "(":
            value = self.or_()
            self.take(")")
            return value, []
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} in {self.text!r}")
        literal = {"true": True, "false": False, "null": None}
        if text in literal:
            return literal[text], []
        if self.peek() == ("op", "("):
            return self.call(text), []
        if text not in self.contexts.values:
            if isinstance(self.contexts.values, Partial):
                return UNKNOWN, [text]
            raise ExpressionError(f"unknown context {text!r} in {self.text!r}")
        return self.contexts.values[text], [text]

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ("op", ")"):
            args.append(self.or_())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        return self.function(name, args)

    def function(self, name: str, args: list[Any]) -> Any:
        status = self.contexts.status
        lowered = name.lower()
        if lowered in ("success", "failure", "cancelled", "always") and args:
            raise ExpressionError(f"{name}() takes no arguments")
        if lowered == "success":
            return not status.failed and not status.cancelled
        if lowered == "failure":
            return status.failed
        if lowered == "cancelled":
            return status.cancelled
        if lowered == "always":
            return True
        if any(arg is UNKNOWN for arg in args):
            return UNKNOWN
        if lowered == "contains":
            haystack, needle = args
            if isinstance(haystack, list):
                return any(compare("==", item, needle) for item in haystack)
            return as_text(needle).lower() in as_text(haystack).lower()
        if lowered == "startswith":
            return as_text(args[0]).lower().startswith(as_text(args[1]).lower())
        if lowered == "endswith":
            return as_text(args[0]).lower().endswith(as_text(args[1]).lower())
        if lowered == "format":
            return format_(as_text(args[0]), [as_text(a) for a in args[1:]])
        if lowered == "join":
            separator = as_text(args[1]) if len(args) > 1 else ","
            items = args[0] if isinstance(args[0], list) else [args[0]]
            return separator.join(as_text(i) for i in items)
        if lowered == "tojson":
            return json.dumps(args[0], indent=2)
        if lowered == "fromjson":
            return json.loads(as_text(args[0]))
        if lowered == "hashfiles":
            if self.contexts.hash_files is None:
                if isinstance(self.contexts.values, Partial):
                    return UNKNOWN
                raise ExpressionError("hashFiles() needs a workspace")
            return self.contexts.hash_files([as_text(a) for a in args])
        raise ExpressionError(f"unknown function {name}() in {self.text!r}")


class Filtered(list):  # type: ignore[type-arg]
    """The result of an object filter (`labels.*.name`): later properties apply to each item."""


def _star(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, Mapping):
        return Filtered(value.values())
    return Filtered(value) if isinstance(value, list) else Filtered()


def format_(template: str, args: list[str]) -> str:
    def fill(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        return args[int(match.group(1))]

    return re.sub(r"\{\{|\}\}|\{(\d+)\}", fill, template)


def truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "") and not (isinstance(value, float) and value == 0)


def as_text(value: Any) -> str:
    """How GitHub writes a value into a string (numbers without a needless .0)."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2)
    return str(value)


def as_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(int(value, 16)) if value.lower().startswith("0x") else float(value or 0)
        except ValueError:
            return math.nan
    return math.nan


def compare(operator: str, left: Any, right: Any) -> bool:
    """GitHub's loose comparison: same types compare directly (strings ignoring case), others
    as numbers; objects and arrays are equal only to themselves."""
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        same = left is right
        return {"==": same, "!=": not same}.get(operator, False)
    if isinstance(left, str) and isinstance(right, str):
        a, b = left.lower(), right.lower()
    elif type(left) is type(right) and not isinstance(left, str):
        a, b = left, right
    else:
        a, b = as_number(left), as_number(right)
        if math.isnan(a) or math.isnan(b):
            return operator == "!="
    return {
        "==": a == b,
        "!=": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[operator]


def evaluate(expression: str, contexts: Contexts) -> Any:
    """One expression, without the `${{ }}` around it (as in `if:`)."""
    return Parser(expression, contexts).parse()


def condition(text: Any, contexts: Contexts) -> bool:
    """A step's or job's `if:`: implicitly wrapped in success() unless it calls a status
    function, as GitHub does."""
    value = decide(text, contexts)
    if value is None:
        raise ExpressionError(f"{text!r} depends on values not known here")
    return value


def decide(text: Any, contexts: Contexts) -> bool | None:
    """`condition`, three-valued: None when the answer depends on an UNKNOWN value."""
    if text is None:
        text = "success()"
    elif isinstance(text, bool):
        text = "success()" if text else "false"
    source = str(text).strip()
    whole = EMBEDDED.fullmatch(source)
    source = whole.group(1) if whole else source
    if not re.search(r"\b(success|failure|cancelled|always)\s*\(", source):
        source = f"success() && ({source})"
    value = evaluate(source, contexts)
    return None if value is UNKNOWN else truthy(value)


def interpolate(text: Any, contexts: Contexts) -> Any:
    """A value with `${{ }}` inside: the whole value if it is one expression, else text."""
    if not isinstance(text, str):
        return text
    whole = EMBEDDED.fullmatch(text.strip())
    if whole and text.strip() == text:
        return evaluate(whole.group(1), contexts)
    return EMBEDDED.sub(lambda m: as_text(evaluate(m.group(1), contexts)), text)
