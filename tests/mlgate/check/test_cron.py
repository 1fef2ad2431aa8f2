"""The one cron validator: `mlgate check` (DRIFT101) and the template's hook use this file."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import REPO_ROOT

from mlgate.check import cron
from mlgate.check.cron import cron_problem


@pytest.mark.parametrize(
    "expression",
    ["17 6 * * 1", "*/10 * * * *", "0 0 * * 1/2", "0 0 * * 0,3", "30 03 * * *",
     "0 9-17/2 * * MON-FRI", "0 0 1 JAN,jul *", "33 */9 * * *"],
)  # fmt: skip
def test_schedules_github_runs_are_valid(expression: str) -> None:
    """Including forms seen in real repositories' workflows (`1/2`, `03`)."""
    assert cron_problem(expression) == ""


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("61 6 * * 1", "'61 6 * * 1': minute '61' is outside 0-59"),
        ("0 6 * *", "'0 6 * *' has 4 fields; cron needs 5"),
        ("*/0 6 * * 1", "'*/0 6 * * 1': minute step '0' is not a positive number"),
        ("0 6 * * 8", "'0 6 * * 8': day of week '8' is outside 0-6"),
        ("0 6 * FOO *", "'0 6 * FOO *': month 'FOO' is not a number or a name such as JAN"),
        ("0 x * * *", "'0 x * * *': hour 'x' is not a number"),
        ("0 9-5 * * *", "'0 9-5 * * *': hour range '9-5' runs backwards"),
        ("0 1-2-3 * * *", "'0 1-2-3 * * *': hour '1-2-3' is not a value or range"),
        (5, "a cron must be a string, not int"),
    ],
)
def test_problems_are_named_with_the_field(expression: object, problem: str) -> None:
    assert cron_problem(expression) == problem


def test_the_template_hook_runs_this_same_file() -> None:
    """hooks/cron.py is a link to the module, so the hook and the checker cannot disagree."""
    hook = REPO_ROOT / "hooks" / "cron.py"
    assert hook.is_symlink()
    assert hook.resolve() == Path(cron.__file__).resolve()
