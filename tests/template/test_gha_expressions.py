"""The harness's expression evaluator gives GitHub's answers, and refuses what it cannot read."""

from __future__ import annotations

import pytest

from mlgate.check.gha_expressions import (
    Contexts,
    ExpressionError,
    Status,
    condition,
    evaluate,
    interpolate,
)

PR_EVENT = {
    "pull_request": {
        "number": 7,
        "head": {"repo": {"full_name": "acme/model"}},
        "title": "Smaller model",
    },
    "repository": {"default_branch": "main"},
}


def contexts(failed: bool = False) -> Contexts:
    values = {
        "github": {
            "event_name": "pull_request",
            "event": PR_EVENT,
            "repository": "acme/model",
            "base_ref": "main",
            "ref": "refs/pull/7/merge",
            "workflow": "CI",
        },
        "env": {"PYTHON_VERSION": "3.11"},
        "steps": {"gate": {"outcome": "failure", "outputs": {"status": "1"}}},
        "needs": {"pipeline": {"result": "success", "outputs": {"gate": "success"}}},
        "runner": {"os": "Linux"},
        "secrets": {"GITHUB_TOKEN": "t0ken"},
        "vars": {},
    }
    return Contexts(values, Status(failed=failed), hash_files=lambda patterns: "abc123")


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("github.event_name == 'pull_request'", True),
        ("github.event_name == 'PULL_REQUEST'", True),  # strings compare ignoring case
        ("github.event.pull_request.number || github.ref", 7),
        ("github.event.issue.number || github.ref", "refs/pull/7/merge"),
        ("github.base_ref || github.event.repository.default_branch", "main"),
        ("github.event.pull_request.head.repo.full_name == github.repository", True),
        ("github['event']['pull_request']['number'] == 7", True),
        ("needs.pipeline.outputs.gate == 'success' || needs.pipeline.outputs.gate == 'failure'",
         True),
        ("steps.gate.outcome == 'success'", False),
        ("steps.gate.outputs.status != ''", True),
        ("!cancelled() && steps.gate.outputs.status == '1'", True),
        ("'1' == 1", True),  # loose equality: other types compare as numbers
        ("null == 0", True),
        ("contains(github.repository, 'MODEL')", True),
        ("startsWith(github.ref, 'refs/pull/')", True),
        ("format('{0}-{1}', github.workflow, 7)", "CI-7"),
        ("hashFiles('dvc.lock') != ''", True),
        ("fromJSON('[1, 2]')[1]", 2),
        ("github.event.nothing.here", None),
        ("(1 < 2) && !(2 < 1)", True),
    ],
)  # fmt: skip
def test_evaluates_like_github(expression: str, value: object) -> None:
    assert evaluate(expression, contexts()) == value


@pytest.mark.parametrize(
    ("text", "failed", "runs"),
    [
        (None, False, True),
        (None, True, False),  # no `if:` means success()
        ("github.event_name == 'pull_request'", True, False),  # wrapped in success()
        ("${{ !cancelled() && steps.gate.outputs.status != '' }}", True, True),
        ("${{ always() }}", True, True),
        ("failure()", True, True),
    ],
)
def test_conditions_are_wrapped_in_success_unless_they_ask(
    text: str | None, failed: bool, runs: bool
) -> None:
    assert condition(text, contexts(failed)) is runs


def test_interpolation_keeps_text_around_expressions() -> None:
    ctx = contexts()
    assert interpolate("dvc-${{ runner.os }}-${{ hashFiles('dvc.lock') }}", ctx) == (
        "dvc-Linux-abc123"
    )
    assert interpolate("${{ github.event.pull_request.number }}", ctx) == 7
    assert interpolate("plain", ctx) == "plain"


@pytest.mark.parametrize(
    "expression",
    [
        "matrix.python",  # a context the job does not have
        "steps.gaet.outcome",  # a step id that does not exist
        "needs.test.result",  # a job this one does not need
        "unknownFunction(1)",
        "github.event_name ==",
        "github.event_name = 'x'",
        "success(1)",
    ],
)
def test_refuses_what_it_cannot_evaluate(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, contexts())
