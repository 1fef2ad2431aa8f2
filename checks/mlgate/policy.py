"""`mlgate.yaml`, the policy file every gate takes its rules from: the one strict reader.

The file is guarded by CODEOWNERS and read from the base ref in pull requests, so it is parsed
strictly: a duplicate key, an unknown section or key, or a value of the wrong type is an error
that names the place, never something silently ignored (an ignored typo would weaken a gate
unnoticed). Every section is read here, through the same value readers, so the same bad value
gets the same message in `gate:`, `drift:` and `verify:` and on the command line; that is why
this module holds all of them (about 400 lines: the whole schema of the file in one place).
`check:` is read by the checker itself, which reports its problems as findings with lines.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import CouldNotCheck
from .hints import describe, did_you_mean, listing, shown
from .io import strict_yaml
from .io.textfile import read_text

SECTIONS = ("gate", "drift", "monitor", "check", "verify", "engine")
DEFAULT_POLICY = "mlgate.yaml"


class PolicyError(CouldNotCheck):
    """The policy file cannot be used: the gate cannot know which rules apply."""


# --- the file -----------------------------------------------------------------------------------


def parse_policy(text: str, source: str) -> dict[str, Any]:
    """Parse policy text; `source` names it in messages ("mlgate.yaml", "mlgate.yaml at main")."""
    try:
        data = strict_yaml.load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source} is not valid YAML: {strict_yaml.problem(exc)}") from None
    if data is None:
        raise PolicyError(f"{source} is empty: it needs at least a 'gate:' section")
    if not isinstance(data, dict):
        raise PolicyError(
            f"{source} must be a mapping of sections ({', '.join(SECTIONS)}), not {describe(data)}"
        )
    for key, value in data.items():
        if not isinstance(key, str) or key not in SECTIONS:
            raise PolicyError(
                f"{source}: unknown section {key!r}{did_you_mean(str(key), SECTIONS)}; "
                f"known sections: {', '.join(SECTIONS)}"
            )
        if value is not None and not isinstance(value, dict):
            raise PolicyError(f"{source}: '{key}' must be a mapping, not {describe(value)}")
    return data


def read_policy(path: Path) -> dict[str, Any]:
    """Parse the policy file at `path` in the working tree."""
    missing = (
        f"no policy file at {path}: create it (see the 'gate:' example in the mlgate docs) "
        "or pass --config"
    )
    text = read_text(path, str(path), missing=missing, error=PolicyError)
    return parse_policy(text, str(path))


def load_policy(config: str | None) -> tuple[dict[str, Any], str, Path]:
    """(policy, source, folder) of --config, or of ./mlgate.yaml when present; else no
    policy at all ({}, "defaults"): commands other than the gate have defaults for everything."""
    path = Path(config or DEFAULT_POLICY)
    if config is None and not path.exists():
        return {}, "defaults", Path()
    return read_policy(path), str(path), path.parent


def section(policy: dict[str, Any], name: str) -> dict[str, Any]:
    """One section of a parsed policy, `{}` when absent."""
    return policy.get(name) or {}


def check_keys(mapping: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Reject keys a section does not define, suggesting the closest known one."""
    for key in mapping:
        if not isinstance(key, str) or key not in allowed:
            raise PolicyError(
                f"{where}: unknown key {key!r}{did_you_mean(str(key), allowed)}; "
                f"allowed: {listing(allowed)}"
            )


# --- values: one check and one message per kind, whatever the section or option ----------------


def number(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> float:
    """A finite number. YAML 1.1 reads `2e2` and `1e-3` (no dot) as text, so numeric text
    counts as the number it spells."""
    parsed: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        parsed = float(value)
    elif isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise error(f"{where} must be a number, not {describe(value)}")
    if not math.isfinite(parsed):
        raise error(f"{where} must be a finite number, not {shown(value)}")
    return parsed


def not_negative(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> float:
    """A finite number, 0 or more (a tolerance, a threshold)."""
    parsed = number(value, where, error)
    if parsed < 0:
        raise error(f"{where} must be 0 or more, not {shown(value)}")
    return parsed


def above_zero(
    value: object, where: str, unit: str, error: type[CouldNotCheck] = PolicyError
) -> float:
    """A finite number of `unit` above 0 (a timeout, a latency budget)."""
    parsed = number(value, where, error)
    if parsed <= 0:
        raise error(f"{where} must be a number of {unit} above 0, not {shown(value)}")
    return parsed


def share(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> float:
    """A share of a whole: above 0 and at most 1."""
    parsed = number(value, where, error)
    if not 0 < parsed <= 1:
        raise error(f"{where} must be above 0 and at most 1, not {shown(value)}")
    return parsed


def whole(
    value: object,
    where: str,
    low: int,
    high: int | None = None,
    error: type[CouldNotCheck] = PolicyError,
) -> int:
    """A whole number from `low` (to `high`); 100.0 and `1e2` are whole, 1.5 is not."""
    span = f"from {low} to {high}" if high is not None else f"of at least {low}"
    wrong = f"{where} must be a whole number {span}, not {describe(value)}"
    parsed = number(value, where, error) if not isinstance(value, bool) else None
    if parsed is None or not parsed.is_integer():
        raise error(wrong)
    if parsed < low or (high is not None and parsed > high):
        raise error(f"{where} must be a whole number {span}, not {shown(value)}")
    return int(parsed)


def flag(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> bool:
    """true or false; quoted 'yes' is text, not a flag."""
    if not isinstance(value, bool):
        raise error(f"{where} must be true or false, not {describe(value)}")
    return value


def text(value: object, where: str, what: str, error: type[CouldNotCheck] = PolicyError) -> str:
    """Non-blank text; `what` says which kind ("a file path", "a git ref")."""
    if not isinstance(value, str) or not value.strip():
        raise error(f"{where} must be {what}, not {describe(value)}")
    return value


def repo_path(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> str:
    """A relative path that stays inside the repository (read at another ref, too)."""
    path = text(value, where, "a file path", error)
    if path.startswith("/") or ".." in path.replace("\\", "/").split("/"):
        raise error(f"{where} must be a path inside the repository, not {path!r}")
    return path


def choice(value: object, where: str, options: tuple[str, ...]) -> str:
    """One of a few names: 'fail' or 'warn'; one of ks, psi, …"""
    if not isinstance(value, str) or value not in options:
        if len(options) == 2:
            named = " or ".join(repr(option) for option in options)
        else:
            named = f"one of {', '.join(options)}"
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        raise PolicyError(f"{where} must be {named}, not {describe(value)}{hint}")
    return value


def mapping(value: object, where: str, example: str) -> dict[str, Any]:
    """A mapping (absent: empty); `example` shows one."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyError(f"{where} must be a mapping such as {example}, not {describe(value)}")
    return value


# --- gate: ---------------------------------------------------------------------------------------

ABSOLUTE_BOUNDS = ("min", "max")
DROP_BOUNDS = ("max_drop", "max_drop_rel")
RISE_BOUNDS = ("max_rise", "max_rise_rel")
BOUNDS = ABSOLUTE_BOUNDS + DROP_BOUNDS + RISE_BOUNDS
RULE_KEYS = ("higher_is_better", *BOUNDS)
GATE_KEYS = ("metrics", "baseline", "on_missing_baseline", "rules")
ON_MISSING_BASELINE = ("fail", "warn")
DEFAULT_METRICS = "reports/metrics.json"
# HEAD, @, FETCH_HEAD, HEAD~2, main^, @{u}: refs that move with the change being judged.
RELATIVE_REF = re.compile(r"^(@|[A-Z_]*HEAD)$|[~^]|@\{")


@dataclass(frozen=True)
class MetricRule:
    """Bounds for one metric; `bounds` holds only the ones the policy sets, in BOUNDS order."""

    metric: str
    higher_is_better: bool
    bounds: dict[str, float] = field(default_factory=dict)

    @property
    def relative(self) -> dict[str, float]:
        """The bounds that compare with the baseline."""
        return {k: v for k, v in self.bounds.items() if k not in ABSOLUTE_BOUNDS}

    @property
    def absolute(self) -> dict[str, float]:
        return {k: v for k, v in self.bounds.items() if k in ABSOLUTE_BOUNDS}

    def describe(self) -> str:
        """The rule as the policy writes it: 'min 0.9, max_drop 0.01'."""
        return ", ".join(f"{name} {format_bound(value)}" for name, value in self.bounds.items())


@dataclass(frozen=True)
class GatePolicy:
    """What a change must meet: a rule that cannot be evaluated as written is an error,
    because a gate that quietly skipped it would pass changes nobody meant to let through."""

    source: str
    metrics: str = DEFAULT_METRICS
    baseline: str | None = None
    on_missing_baseline: str = "fail"
    rules: tuple[MetricRule, ...] = ()

    @classmethod
    def from_policy(cls, policy: dict[str, Any], source: str) -> GatePolicy:
        """Build from a parsed mlgate.yaml (see `parse_policy`)."""
        if "gate" not in policy:
            raise PolicyError(f"{source} has no 'gate:' section: add one with the metric rules")
        gate = section(policy, "gate")
        where = f"{source}: gate"
        check_keys(gate, GATE_KEYS, where)
        metrics = repo_path(gate.get("metrics", DEFAULT_METRICS), f"{where}.metrics")
        baseline = gate.get("baseline")
        if baseline is not None:
            baseline = text(baseline, f"{where}.baseline", "a git ref")
            if RELATIVE_REF.search(baseline):
                raise PolicyError(
                    f"{where}.baseline must name a branch or tag such as origin/main, not "
                    f"{baseline!r}: a ref relative to the change would let it choose its own judge"
                )
        on_missing = choice(
            gate.get("on_missing_baseline", "fail"), f"{where}.on_missing_baseline",
            ON_MISSING_BASELINE,
        )  # fmt: skip
        rules = gate.get("rules")
        if not isinstance(rules, dict) or not rules:
            raise PolicyError(
                f"{where}.rules must map each gated metric to its bounds, e.g. "
                "'accuracy: {min: 0.9, max_drop: 0.01}'"
                + ("" if rules is None else f"; found {describe(rules)}")
            )
        parsed = tuple(parse_rule(name, value, f"{where}.rules") for name, value in rules.items())
        return cls(source, metrics, baseline, on_missing, parsed)

    def rule_texts(self) -> dict[str, str]:
        return {rule.metric: rule.describe() for rule in self.rules}


def parse_rule(name: object, value: object, where: str) -> MetricRule:
    if not isinstance(name, str) or not name.strip():
        raise PolicyError(f"{where}: a metric name must be text, not {describe(name)}")
    where = f"{where}.{name}"
    if not isinstance(value, dict):
        raise PolicyError(
            f"{where} must be a mapping of bounds such as '{{min: 0.9}}', not {describe(value)}"
        )
    check_keys(value, RULE_KEYS, where)
    bounds = {
        key: (not_negative if key in DROP_BOUNDS + RISE_BOUNDS else number)(
            value[key], f"{where}.{key}"
        )
        for key in BOUNDS
        if key in value
    }
    if not bounds:
        raise PolicyError(
            f"{where} has no bound: give at least one of {', '.join(BOUNDS)}; "
            "a rule without one would pass anything"
        )
    if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
        raise PolicyError(f"{where}: min {bounds['min']} is above max {bounds['max']}")
    return MetricRule(name, _direction(value, bounds, where), bounds)


def _direction(value: dict[str, Any], bounds: dict[str, float], where: str) -> bool:
    """higher_is_better as written, or as implied by max_drop (true) / max_rise (false)."""
    drops = [k for k in DROP_BOUNDS if k in bounds]
    rises = [k for k in RISE_BOUNDS if k in bounds]
    if drops and rises:
        raise PolicyError(
            f"{where} mixes {drops[0]} (higher is better) with {rises[0]} (lower is better); "
            "a metric has one direction"
        )
    stated = value.get("higher_is_better")
    if stated is not None:
        stated = flag(stated, f"{where}.higher_is_better")
    if stated is True and rises:
        raise PolicyError(
            f"{where}: {rises[0]} limits a lower-is-better metric but higher_is_better is true; "
            f"use {rises[0].replace('rise', 'drop')}"
        )
    if stated is False and drops:
        raise PolicyError(
            f"{where}: {drops[0]} limits a higher-is-better metric but higher_is_better is false; "
            f"use {drops[0].replace('drop', 'rise')}"
        )
    if stated is not None:
        return stated
    return not rises


def format_bound(value: float) -> str:
    return f"{value:g}"


# --- drift: --------------------------------------------------------------------------------------

METHODS = {  # name: (default threshold, drift when the score is below the threshold)
    "ks": (0.05, True),
    "chisquare": (0.05, True),
    "ztest": (0.05, True),
    "wasserstein": (0.1, False),
    "jensenshannon": (0.1, False),
    "psi": (0.1, False),
}
DRIFT_KEYS = ("reference", "current", "drift_share", "min_rows", "columns", "outputs", "retrain")
OUTPUT_NAMES = ("prediction", "confidence")  # the model's outputs prediction drift judges
COLUMN_KEYS = ("method", "threshold", "ignore")
CURRENT_KEYS = ("path", "url", "token_env", "dvc")
DEFAULT_REFERENCE = "models/reference_profile.json"


@dataclass(frozen=True)
class ColumnRule:
    method: str | None = None
    threshold: float | None = None
    ignore: bool = False


@dataclass(frozen=True)
class DriftPolicy:
    """Where the reference and the window are, and the rules. Defaults mirror Evidently's
    DataDriftPreset (DESIGN.md, "Drift defaults"); a column can choose another method or
    threshold, or be ignored, but only with names that exist."""

    source: str = "defaults"
    reference: str = DEFAULT_REFERENCE
    current: dict[str, str] = field(default_factory=dict)
    drift_share: float = 0.5
    min_rows: int = 30
    columns: dict[str, ColumnRule] = field(default_factory=dict)
    retrain: bool = False  # on drift, drift.yml also dispatches retrain.yml
    outputs: dict[str, ColumnRule] = field(default_factory=dict)  # prediction drift's rules

    @classmethod
    def from_policy(cls, policy: dict[str, Any], source: str) -> DriftPolicy:
        drift = section(policy, "drift")
        where = f"{source}: drift"
        check_keys(drift, DRIFT_KEYS, where)
        reference = text(drift.get("reference", DEFAULT_REFERENCE), f"{where}.reference", "a path")
        current = mapping(drift.get("current"), f"{where}.current", "{path: logs/requests.jsonl}")
        check_keys(current, CURRENT_KEYS, f"{where}.current")
        for key, value in current.items():
            text(value, f"{where}.current.{key}", "text")
        drift_share = share(drift.get("drift_share", 0.5), f"{where}.drift_share")
        min_rows = whole(drift.get("min_rows", 30), f"{where}.min_rows", 1)
        columns = mapping(drift.get("columns"), f"{where}.columns", "{age: {method: psi}}")
        rules = {str(name): _column_rule(rule, f"{where}.columns.{name}") for name, rule
                 in columns.items()}  # fmt: skip
        retrain = flag(drift.get("retrain", False), f"{where}.retrain")
        outputs = mapping(drift.get("outputs"), f"{where}.outputs", "{confidence: {ignore: true}}")
        check_keys(outputs, OUTPUT_NAMES, f"{where}.outputs")
        output_rules = {str(name): _column_rule(rule, f"{where}.outputs.{name}") for name, rule
                        in outputs.items()}  # fmt: skip
        return cls(source, reference, dict(current), drift_share, min_rows, rules, retrain,
                   output_rules)  # fmt: skip


def load_drift_policy(config: str | None) -> DriftPolicy:
    """The drift section of --config, of ./mlgate.yaml when present, else the defaults."""
    policy, source, _ = load_policy(config)
    return DriftPolicy.from_policy(policy, source) if policy else DriftPolicy()


def _column_rule(rule: object, where: str) -> ColumnRule:
    if not isinstance(rule, dict):
        example = "{method: psi}"
        raise PolicyError(f"{where} must be a mapping such as {example}, not {describe(rule)}")
    check_keys(rule, COLUMN_KEYS, where)
    method = rule.get("method")
    if method is not None:
        method = choice(method, f"{where}.method", tuple(METHODS))
    threshold = rule.get("threshold")
    if threshold is not None:
        threshold = not_negative(threshold, f"{where}.threshold")
    ignore = flag(rule.get("ignore", False), f"{where}.ignore")
    if not ignore and method is None and threshold is None:
        raise PolicyError(f"{where} sets nothing: give method, threshold or ignore: true")
    return ColumnRule(method, threshold, ignore)


# --- monitor: ------------------------------------------------------------------------------------

MONITOR_KEYS = ("outcomes", "baseline", "min_labels", "held_out", "rules", "retrain")
DEFAULT_OUTCOMES = "logs/feedback.jsonl"
DEFAULT_HELD_OUT = "models/held_out.jsonl"
DEPLOYED = "deployed"  # monitor.baseline: the release the service's /version names


@dataclass(frozen=True)
class MonitorPolicy:
    """Where production's outcomes come from and how production is judged. Without `rules`,
    the gate's rules judge production too; `baseline: deployed` asks the service which
    release it runs (SERVICE_URL's /version) and compares with that release's metrics."""

    source: str = "defaults"
    outcomes: dict[str, str] = field(default_factory=lambda: {"path": DEFAULT_OUTCOMES})
    baseline: str | None = None  # a ref, DEPLOYED, or None: gate.baseline
    min_labels: int = 100
    held_out: str = DEFAULT_HELD_OUT
    rules: tuple[MetricRule, ...] = ()  # empty: the gate's rules
    retrain: bool = False  # on a performance FAIL, drift.yml also dispatches retrain.yml

    @classmethod
    def from_policy(cls, policy: dict[str, Any], source: str) -> MonitorPolicy:
        monitor = section(policy, "monitor")
        where = f"{source}: monitor"
        check_keys(monitor, MONITOR_KEYS, where)
        outcomes = mapping(monitor.get("outcomes"), f"{where}.outcomes",
                           "{path: logs/feedback.jsonl}")  # fmt: skip
        check_keys(outcomes, CURRENT_KEYS, f"{where}.outcomes")
        for key, value in outcomes.items():
            text(value, f"{where}.outcomes.{key}", "text")
        baseline = monitor.get("baseline")
        if baseline is not None:
            baseline = text(baseline, f"{where}.baseline", "'deployed' or a git ref")
            if RELATIVE_REF.search(baseline):
                raise PolicyError(f"{where}.baseline must be 'deployed', a branch or a tag, not "
                                  f"{baseline!r}")  # fmt: skip
        min_labels = whole(monitor.get("min_labels", 100), f"{where}.min_labels", 1)
        held_out = repo_path(monitor.get("held_out", DEFAULT_HELD_OUT), f"{where}.held_out")
        rules: tuple[MetricRule, ...] = ()
        if "rules" in monitor:
            found = monitor["rules"]
            if not isinstance(found, dict) or not found:
                raise PolicyError(f"{where}.rules must map metrics to bounds (or be left out: "
                                  f"the gate's rules apply); found {describe(found)}")  # fmt: skip
            rules = tuple(parse_rule(n, v, f"{where}.rules") for n, v in found.items())
        retrain = flag(monitor.get("retrain", False), f"{where}.retrain")
        return cls(source, {"path": DEFAULT_OUTCOMES, **outcomes}, baseline, min_labels,
                   held_out, rules, retrain)  # fmt: skip


def load_monitor_policy(config: str | None) -> MonitorPolicy:
    """The monitor section of --config, of ./mlgate.yaml when present, else the defaults."""
    policy, source, _ = load_policy(config)
    return MonitorPolicy.from_policy(policy, source) if policy else MonitorPolicy()


# --- verify: -------------------------------------------------------------------------------------

VERIFY_KEYS = ("timeout_s", "p95_ms", "requests", "sample")
MAX_REQUESTS = 10_000


@dataclass(frozen=True)
class VerifyPolicy:
    """How long a rollout may take and what the service owes. The command line options that
    override it go through the same readers, so `--requests 0` and `requests: 0` are refused
    with the same words."""

    source: str = "defaults"
    timeout_s: float = 300.0  # the whole rollout wait
    p95_ms: float = 200.0  # latency budget of the 95th percentile
    requests: int = 100  # requests timed for the latency
    sample: Path | None = None  # records sent to /predict; none: predictions not checked

    @classmethod
    def from_policy(cls, policy: dict[str, Any], source: str, root: Path) -> VerifyPolicy:
        """The section of a parsed policy; a relative `sample` is relative to `root`."""
        verify = section(policy, "verify")
        where = f"{source}: verify"
        check_keys(verify, VERIFY_KEYS, where)
        defaults = cls()
        timeout_s = seconds(verify.get("timeout_s", defaults.timeout_s), f"{where}.timeout_s")
        p95_ms = milliseconds(verify.get("p95_ms", defaults.p95_ms), f"{where}.p95_ms")
        count = request_count(verify.get("requests", defaults.requests), f"{where}.requests")
        sample = verify.get("sample")
        if sample is not None:
            sample = text(sample, f"{where}.sample", "a file path")
        return cls(source, timeout_s, p95_ms, count, root / sample if sample else None)


def load_verify_policy(config: str | None) -> VerifyPolicy:
    """The verify section of --config, of ./mlgate.yaml when present, else the defaults."""
    policy, source, root = load_policy(config)
    return VerifyPolicy.from_policy(policy, source, root) if policy else VerifyPolicy()


def seconds(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> float:
    """A rollout timeout: a finite number of seconds above 0."""
    return above_zero(value, where, "seconds", error)


def milliseconds(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> float:
    """A latency budget: a finite number of milliseconds above 0."""
    return above_zero(value, where, "milliseconds", error)


def request_count(value: object, where: str, error: type[CouldNotCheck] = PolicyError) -> int:
    """How many requests to time: a whole number from 1 to MAX_REQUESTS."""
    return whole(value, where, 1, MAX_REQUESTS, error)


# --- engine: ------------------------------------------------------------------------------------
# Where profile and drift compute: arrow on this machine (the default) or spark on a Spark
# session (SPARK_REMOTE, spark-submit's master, or master and spark.* here).

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


def add_engine_argument(parser: Any) -> None:
    """`--engine` as profile, drift and validate take it."""
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="arrow (this machine) or spark (a Spark session: SPARK_REMOTE, spark-submit or "
        "engine: in mlgate.yaml; also folders, Delta tables and URIs); default: engine.name "
        "in mlgate.yaml, else arrow",
    )


def load_engine(config: str | None, chosen: str | None = None) -> EngineSettings:
    """The engine of --config (or ./mlgate.yaml); `--engine` wins over the file's name."""
    policy, source, _ = load_policy(config)
    settings = EngineSettings.from_policy(policy, source) if policy else EngineSettings()
    if chosen is None or chosen == settings.name:
        return settings
    return EngineSettings(chosen, settings.master if chosen == "spark" else None,
                          settings.config if chosen == "spark" else {}, "--engine")  # fmt: skip
