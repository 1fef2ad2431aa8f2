"""`mlgate new` makes the project install the mlgate that rendered it (PEP 610 direct_url.json)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from mlgate import new


@pytest.mark.parametrize(
    ("recorded", "source"),
    [
        (None, "pypi"),  # from the package index: no direct_url.json
        ("not json", "pypi"),
        ({"url": "file:///home/me/my%20mlgate", "dir_info": {"editable": True}},
         "/home/me/my mlgate"),
        ({"url": "https://github.com/org/mlgate", "vcs_info": {"vcs": "git", "commit_id": "ab12"}},
         "git+https://github.com/org/mlgate@ab12"),
        ({"url": "https://hg.example/mlgate", "vcs_info": {"vcs": "hg", "commit_id": "7f"},
          "subdirectory": "python"}, "hg+https://hg.example/mlgate@7f#subdirectory=python"),
        ({"url": "file:///wheels/mlgate-0.1.0-py3-none-any.whl", "archive_info": {}},
         "file:///wheels/mlgate-0.1.0-py3-none-any.whl"),
    ],
)  # fmt: skip
def test_the_source_is_where_mlgate_came_from(
    recorded: object, source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = recorded if recorded is None or isinstance(recorded, str) else json.dumps(recorded)
    installed = SimpleNamespace(read_text=lambda name: text if name == "direct_url.json" else None)
    monkeypatch.setattr(new.metadata, "distribution", lambda name: installed)
    assert new.installed_source() == source


def test_this_checkout_renders_projects_that_install_it() -> None:
    assert new.installed_source() == str(new.bundled_template())
