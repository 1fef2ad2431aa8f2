"""The shell analysis behind the gate rules: which constructs let `mlgate gate` fail the step.

Each case is a script a workflow step could run; the expected fate is what bash really does
with the gate's exit status (checked by hand against bash's errexit rules). A last test runs a
sample of them through bash itself, with a stand-in `mlgate` that fails, so the table and bash
cannot drift apart.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from mlgate.check import makefile
from mlgate.check.execution import mlgate_command
from mlgate.check.shell import Fate, MakeRun, NoFiles, Shell, judge

IS_GATE = mlgate_command("gate")
MLGATE = re.compile(r"\bmlgate\b")
F, S, U = Fate.FAILS, Fate.SWALLOWED, Fate.UNPROVEN

CASES: list[tuple[str, Fate | None]] = [
    ('mlgate gate --baseline "origin/${BASE:-main}"', F),
    ("mlgate gate || true", S),
    ("mlgate gate || exit 1", F),
    ("mlgate gate || { echo failed; exit 1; }", F),
    ("mlgate gate | tee out.txt", S),  # no pipefail in GitHub's default `bash -e {0}`
    ("set -o pipefail\nmlgate gate | tee out.txt", F),
    ("set +e\nmlgate gate\necho done", S),
    ("set +e\nmlgate gate", F),  # the last command's status is the script's
    ("set +e\nmlgate gate\nrc=$?\necho x\nexit $rc", F),
    ("if ! mlgate gate; then exit 1; fi", F),
    ("if mlgate gate; then echo ok; fi", S),
    ("if mlgate gate; then echo ok; else echo bad; exit 3; fi", F),
    ('echo "mlgate gate"  # mlgate gate', None),  # a string and a comment are not runs
    ("cat <<EOF\nmlgate gate\nEOF\n", None),
    ("mlgate gate &\necho x", S),
    ('out=$(mlgate gate)\necho "$out"', F),
    ('echo "$(mlgate gate)"', S),
    ("cd x && mlgate gate", F),
    ("cd x && mlgate gate\necho done", F),
    ("mlgate gate && echo ok\necho done", S),  # errexit ignores all but the last of a list
    ("mlgate gate && echo ok", F),
    ("[[ -f x ]] && mlgate gate\necho done", U),  # the test decides whether it runs
    ("time mlgate gate", F),
    ("x=$(( 1 + 2 ))\nmlgate gate", F),
    ("for f in a b; do mlgate gate $f; done", U),
    ("f() { mlgate gate; }\nf", F),
    ("f() { mlgate gate || return 0; }\nf\necho x", S),
    ('bash -c "mlgate gate"', F),
    ('bash -c "mlgate gate || true"', S),
    ("uv run mlgate gate --baseline x", F),
    ("timeout 600 mlgate gate", F),
    ("python -m mlgate gate", F),
    (".venv/bin/mlgate gate", F),
    ("env A=1 mlgate gate", F),
    ('mlgate gate --json "${{ github.x }}"', F),
    ("! mlgate gate", S),
    ("exec mlgate gate", F),
    ("case $x in a) mlgate gate;; esac", U),
    ("case $x in a) echo;; esac\nmlgate gate", F),
    ("xargs -n1 mlgate gate < list", U),
    ('eval "mlgate gate"', U),
    ('mlgate gate; echo "status $?"', F),
    ("mlgate check .", None),
    ("source .venv/bin/activate\nmlgate gate", F),
    ('mlgate gate || echo "::warning::gate failed"', S),
    ("mlgate gate || exit_code=$?\necho $exit_code", S),
    ("mlgate gate\n[ -f reports/gate.md ] && cat reports/gate.md", F),
    ("source ./ci/env.sh\nmlgate gate", U),  # a sourced script may `set +e`
    # what bashlex cannot read by itself, met in real workflows (bench/real_repos.md)
    ('args=()\nargs+=(--format md)\nmlgate gate "${args[@]}"', F),
    ('who=$(echo "$R" | grep -v "^${A}$" || true)\nmlgate gate', F),
    ("while [ ! -e x ]\ndo\n  sleep 1\ndone\nmlgate gate", F),
    ('if [[ "$A" == "x" && \\\n      "$B" == "y" ]]; then echo; fi\nmlgate gate', F),
    # from the second read of the analysis (each checked against bash below)
    ("f() { mlgate gate; echo ok; }\nf || true", S),  # errexit is off in a called condition
    ("f() { mlgate gate; echo ok; }\nif f; then echo yes; fi", S),
    ("set +e\nmlgate gate\nrc=$?\nrc=0\nexit $rc", S),  # a later assignment replaces it
    ("# in case of trouble\nset +e\ncase $OS in linux) echo x;; esac\nmlgate gate\necho done", S),
    ('case "$1" in skip) exit 0;; esac\nmlgate gate', U),
    ("set +e\nmlgate gate\nif [ $? -ne 0 ]; then exit 1; fi", F),
    ("set +e\nmlgate gate\n[ $? -eq 0 ] || exit 1", F),
    ("set -o pipefail\nmlgate gate | grep x", F),
    ("diff <(mlgate gate) x", U),
    ("sudo -u runner mlgate gate", F),
    ("timeout --signal KILL 60 mlgate gate", F),
    ("for d in a b; do f() { mlgate gate; }; f; done", U),
]


@pytest.mark.parametrize(("script", "fate"), CASES, ids=[c[0][:40] for c in CASES])
def test_fate_of_the_gates_exit_status(script: str, fate: Fate | None) -> None:
    verdict = judge(script, IS_GATE, Shell(), mention=MLGATE)
    assert (verdict.fate if verdict else None) == fate, verdict


def test_the_verdict_says_what_swallows_it() -> None:
    assert "|| true" in judge("mlgate gate || true", IS_GATE, Shell(), mention=MLGATE).why
    piped = judge("mlgate gate | tee x", IS_GATE, Shell(), mention=MLGATE)
    assert "pipefail" in piped.why
    assert "set +e" in judge("set +e\nmlgate gate\necho", IS_GATE, Shell(), mention=MLGATE).why


@pytest.mark.parametrize(
    ("shell", "errexit", "pipefail"),
    [
        (None, True, False),  # bash -e {0}
        ("bash", True, True),  # bash --noprofile --norc -eo pipefail {0}
        ("sh", True, False),
        ("bash {0}", False, False),
        ("bash -euo pipefail {0}", True, True),
    ],
)
def test_the_shell_a_step_gets(shell: str | None, errexit: bool, pipefail: bool) -> None:
    assert Shell.for_step(shell) == Shell(errexit, pipefail)


def test_a_shell_that_is_not_posix_is_not_read() -> None:
    assert Shell.for_step("pwsh") is None
    assert Shell.for_step("python") is None


def test_custom_shell_without_errexit_keeps_going() -> None:
    script = "mlgate gate\necho done"
    assert judge(script, IS_GATE, Shell(errexit=False), mention=MLGATE).fate is S


MAKEFILE = """\
VENV ?= .venv
BIN := $(VENV)/bin
BASELINE ?= $(shell git rev-parse origin/main)

.PHONY: gate soft lenient
setup: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
\tpython -m venv $(VENV)
\ttouch $@
gate: setup ## the merge gate
\t$(BIN)/mlgate gate --baseline $(BASELINE)
soft:
\t-mlgate gate
lenient:
\tmlgate gate || true
chained: gate
\t@echo done
"""


class Files(NoFiles):
    def __init__(self, text: str) -> None:
        self.parsed = makefile.parse(text)

    def make(self, args: list[str]) -> MakeRun | None:
        rest, _, _, ignore_all, _ = makefile.split_args(args)
        return makefile.run(self.parsed, rest, ignore_errors=ignore_all)

    def mentions(self, script: str, mention: re.Pattern[str]) -> bool:
        return True


@pytest.mark.parametrize(
    ("script", "fate"),
    [
        ("make gate", F),
        ("make chained", F),  # a prerequisite's recipe runs first and stops make
        ("make soft", S),  # `-` before a recipe line ignores its failure
        ("make lenient", S),
        ("make -i gate", S),
        ("make gate || true", S),
        ("make help", None),
    ],
)
def test_make_targets_are_followed(script: str, fate: Fate | None) -> None:
    verdict = judge(script, IS_GATE, Shell(), mention=MLGATE, files=Files(MAKEFILE))
    assert (verdict.fate if verdict else None) == fate, verdict


def test_makefile_variables_and_order() -> None:
    parsed = makefile.parse(MAKEFILE)
    lines = [text for text, _, _ in makefile.run(parsed, ["gate"]).lines]
    assert lines == [
        "python -m venv .venv",
        "touch .venv/.installed",
        "mlgate gate --baseline __make__".replace("mlgate", ".venv/bin/mlgate"),
    ]
    assert makefile.run(parsed, ["BIN=/opt/bin", "gate"]).lines[-1][0].startswith("/opt/bin/")


@pytest.mark.skipif(not Path("/bin/bash").exists(), reason="needs bash")
@pytest.mark.parametrize(
    ("script", "fate"),
    [(s, f) for s, f in CASES if f in (F, S) and "${{" not in s and "python" not in s
     and "uv run" not in s and ".venv" not in s],
    ids=lambda value: value[:30] if isinstance(value, str) else str(value),
)  # fmt: skip
def test_bash_agrees(script: str, fate: Fate, tmp_path: Path) -> None:
    """The table is bash's own answer: a stand-in `mlgate` that always fails, `bash -e`."""
    stub = tmp_path / "bin" / "mlgate"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    stub.chmod(0o755)
    (tmp_path / "x").mkdir()
    (tmp_path / "list").write_text("a\n", encoding="utf-8")
    env = {**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, timeout=30
    )
    assert (done.returncode != 0) == (fate is F), (script, done.returncode)


def test_many_independent_tests_do_not_explode() -> None:
    """Each `[ ]` doubles the paths; identical ones are followed once (18 would be 262,144)."""
    script = "".join(f'[ -n "$X{i}" ] && A{i}=1\n' for i in range(18)) + "mlgate gate\n"
    assert judge(script, IS_GATE, Shell(), mention=MLGATE).fate is F


MORE_MAKE = """\
gate:
\t@which dvc
\tmlgate gate
soft:
\tmlgate gate $(OPTS)
OPTS ?= || true
"""


def test_an_unknown_recipe_line_does_not_hide_the_gate() -> None:
    verdict = judge("make gate", IS_GATE, Shell(), mention=MLGATE, files=Files(MORE_MAKE))
    assert verdict is not None and verdict.fate is F


def test_make_overrides_hold_for_one_run() -> None:
    files = Files(MORE_MAKE)
    assert judge("make soft OPTS=", IS_GATE, Shell(), mention=MLGATE, files=files).fate is F
    assert judge("make soft", IS_GATE, Shell(), mention=MLGATE, files=files).fate is S


def test_make_dash_c_reads_the_recipe_from_that_folder(tmp_path: Path) -> None:
    from mlgate.check.execution import RepoResolver
    from mlgate.check.repo import Repo

    (tmp_path / "ml/scripts").mkdir(parents=True)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "ml/Makefile").write_text("gate:\n\t./scripts/gate.sh\n")
    (tmp_path / "ml/scripts/gate.sh").write_text("#!/bin/sh\nset +e\nmlgate gate\necho done\n")
    (tmp_path / "scripts/gate.sh").write_text("#!/bin/sh\nmlgate gate\n")
    (tmp_path / "scripts/prep.py").write_text("#!/usr/bin/env python3\nprint(f'{1!r}')\n")
    files = RepoResolver(Repo(tmp_path))
    assert judge("make -C ml gate", IS_GATE, Shell(), mention=MLGATE, files=files).fate is S
    assert judge("./scripts/gate.sh", IS_GATE, Shell(), mention=MLGATE, files=files).fate is F
    # a Python script run by path is a program, not shell to parse
    after_python = "./scripts/prep.py\nmlgate gate"
    assert judge(after_python, IS_GATE, Shell(), mention=MLGATE, files=files).fate is F
    loop = 'for target in gate; do make -C ml "$target"; done'
    assert judge(loop, IS_GATE, Shell(), mention=MLGATE, files=files).fate is U


MATRIX_MAKE = """\
build-server-docker:
\tdocker build -t $(REGISTRY)/server:$(VERSION) .
build-ui-docker:
\tdocker build -t $(REGISTRY)/ui:$(VERSION) ui
gate-pr:
\tmlgate gate --against main
gate-soft:
\tmlgate gate || true
gate:
\tmlgate gate --tag $(VERSION)
"""


@pytest.mark.parametrize(
    ("script", "fate"),
    [
        # only a variable's value is unknown: the run is the recipe, with that word unknown
        ("make gate VERSION=${{ github.ref_name }}", F),
        ('make gate VERSION="$VERSION"', F),
        # a target only the run knows is read as a pattern over the rules
        ("make build-${{ matrix.component }}-docker REGISTRY=${REGISTRY}\nmlgate gate", F),
        ("make gate-$MODE", U),  # gate-pr gates, gate-soft does not: cannot tell
        # an unknown folder: the Makefile cannot be known
        ("make -C $DIR gate", U),
    ],
)
def test_make_with_values_only_the_run_knows(script: str, fate: Fate, tmp_path: Path) -> None:
    from mlgate.check.execution import RepoResolver
    from mlgate.check.repo import Repo

    (tmp_path / "Makefile").write_text(MATRIX_MAKE)
    files = RepoResolver(Repo(tmp_path))
    verdict = judge(script, IS_GATE, Shell(errexit=True), mention=MLGATE, files=files)
    assert verdict is not None and verdict.fate is fate, verdict


def test_make_targets_that_never_run_the_program_are_not_a_gate(tmp_path: Path) -> None:
    from mlgate.check.execution import RepoResolver
    from mlgate.check.repo import Repo

    (tmp_path / "Makefile").write_text(MATRIX_MAKE)
    files = RepoResolver(Repo(tmp_path))
    script = "make build-${{ matrix.component }}-docker REGISTRY=${REGISTRY}"
    assert judge(script, IS_GATE, Shell(errexit=True), mention=MLGATE, files=files) is None
