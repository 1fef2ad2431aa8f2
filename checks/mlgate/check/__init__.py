"""`mlgate check`: does a repository follow the mlgate standard?

Rules are repo-review checks (one class per rule, a code, a one-line docstring that states the
rule, `requires`, a `url` into docs/rules.md), so `repo-review PATH` runs them too; mlgate's
own runner adds what repo-review has no place for: severities, file and line, ignores with
reasons, the zizmor and hadolint findings one by one, and SARIF / GitHub annotations.
"""
