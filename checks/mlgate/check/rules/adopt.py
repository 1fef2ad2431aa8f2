"""ADOPT: every part of the standard the repository requires is there."""

from __future__ import annotations

from ..adoption import adoption, required_parts
from ..model import Finding
from ..repo import Repo
from ..yaml_lines import line_of
from .base import Rule


class ADOPT(Rule):
    family = "adoption"


class ADOPT101(ADOPT):
    """Every part the repository requires (check.require, --require) is adopted."""

    fix = (
        "Adopt the part (the finding says how), or take it out of `check.require` in "
        "mlgate.yaml with the reason it does not apply."
    )

    @classmethod
    def evaluate(cls, repo: Repo) -> list[Finding]:
        _, problems = required_parts(repo)
        line = line_of(repo.policy_section("check"), "require")
        findings = [Finding(problem, "mlgate.yaml", line) for problem in problems]
        for used in adoption(repo).values():
            if used.required and not used.adopted:
                source = "mlgate.yaml" if line else None
                findings.append(
                    Finding(
                        f"{used.part.name} ({used.part.title}) is required but not adopted: "
                        f"{used.part.next_step}",
                        source,
                        line,
                    )
                )
        return findings
