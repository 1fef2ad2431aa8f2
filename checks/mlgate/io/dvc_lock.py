"""What dvc.lock says of one output: its hash, to tell whether two commits hold the same file.

`mlgate monitor` calibrates its estimate on models/held_out.jsonl; when the release judged was
trained by another commit than the one checked out, dvc.lock's record of that file differs
between the two, and the estimate would describe another model.
"""

from __future__ import annotations

from typing import Any

import yaml


def dvc_out_hash(lock_text: str, path: str) -> str | None:
    """The md5 dvc.lock records for the output `path`; None when it records none."""
    try:
        lock = yaml.safe_load(lock_text)
    except yaml.YAMLError:
        return None
    stages = lock.get("stages") if isinstance(lock, dict) else None
    for stage in (stages or {}).values() if isinstance(stages, dict) else ():
        outs: Any = stage.get("outs") if isinstance(stage, dict) else None
        for out in outs if isinstance(outs, list) else ():
            if isinstance(out, dict) and out.get("path") == path:
                found = out.get("md5")
                return str(found) if found else None
    return None
