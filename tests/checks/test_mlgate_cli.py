"""The CLI's shape: help, version, exit 2 on bad usage, and no heavy imports at start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import tool_env

from mlgate import __version__
from mlgate.cli import main

HEAVY = ("pandas", "great_expectations", "sklearn", "dvc", "cookiecutter")


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("new", "validate", "suite"):
        assert command in out
    assert "2 could not check" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"mlgate {__version__}"


def test_no_command_is_a_usage_error() -> None:
    assert main([]) == 2
    assert main(["suite"]) == 2


def test_unknown_option_exits_2() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--bogus"])
    assert exit_info.value.code == 2


def test_starting_the_cli_imports_nothing_heavy(home: Path) -> None:
    code = (
        "import sys, mlgate.cli; mlgate.cli.build_parser(); "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=tool_env(home), check=True)  # fmt: skip
    assert result.stdout.strip() == "[]"


def test_help_runs_as_a_command(home: Path) -> None:
    result = subprocess.run(["mlgate", "--help"], capture_output=True, text=True,
                            env=tool_env(home))  # fmt: skip
    assert result.returncode == 0
    assert "usage: mlgate" in result.stdout
