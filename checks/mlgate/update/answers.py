"""A project's template answers, read back from the project itself (for `--adopt`).

What a template printed can be read back where it printed it, with nothing specific to one
template:

- a file rendered from `{{ cookiecutter | jsonify }}` (many templates keep their answers so)
  holds them all;
- a path such as `src/{{ cookiecutter.module_name }}/__init__.py` names the answer in the
  project's own path;
- a line such as `# {{ cookiecutter.project_name }}` becomes a pattern (`# (.+)`) tried on the
  project's lines that stand where it stands (lines aligned with difflib), and each answer
  takes the value most lines agree on.

Only plain `{{ cookiecutter.x }}` expressions are read (a filter or an `or` changes what was
printed); a choice answer is kept only when it is one of the template's choices. What cannot
be read back is tuned by rendering (adopt.py) or left at the template's default.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EXPRESSION = re.compile(r"\{\{\s*cookiecutter\.(\w+)\s*(\|[^}]*)?\}\}")
ANY_EXPRESSION = re.compile(r"\{\{.*?\}\}")
JSONIFIED = re.compile(r"\{\{\s*cookiecutter\s*\|\s*jsonify")
# a file that lists every answer: as JSON, or by a loop over them (a .cookiecutterrc)
ANSWER_RECORD = re.compile(r"\{\{\s*cookiecutter\s*\|\s*jsonify|\bin\s+cookiecutter\.items\(\)")


def infer(folder: Path, files: list[Path], project: Path, mine: list[str],
          context: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """Answers for the template in `folder` (its `{{ ... }}` project folder, whose `files`
    are compared) from `project` (whose files are `mine`, relative)."""
    found: dict[str, Any] = {}

    def take(values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            if key in context and key not in found and fits(value, context[key]):
                found[key] = value

    take(from_answer_files(folder, files, project, context, found))
    take(from_paths(folder, files, mine, context, found))
    take(from_lines(folder, files, project, context, found))
    source = mlgate_source(project)
    if "mlgate_source" in context and source and "mlgate_source" not in found:
        found["mlgate_source"] = source
    return found


def fits(value: Any, default: Any) -> bool:
    """A value a template with this default accepts: one of its choices, or text for text."""
    if isinstance(default, list):
        return value in default
    return isinstance(value, str) and bool(value.strip())


def unknown(context: Mapping[str, Any], found: Mapping[str, Any]) -> set[str]:
    return {k for k in context if not k.startswith("_") and k not in found}


Found = Mapping[str, Any]


def from_answer_files(folder: Path, files: list[Path], project: Path,
                      context: Found, found: Found) -> dict[str, Any]:  # fmt: skip
    """A file the template fills with all its answers (`{{ cookiecutter | jsonify }}`)."""
    for template_file in files:
        text = _text(template_file)
        if text is None or not JSONIFIED.search(text):
            continue
        mine = project / plain_path(template_file.relative_to(folder).as_posix(), found)
        try:
            saved = json.loads(mine.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(saved, dict):
            return {k: v for k, v in saved.items() if k in unknown(context, found)}
    return {}


def from_paths(folder: Path, files: list[Path], mine: list[str],
               context: Found, found: Found) -> dict[str, Any]:  # fmt: skip
    """Answers in the names of folders and files (`src/{{ cookiecutter.module_name }}`)."""
    wanted = unknown(context, found)
    votes: dict[str, Counter[str]] = {key: Counter() for key in wanted}
    for template_file in files:
        path = template_file.relative_to(folder).as_posix()
        pattern = line_pattern(path, found, wanted, any_text="[^/]+?")
        if pattern is None:
            continue
        for match in filter(None, map(pattern.fullmatch, mine)):
            for key, value in match.groupdict().items():
                votes[key][value] += 1
    return winners(votes)


def answer_files(folder: Path, files: list[Path], answers: Mapping[str, Any]) -> list[str]:
    """Project paths of files that list the answers (`{{ cookiecutter | jsonify }}`, a loop
    over `cookiecutter.items()`): an
    update's renders add cruft's `_commit` there, which no project's copy has, so they go to
    .cruft.json's `skip` (.cruft.json itself is the record that is kept up to date)."""
    return [plain_path(f.relative_to(folder).as_posix(), answers) for f in files
            if ANSWER_RECORD.search(_text(f) or "")]  # fmt: skip


def from_lines(folder: Path, files: list[Path], project: Path,
               context: Found, found: Found) -> dict[str, Any]:  # fmt: skip
    """Answers where the template printed them, on lines aligned with the project's."""
    wanted = unknown(context, found)
    votes: dict[str, Counter[str]] = {key: Counter() for key in wanted}
    for template_file in files:
        theirs = (_text(template_file) or "").splitlines()
        if not any("cookiecutter." in line for line in theirs):
            continue
        mine = project / plain_path(template_file.relative_to(folder).as_posix(), found)
        ours = (_text(mine) or "").splitlines()
        if not ours:
            continue
        matcher = difflib.SequenceMatcher(None, theirs, ours, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "replace":
                vote(theirs[i1:i2], ours[j1:j2], found, wanted, votes)
    return winners(votes)


def vote(theirs: list[str], ours: list[str], known: Mapping[str, Any], wanted: set[str],
         votes: dict[str, Counter[str]]) -> None:  # fmt: skip
    """Read the answers on the template's lines from the project's lines in the same block.
    A line that is nothing but an answer is read only from the line in its place, in a block
    of as many lines on both sides (else it would match any line)."""
    paired = len(theirs) == len(ours)
    for index, line in enumerate(theirs):
        pattern = line_pattern(line, known, wanted, whole=paired)
        if pattern is None:
            continue
        candidates = [ours[index]] if paired and _whole(line) else ours
        found = next((m for m in map(pattern.fullmatch, candidates) if m), None)
        for group, text in (found.groupdict() if found else {}).items():
            key, value = _value(group, text)
            if value.strip():
                votes[key][value] += 1


def winners(votes: Mapping[str, Counter[str]]) -> dict[str, str]:
    return {key: counted.most_common(1)[0][0] for key, counted in votes.items() if counted}


def _whole(line: str) -> bool:
    return not ANY_EXPRESSION.sub("", line).strip()


def line_pattern(line: str, known: Mapping[str, Any], wanted: set[str],
                 any_text: str = ".+?", whole: bool = False) -> re.Pattern[str] | None:  # fmt: skip
    """A pattern that reads the wanted answers back from what `line` rendered to; None when
    the line names none, has template logic (`{%`), or is nothing but an answer (unless
    `whole`: the caller pairs it with one line)."""
    if "{%" in line or not EXPRESSION.search(line):
        return None
    parts, named, position = [], set(), 0
    for match in ANY_EXPRESSION.finditer(line):
        parts.append(re.escape(line[position : match.start()]))
        position = match.end()
        plain = EXPRESSION.fullmatch(match[0])
        key = plain[1] if plain and (_verbatim(plain[2]) or _quoted(plain[2])) else None
        if key in named:
            parts.append(f"(?P={key})")
        elif key in wanted and _quoted(plain[2] if plain else None):
            parts.append(f'(?P<{JSON_PREFIX}{key}>"(?:[^"\\\\]|\\\\.)*")')
            named.add(key)
        elif key in wanted:
            parts.append(f"(?P<{key}>{any_text})")
            named.add(key)
        elif key in known:
            shown = json.dumps(known[key]) if _quoted(plain[2] if plain else None) else known[key]
            parts.append(re.escape(str(shown)))
        else:
            parts.append(any_text)
    parts.append(re.escape(line[position:]))
    if not named or (_whole(line) and not whole):
        return None
    return re.compile("".join(parts))


JSON_PREFIX = "json__"  # a group that holds a JSON string (`|tojson`, `|jsonquote`)
QUOTING = re.compile(r"^\|\s*(tojson|jsonquote)\s*$")


def _quoted(filters: str | None) -> bool:
    return bool(filters and QUOTING.match(filters.strip()))


def _value(key: str, text: str) -> tuple[str, str]:
    """(answer, value) from a pattern group; a JSON string group decoded."""
    if not key.startswith(JSON_PREFIX):
        return key, text
    try:
        decoded = json.loads(text)
    except ValueError:
        return key.removeprefix(JSON_PREFIX), ""
    return key.removeprefix(JSON_PREFIX), decoded if isinstance(decoded, str) else ""


ESCAPING = re.compile(r"^(\|\s*replace\([^)]*\)\s*)+$")


def _verbatim(filters: str | None) -> bool:
    """No filter, or only `replace(...)` (escaping quotes): text without them prints as is."""
    return not filters or bool(ESCAPING.match(filters.strip()))


def plain_path(path: str, answers: Mapping[str, Any]) -> str:
    """A template path with the answers known so far put in (others left as written)."""
    return EXPRESSION.sub(lambda m: str(answers.get(m[1], m[0])) if not m[2] else m[0], path)


def mlgate_source(project: Path) -> str | None:
    """mlgate's own template: `mlgate_source`, read back from the dependency it wrote (its
    line goes through a Jinja variable of the template's, so it cannot be read as above)."""
    import tomllib

    try:
        meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    about = meta.get("project")
    for dependency in about.get("dependencies") or [] if isinstance(about, dict) else []:
        name, _, url = str(dependency).partition(" @ ")
        if re.match(r"^mlgate(\[[^\]]*\])?(>=|$|\s)", name.strip()):
            return url.strip() or "pypi"
    return None


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
