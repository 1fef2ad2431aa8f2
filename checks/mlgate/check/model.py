"""What a rule says about a repository: findings, or why it does not apply or could not run."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class Severity(IntEnum):
    """Ordered so that `--fail-on warning` means warning and above."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_ADOPTED = "not adopted"  # the repository does not use this part of the standard
    SKIPPED = "skipped"  # not applicable here, or a rule it requires did not pass
    IGNORED = "ignored"  # mlgate.yaml check.ignore, with its reason
    NOT_RUN = "not run"  # could not check: a tool is missing or crashed


@dataclass(frozen=True)
class Finding:
    """One place that breaks a rule; `code` differs from the rule's for tool findings."""

    message: str
    path: str | None = None
    line: int | None = None
    code: str | None = None
    severity: Severity | None = None


class NotApplicable(Exception):
    """The rule has nothing to look at in this repository (e.g. no deploy/ when none chosen)."""


class NotRun(Exception):
    """The rule could not be checked (a tool is missing or crashed): never reported as clean."""


@dataclass
class RuleResult:
    code: str
    family: str
    title: str
    url: str
    severity: Severity
    status: Status
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    part: str | None = None  # the part of the standard the rule belongs to (None: every repo)

    def finding_code(self, finding: Finding) -> str:
        return finding.code or self.code

    def finding_severity(self, finding: Finding) -> Severity:
        return finding.severity or self.severity
