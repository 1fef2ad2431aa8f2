"""Regenerate the GX suites the template ships for scikit-learn's sample data sets.

Each suite is written by `mlgate suite init` on the data set exactly as the `fetch` stage
writes it, under a conditional file name so a project gets only its own. Review the diff
before committing: the suites are the data contract of every new project.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from sklearn import datasets

ROOT = Path(__file__).resolve().parents[1]
TARGET_DIR = ROOT / "{{cookiecutter.project_slug}}" / "gx" / "expectations"
REVIEWED = (
    "Reviewed for the template: columns and order, types, no nulls, the target's classes, and "
    "ranges of the sample +/-10% (non-negative columns kept at 0 or above). Tighten the ranges "
    "to what your domain allows."
)
LOADERS = {
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "diabetes": datasets.load_diabetes,
}


def suite_path(dataset: str) -> Path:
    return TARGET_DIR / f"{{% if cookiecutter.dataset == '{dataset}' %}}raw_data.json{{% endif %}}"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for name, loader in LOADERS.items():
            data = Path(tmp) / "data.csv"
            loader(as_frame=True).frame.to_csv(data, index=False, lineterminator="\n")
            out = suite_path(name)
            subprocess.run(
                [sys.executable, "-m", "mlgate", "suite", "init", str(data), "-o", str(out),
                 "--name", "raw_data", "--force"],
                check=True,
            )  # fmt: skip
            suite = json.loads(out.read_text(encoding="utf-8"))
            suite["meta"]["review"] = REVIEWED
            out.write_text(json.dumps(suite, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
