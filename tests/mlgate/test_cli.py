"""mlgate.cli: help, version, usage errors (exit 2) and a start that imports nothing heavy."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from support import REPO_ROOT, run_mlgate, tool_env

from mlgate import __version__
from mlgate.cli import build_parser, main

HEAVY = (
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "great_expectations",
    "sklearn",
    "dvc",
    "cookiecutter",
)


# --- in process -------------------------------------------------------------------------------


def test_help_exits_0_and_lists_commands_and_exit_codes(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: mlgate")
    commands = ("new", "validate", "suite", "gate", "comment", "issue", "pr", "window", "verify")
    for command in commands:
        assert command in out
    assert "Exit codes: 0 pass, 1 fail, 2 could not check." in out


def test_version_matches_package_and_pyproject(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"mlgate {__version__}"
    # the version is the git tag's (hatch-vcs), as installed: no second copy to keep in step
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["source"] == "vcs"
    assert __version__ == importlib.metadata.version("mlgate") != "0+unknown"


def test_no_command_prints_usage_on_stderr_and_returns_2(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "usage: mlgate" in captured.err
    assert "validate" in captured.err


def test_suite_without_subcommand_returns_2(capsys: pytest.CaptureFixture) -> None:
    assert main(["suite"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "usage: mlgate suite" in captured.err
    assert "init" in captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ["bogus-command"],
        ["validate", "--bogus"],
        ["validate", "only-a-suite.json"],
        ["validate", "s.json", "d.csv", "--format", "xml"],
        ["suite", "init", "data.csv"],  # -o is required
        ["suite", "init", "data.csv", "-o", "s.json", "--margin", "wide"],
        ["suite", "init", "data.csv", "-o", "s.json", "--max-categories", "1.5"],
        ["suite", "bogus"],
        ["pr", "--title", "t"],  # --branch is required
        ["pr", "--branch", "b"],  # --title is required
        ["window", "extra-argument"],
        ["verify"],  # the URL is required
        ["verify", "http://localhost", "--requests", "many"],
        ["verify", "http://localhost", "--p95-ms", "fast"],
    ],
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "options"),
    [
        (["validate", "--help"], ["--output", "--format", "suite", "data"]),
        (["suite", "init", "--help"], ["--output", "--name", "--margin", "--max-categories"]),
        (["new", "--help"], ["--no-input", "--output-dir", "--template", "--overwrite"]),
        (["pr", "--help"], ["--branch", "--title", "--body-file", "--base", "--message", "PATH"]),
        (["window", "--help"], ["--config", "drift.current", "Exit codes"]),
        (["verify", "--help"], ["URL", "--expect-version", "--sample", "--requests", "--p95-ms"]),
        (["verify", "--help"], ["--timeout", "--config", "--json", "MLGATE_VERIFY_BACKOFF_S"]),
    ],
)
def test_subcommand_help(argv: list[str], options: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in options:
        assert option in out


def test_parser_defaults() -> None:
    parser = build_parser()
    init = parser.parse_args(["suite", "init", "d.csv", "-o", "s.json"])
    assert init.command == "suite" and init.suite_command == "init"
    assert (init.data, init.output) == ("d.csv", "s.json")
    assert init.margin == 0.1 and init.max_categories == 20
    assert init.force is False and init.name is None

    validate = parser.parse_args(["validate", "s.json", "d.csv"])
    assert (validate.suite, validate.data) == ("s.json", "d.csv")
    assert validate.format == "text" and validate.output is None

    pr = parser.parse_args(["pr", "--branch", "b", "--title", "t"])
    assert (pr.branch, pr.title, pr.paths) == ("b", "t", [])
    assert pr.body_file is None and pr.base is None and pr.message is None
    pr = parser.parse_args(["pr", "--branch", "b", "--title", "t", "--base", "x", "a", "c/d"])
    assert (pr.base, pr.paths) == ("x", ["a", "c/d"])
    assert parser.parse_args(["window"]).config is None
    verify = parser.parse_args(["verify", "http://localhost"])
    assert verify.url == "http://localhost" and verify.expect_version is None
    assert (verify.requests, verify.p95_ms, verify.timeout) == (None, None, None)  # the policy's
    assert verify.sample is None and verify.config is None and verify.json is None

    new = parser.parse_args(["new", "a=1", "b=2", "--no-input"])
    assert new.extra == ["a=1", "b=2"] and new.no_input is True
    assert new.output_dir == "." and new.overwrite is False and new.template is None


def test_parser_parses_explicit_options() -> None:
    argv = ["suite", "init", "d.csv", "-o", "s.json", "--name", "n", "--margin", "0.5"]
    args = build_parser().parse_args([*argv, "--max-categories", "3", "--force"])
    assert (args.name, args.margin, args.max_categories, args.force) == ("n", 0.5, 3, True)
    args = build_parser().parse_args(["validate", "s", "d", "-o", "r.json", "--format", "json"])
    assert (args.output, args.format) == ("r.json", "json")


def test_could_not_check_is_reported_with_command_name(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "no-such-suite.json"
    assert main(["validate", str(missing), str(tmp_path / "d.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlgate validate: could not check: ")
    assert str(missing) in err
    assert "Traceback" not in err


# --- as a command -------------------------------------------------------------------------------


def test_help_as_a_command(home: Path) -> None:
    result = run_mlgate(home, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: mlgate")
    assert result.stderr == ""


def test_version_as_a_command(home: Path) -> None:
    result = run_mlgate(home, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"mlgate {__version__}"


def test_no_command_as_a_command_exits_2(home: Path) -> None:
    result = run_mlgate(home)
    assert result.returncode == 2
    assert "usage: mlgate" in result.stderr
    assert result.stdout == ""


def test_suite_without_subcommand_as_a_command_exits_2(home: Path) -> None:
    result = run_mlgate(home, "suite")
    assert result.returncode == 2
    assert "usage: mlgate suite" in result.stderr


def test_python_dash_m_mlgate(home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mlgate", "--version"],
        capture_output=True,
        text=True,
        env=tool_env(home),
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"mlgate {__version__}"


@pytest.mark.parametrize(
    "action",
    [
        "mlgate.cli.build_parser()",
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    mlgate.cli.main(['--help'])",
    ],
    ids=["build_parser", "help"],
)
def test_the_cli_imports_nothing_heavy(action: str, home: Path) -> None:
    code = (
        f"import sys, contextlib, io, mlgate.cli\n{action}\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=tool_env(home),
        check=True,
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [(["--help"], []), (["gate", "--help"], ["mlgate.gate.command"]),
     (["suite", "init", "--help"], ["mlgate.suite.infer"])],
)  # fmt: skip
def test_only_the_command_run_is_imported(argv: list[str], loaded: list[str], home: Path) -> None:
    """`mlgate --help` lists the table without loading any command's module; running one
    command loads that command's module and no other."""
    code = (
        "import sys, contextlib, io, mlgate.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    mlgate.cli.main({argv!r})\n"
        "modules = {c.module for c in mlgate.cli.COMMANDS.values()}\n"
        "print(sorted(m for m in modules if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=tool_env(home), check=True
    )
    assert result.stdout.strip() == repr(loaded)
