"""docs/rules.md is generated from the rule classes: committed, current, one anchor per rule."""

from __future__ import annotations

import re

from support import REPO_ROOT

from mlgate.check.docs import rules_markdown
from mlgate.check.rules import ALL_RULES
from mlgate.check.rules.base import DOCS_URL

DOCS = REPO_ROOT / "docs" / "rules.md"


def test_the_committed_page_is_what_the_classes_say() -> None:
    assert DOCS.read_text(encoding="utf-8") == rules_markdown(), "run `make docs` and commit"


def test_every_rule_url_lands_on_its_own_anchor() -> None:
    anchors = re.findall(r'<a id="([^"]+)"></a>', DOCS.read_text(encoding="utf-8"))
    assert len(anchors) == len(set(anchors)) == len(ALL_RULES)
    for rule in ALL_RULES:
        assert rule.link() == f"{DOCS_URL}#{rule.code()}"
        assert rule.code() in anchors


def test_requires_name_real_rules_without_cycles() -> None:
    by_code = {rule.code(): rule for rule in ALL_RULES}
    for rule in ALL_RULES:
        seen, todo = set(), list(rule.requires)
        while todo:
            code = todo.pop()
            assert code in by_code, f"{rule.code()} requires unknown {code}"
            assert code != rule.code(), f"{rule.code()} requires itself"
            if code not in seen:
                seen.add(code)
                todo += by_code[code].requires


def test_every_rule_says_how_to_fix_it() -> None:
    assert [rule.code() for rule in ALL_RULES if not rule.fix.strip()] == []
