"""The service's configuration: SERVICE_* environment variables with defaults (pydantic-settings).

Read once at start-up and checked then: a bad value stops the service with a message naming
the variable (exit 2), instead of a surprise under load.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "SERVICE_"
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def _not_blank(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("string_too_short", "set but empty")
    return value


Location = Annotated[Path, BeforeValidator(_not_blank)]


class SettingsError(SystemExit):
    """A bad environment variable: exit 2 with the message."""

    def __init__(self, message: str) -> None:
        super().__init__(f"service configuration: {message}")
        self.code = 2


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, frozen=True, extra="ignore", str_strip_whitespace=True
    )

    model_dir: Location = Path("models")
    metrics_file: Location = Path("reports/metrics.json")
    host: Annotated[str, Field(min_length=1)] = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    version: str = ""  # empty: the installed package's version
    commit: Annotated[str, Field(min_length=1)] = "unknown"
    max_batch: Annotated[int, Field(ge=1)] = 1000  # records per request; more is 413
    max_body_bytes: Annotated[int, Field(ge=64)] = 1 << 20  # request body; more is 413
    request_log: Annotated[str, Field(min_length=1)] = "-"  # a file path, or - for stdout
    request_log_max_bytes: Annotated[int, Field(ge=1024)] = 100 << 20  # rotate beyond this
    request_log_backups: Annotated[int, Field(ge=0)] = 5  # requests.jsonl.1 ... .5
    request_log_flush_s: Positive = 0.5  # the writer's interval; the request path never writes
    feedback_log: Annotated[str, Field(min_length=1)] = "-"  # outcomes sent to /feedback
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    shutdown_timeout_s: Positive = 30.0  # in-flight requests get this long on SIGTERM

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip().lower() or "info"  # set but empty: the default, as before
        return value

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """SERVICE_* from the environment (keyword arguments win); SettingsError when bad."""
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise SettingsError(_first_problem(exc)) from None

    def service_version(self, package: str, pyproject: Path = Path("pyproject.toml")) -> str:
        """SERVICE_VERSION (the image's tag), else the installed package's, else pyproject's."""
        if self.version:
            return self.version
        try:
            return metadata.version(package)
        except (metadata.PackageNotFoundError, ValueError):
            pass
        try:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        except (OSError, ValueError):
            project = {}
        return str(project.get("version") or "0.0.0+unknown")


def _first_problem(error: ValidationError) -> str:
    """pydantic's first error in the words of the variable a person set."""
    problem = error.errors(include_url=False)[0]
    field = str(problem["loc"][0]) if problem["loc"] else ""
    name, value, kind = PREFIX + field.upper(), problem.get("input"), problem["type"]
    if kind in {"int_parsing", "int_from_float"}:
        return f"{name} must be a whole number, not {value!r}"
    if kind in {"float_parsing", "finite_number"}:
        return f"{name} must be a finite number, not {value!r}"
    if kind == "string_too_short":
        return f"{name} is set but empty"
    if kind == "literal_error":
        expected = (problem.get("ctx") or {}).get("expected", "")
        return f"{name} must be one of {expected}, not {value!r}"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than"}:
        return f"{name} must be {_bounds(field)}, not {value}"
    return f"{name}: {problem['msg']} (got {value!r})"


def _bounds(field: str) -> str:
    rules = {
        key: getattr(rule, key)
        for rule in Settings.model_fields[field].metadata
        for key in ("ge", "le", "gt")
        if getattr(rule, key, None) is not None
    }
    if "ge" in rules and "le" in rules:
        return f"between {rules['ge']} and {rules['le']}"
    if "gt" in rules:
        return f"above {rules['gt']}"
    return f"at least {rules['ge']}" if "ge" in rules else f"at most {rules['le']}"
