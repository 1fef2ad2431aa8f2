"""The `engine:` section of mlgate.yaml and `--engine`: which engine, and Spark's settings.

Spark is configured the way Spark users already do it: `SPARK_REMOTE` for Spark Connect,
`spark-submit --master ...` (the session it made is used as it is), or `master` and `spark.*`
keys here. Nothing else: the cluster's own defaults stay in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..policy import PolicyError, check_keys, choice, load_policy, mapping, text

ENGINES = ("arrow", "spark")
ENGINE_KEYS = ("name", "master", "spark")


@dataclass(frozen=True)
class EngineSettings:
    name: str = "arrow"
    master: str | None = None  # e.g. local[2], yarn, spark://host:7077
    config: dict[str, str] = field(default_factory=dict)  # spark.* settings
    source: str = "defaults"

    @classmethod
    def from_policy(cls, policy: dict[str, Any], source: str) -> EngineSettings:
        where = f"{source}: engine"
        raw = policy.get("engine")
        if raw is None:
            return cls(source=source)
        if isinstance(raw, str):  # `engine: spark` is short for `engine: {name: spark}`
            raw = {"name": raw}
        section = mapping(raw, where, "{name: spark, master: 'local[2]'}")
        check_keys(section, ENGINE_KEYS, where)
        name = choice(section.get("name", "arrow"), f"{where}.name", ENGINES)
        master = section.get("master")
        if master is not None:
            master = text(master, f"{where}.master", "a Spark master URL such as local[2]")
        config = mapping(
            section.get("spark"), f"{where}.spark", "{spark.sql.shuffle.partitions: 64}"
        )
        settings: dict[str, str] = {}
        for key, value in config.items():
            if not str(key).startswith("spark."):
                raise PolicyError(f"{where}.spark: {key!r} is not a Spark setting (spark.*)")
            if isinstance(value, bool):
                value = "true" if value else "false"
            if not isinstance(value, str | int | float):
                raise PolicyError(f"{where}.spark.{key}: a setting is text or a number")
            settings[str(key)] = str(value)
        if name == "arrow" and (master or settings):
            raise PolicyError(f"{where}: master and spark.* apply to the spark engine only")
        return cls(name, master, settings, source)


def load_engine(config: str | None, chosen: str | None = None) -> EngineSettings:
    """The engine of --config (or ./mlgate.yaml); `--engine` wins over the file's name."""
    policy, source, _ = load_policy(config)
    settings = EngineSettings.from_policy(policy, source) if policy else EngineSettings()
    if chosen is None or chosen == settings.name:
        return settings
    return EngineSettings(chosen, settings.master if chosen == "spark" else None,
                          settings.config if chosen == "spark" else {}, "--engine")  # fmt: skip


def add_argument(parser: Any) -> None:
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="arrow (this machine) or spark (a Spark session: SPARK_REMOTE, spark-submit or "
        "engine: in mlgate.yaml); default: engine.name in mlgate.yaml, else arrow",
    )
