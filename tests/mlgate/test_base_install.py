"""`pip install mlgate` without extras: every command either works or says which extra to install.

A missing optional dependency is "could not check" (exit 2) with one line naming the extra,
never a traceback and never exit 1, which the contract reads as a verdict ("drift found").
The environment is real: a fresh venv with mlgate installed from this checkout, no extras.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO_ROOT, VENV_BIN, run_mlgate, tool_env


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    """bin/ of a venv holding mlgate and its base dependencies only."""
    venv = tmp_path_factory.mktemp("base-install") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    subprocess.run(  # uv resolves the same base dependencies as pip, from its cache
        [VENV_BIN / "uv", "pip", "install", "--quiet", "--python", venv / "bin" / "python",
         "-e", REPO_ROOT],
        check=True, capture_output=True, env=tool_env(home), timeout=600,
    )  # fmt: skip
    for module in ("numpy", "pandas", "pyarrow", "great_expectations", "cookiecutter"):
        found = subprocess.run([venv / "bin" / "python", "-c", f"import {module}"], check=False)
        assert found.returncode != 0, f"{module} is in the base install"
    return venv / "bin"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    """Good inputs for the data commands, made with the full install: a table, its profile
    and its suite, so the only thing the base install lacks is the extra."""
    folder = tmp_path_factory.mktemp("inputs")
    rows = "\n".join(f"{i},{i % 3},{'abc'[i % 3]}" for i in range(60))
    (folder / "data.csv").write_text(f"id,small,letter\n{rows}\n", encoding="utf-8")
    for args in (["profile", "data.csv", "-o", "profile.json"],
                 ["suite", "init", "data.csv", "-o", "suite.json"]):  # fmt: skip
        made = run_mlgate(home, *args, cwd=folder)
        assert made.returncode == 0, made.stderr
    rid = "a" * 32  # one labelled prediction of a service's logs, for `mlgate monitor`
    (folder / "requests.jsonl").write_text(
        f'{{"model_version": "1", "predictions": [1], "request_ids": ["{rid}"]}}\n'
    )
    (folder / "feedback.jsonl").write_text(f'{{"request_id": "{rid}", "outcome": 1}}\n')
    (folder / "mlgate.yaml").write_text("gate:\n  rules:\n    accuracy: {min: 0.5}\n")
    (folder / "schema.json").write_text('{"task": "classification", "target": {"classes": [0, 1]}}')
    return folder


def mlgate(bin_dir: Path, cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [bin_dir / "mlgate", *args], cwd=cwd, capture_output=True, text=True, check=False,
        env=tool_env(home), timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["drift", "--reference", "profile.json", "--current", "data.csv"], "data"),
        (["profile", "data.csv", "-o", "again.json"], "data"),
        (["validate", "suite.json", "data.csv"], "data"),
        (["suite", "init", "data.csv", "-o", "again.json"], "data"),
        (["new", "--no-input", "-o", "out"], "new"),
        (
            [
                "monitor",
                "--requests",
                "requests.jsonl",
                "--feedback",
                "feedback.jsonl",
                "--min-labels",
                "1",
                "--schema",
                "schema.json",
            ],
            "serve",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value[:2]),
)
def test_a_command_without_its_extra_exits_2_naming_it(
    base: Path, inputs: Path, home: Path, args: list[str], extra: str
) -> None:
    result = mlgate(base, inputs, home, *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert f"pip install 'mlgate[{extra}]'" in lines[0]
    assert lines[0].startswith(f"mlgate {args[0]}")
    assert not (inputs / "again.json").exists()


@pytest.mark.parametrize(
    "command", ["new", "validate", "suite init", "gate", "monitor", "profile", "drift", "window",
                "check", "verify", "comment", "issue", "pr", "dispatch"],
)  # fmt: skip
def test_every_command_shows_its_help_without_extras(base: Path, home: Path, command: str) -> None:
    result = mlgate(base, home, home, *command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: mlgate {command}")


def test_the_commands_without_an_extra_run(base: Path, tmp_path: Path, home: Path) -> None:
    """gate and check need nothing beyond the base install: they reach a verdict."""
    (tmp_path / "mlgate.yaml").write_text(
        "gate:\n  metrics: m.json\n  rules:\n    accuracy: {min: 0.9}\n", encoding="utf-8"
    )
    (tmp_path / "m.json").write_text('{"accuracy": 0.95}\n', encoding="utf-8")
    gate = mlgate(base, tmp_path, home, "gate")
    assert gate.returncode == 0, gate.stderr
    assert "PASS" in gate.stdout
    check = mlgate(base, tmp_path, home, "check", ".", "--format", "json")
    assert check.returncode in (0, 1, 2), check.stderr
    assert "Traceback" not in check.stderr
