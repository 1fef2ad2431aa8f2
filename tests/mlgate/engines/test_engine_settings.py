"""`engine:` in mlgate.yaml and `--engine`: what is accepted, what is refused (exit 2), and a
missing pyspark said with its install hint, never an import traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlgate.policy import EngineSettings, PolicyError, load_engine, parse_policy


def settings(text: str) -> EngineSettings:
    return EngineSettings.from_policy(parse_policy(text, "mlgate.yaml"), "mlgate.yaml")


def test_the_engine_section() -> None:
    assert settings("gate: {}\n").name == "arrow"
    assert settings("engine: {name: spark}\n").name == "spark"
    found = settings(
        "engine:\n  name: spark\n  master: local[2]\n  spark:\n"
        "    spark.sql.shuffle.partitions: 64\n    spark.sql.adaptive.enabled: true\n"
    )
    assert found.master == "local[2]"
    assert found.config == {"spark.sql.shuffle.partitions": "64",
                            "spark.sql.adaptive.enabled": "true"}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("engine: {name: dask}\n", "engine.name must be 'arrow' or 'spark'"),
        ("engine: {name: spark, spark: {shuffle: 3}}\n", "'shuffle' is not a Spark setting"),
        ("engine: {name: arrow, master: 'local[2]'}\n", "apply to the spark engine only"),
        ("engine: {name: spark, cores: 4}\n", "cores"),
        ("engine: {name: spark, spark: {spark.a: [1]}}\n", "a setting is text or a number"),
    ],
)
def test_a_bad_engine_section_is_refused(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        settings(text)


def test_the_command_line_wins_over_the_file(tmp_path: Path) -> None:
    policy = tmp_path / "mlgate.yaml"
    policy.write_text("engine: {name: spark, master: 'local[3]'}\n", encoding="utf-8")
    assert load_engine(str(policy)).master == "local[3]"
    assert load_engine(str(policy), "arrow") == EngineSettings("arrow", None, {}, "--engine")


def test_without_pyspark_the_spark_engine_is_exit_2_with_the_install_hint(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    blocked = (
        "import sys; sys.modules['pyspark'] = None; from mlgate.cli import main; "
        f"sys.exit(main(['profile', {str(data)!r}, '-o', {str(tmp_path / 'p.json')!r}, "
        "'--engine', 'spark']))"
    )
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True,
                          cwd=tmp_path, check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "pip install 'mlgate[spark]'" in done.stderr
    assert "Traceback" not in done.stderr
