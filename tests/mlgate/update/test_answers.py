"""Answers read back from a project (mlgate update --adopt), on the patterns real templates use.

Each fixture is written here and reproduces a pattern seen in public templates (their files are
not copied): an answers file rendered with `jsonify`, an answer in a folder name, answers
printed on lines with text around them, alone on a line, through `replace` or `jsonquote`
filters, and what cannot be read (an `or` of two answers, a line of template logic).
"""

from __future__ import annotations

import json
from pathlib import Path

from mlgate.update.answers import answer_files, infer, line_pattern

CONTEXT = {
    "project_name": "Example",
    "package": "{{ cookiecutter.project_name.lower() }}",
    "author": "Someone",
    "email": "someone@example.com",
    "website": "",
    "summary": "An example.",
    "license": ["MIT", "Apache-2.0"],
}


def write(root: Path, files: dict[str, str]) -> list[Path]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return sorted(root / name for name in files)


def read(tmp_path: Path, template: dict[str, str], project: dict[str, str]) -> dict:
    folder, mine = tmp_path / "t" / "{{cookiecutter.package}}", tmp_path / "p"
    files = write(folder, template)
    write(mine, project)
    return infer(folder, files, mine, sorted(project), CONTEXT)


def test_answers_printed_on_lines_folders_and_filters(tmp_path: Path) -> None:
    template = {
        "README.md": "# {{ cookiecutter.project_name }}\n\n{{ cookiecutter.summary }}\n\nUse it.\n",
        "src/{{ cookiecutter.package }}/__init__.py": '"""{{ cookiecutter.project_name }}."""\n',
        "pyproject.toml": (
            "[project]\n"
            "description = \"{{ cookiecutter.summary | replace('\"', '\\\\\"') }}\"\n"
            "authors = [{ name = {{ cookiecutter.author|jsonquote }}, "
            "email = {{ cookiecutter.email|jsonquote }} }]\n"
            'license = "{{ cookiecutter.license }}"\n'
        ),
        "AUTHORS.md": (
            "* {{ cookiecutter.author }} - {{ cookiecutter.website or cookiecutter.email }}\n"
        ),
        "NOTES.md": "{% if cookiecutter.website %}See {{ cookiecutter.website }}{% endif %}\n",
    }
    project = {
        "README.md": "# Widget Lab\n\nWidgets, measured.\n\nUse it.\nOur own line.\n",
        "src/widget_lab/__init__.py": '"""Widget Lab."""\n',
        "pyproject.toml": (
            '[project]\ndescription = "Widgets, measured."\n'
            'authors = [{ name = "Ada \\"Lovelace\\" B.", email = "ada@example.org" }]\n'
            'license = "Apache-2.0"\n'
        ),
        "AUTHORS.md": '* Ada "Lovelace" B. - https://ada.example.org\n',
        "NOTES.md": "See https://ada.example.org\n",
    }
    found = read(tmp_path, template, project)
    assert found == {
        "project_name": "Widget Lab",  # from the title: "# (.+)"
        "package": "widget_lab",  # from the folder name
        "summary": "Widgets, measured.",  # alone on its line, in a block of equal size
        "author": 'Ada "Lovelace" B.',  # a JSON string decoded
        "email": "ada@example.org",
        "license": "Apache-2.0",  # one of the choices
    }  # website: only behind `or` and `{% if %}`: not read, stays at its default


def test_a_choice_that_is_not_offered_is_not_taken(tmp_path: Path) -> None:
    found = read(tmp_path, {"LICENSE.md": "License: {{ cookiecutter.license }}\n"},
                 {"LICENSE.md": "License: GPL-3.0\n"})  # fmt: skip
    assert "license" not in found


def test_an_answers_file_wins_and_is_listed_for_skip(tmp_path: Path) -> None:
    answers = {"project_name": "Saved Name", "author": "Saved", "license": "MIT", "extra": 1}
    template = {".answers.json": "{{ cookiecutter | jsonify }}\n",
                "README.md": "# {{ cookiecutter.project_name }}\n"}  # fmt: skip
    project = {".answers.json": json.dumps(answers), "README.md": "# Another Name\n"}
    found = read(tmp_path, template, project)
    assert found == {"project_name": "Saved Name", "author": "Saved", "license": "MIT"}
    folder = tmp_path / "t" / "{{cookiecutter.package}}"
    loop = folder / ".rc"
    loop.write_text("{%- for key, value in cookiecutter.items()|sort %}\n{{ key }}: {{ value }}\n"
                    "{%- endfor %}\n")  # fmt: skip
    files = sorted([loop, folder / ".answers.json", folder / "README.md"])
    assert answer_files(folder, files, {}) == [".answers.json", ".rc"]


def test_several_paths_each_with_answers(tmp_path: Path) -> None:
    """Paths are read one after another: one with an answer already read, or behind a filter,
    after one that matched."""
    template = {
        "b/{{ cookiecutter.package }}.txt": "b\n",
        "c/{{ cookiecutter.package }}-{{ cookiecutter.package | upper }}.txt": "c\n",
        "d/{{ cookiecutter.package }}/x.txt": "d\n",
    }
    project = {"b/lab.txt": "b\n", "c/lab-LAB.txt": "c\n", "d/lab/x.txt": "d\n"}
    assert read(tmp_path, template, project) == {"package": "lab"}


def test_a_line_that_is_only_an_answer_is_read_only_in_its_place() -> None:
    line = "{{ cookiecutter.summary }}"
    assert line_pattern(line, {}, {"summary"}) is None
    assert line_pattern(line, {}, {"summary"}, whole=True) is not None
    assert line_pattern("{{ cookiecutter.summary | lower }}", {}, {"summary"}, whole=True) is None


def test_commit_subjects_are_plain_text_in_the_description() -> None:
    """A subject from the template's repository must not mention, link, reference issues of
    this repository or carry HTML into the pull request."""
    from mlgate.update.describe import _inline, shown_url

    shown = _inline("Fix #42 for @team: [docs](https://x.example) ![i](u) <b>bold</b>")
    assert "#42" not in shown and "@team" not in shown
    assert "](" not in shown and "<b>" not in shown and "&lt;b&gt;" in shown
    assert (
        shown_url("https://user:secret@github.example/org/t") == "https://***@github.example/org/t"
    )
