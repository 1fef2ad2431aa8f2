"""The service's configuration: environment variables with defaults (listed in the README).

Read once at start-up and checked then: a bad value stops the service with a message naming
the variable, instead of a surprise under load.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

PREFIX = "SERVICE_"


class SettingsError(SystemExit):
    """A bad environment variable: exit 2 with the message."""

    def __init__(self, message: str) -> None:
        super().__init__(f"service configuration: {message}")
        self.code = 2


@dataclass(frozen=True)
class Settings:
    model_dir: Path = Path("models")
    metrics_file: Path = Path("reports/metrics.json")
    host: str = "127.0.0.1"
    port: int = 8000
    version: str = ""  # empty: the installed package's version
    commit: str = "unknown"
    max_batch: int = 1000  # records per request; more is 413
    max_body_bytes: int = 1 << 20  # request body; more is 413
    request_log: str = "-"  # a file path, or - for standard output
    request_log_max_bytes: int = 100 << 20  # rotate the file beyond this size
    request_log_backups: int = 5  # rotated files kept: requests.jsonl.1 ... .5
    request_log_flush_s: float = 0.5  # the writer's interval; the request path never writes
    log_level: str = "info"
    shutdown_timeout_s: float = 30.0  # in-flight requests get this long on SIGTERM

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        read = _Reader(env)
        return cls(
            model_dir=Path(read.text("MODEL_DIR", str(cls.model_dir))),
            metrics_file=Path(read.text("METRICS_FILE", str(cls.metrics_file))),
            host=read.text("HOST", cls.host),
            port=read.integer("PORT", cls.port, low=1, high=65535),
            version=read.text("VERSION", "", empty_ok=True),
            commit=read.text("COMMIT", cls.commit),
            max_batch=read.integer("MAX_BATCH", cls.max_batch, low=1),
            max_body_bytes=read.integer("MAX_BODY_BYTES", cls.max_body_bytes, low=64),
            request_log=read.text("REQUEST_LOG", cls.request_log),
            request_log_max_bytes=read.integer(
                "REQUEST_LOG_MAX_BYTES", cls.request_log_max_bytes, low=1024
            ),
            request_log_backups=read.integer("REQUEST_LOG_BACKUPS", cls.request_log_backups, low=0),
            request_log_flush_s=read.number("REQUEST_LOG_FLUSH_S", cls.request_log_flush_s),
            log_level=read.choice(
                "LOG_LEVEL", cls.log_level, ("critical", "error", "warning", "info", "debug")
            ),
            shutdown_timeout_s=read.number("SHUTDOWN_TIMEOUT_S", cls.shutdown_timeout_s),
        )

    def service_version(self, package: str, pyproject: Path = Path("pyproject.toml")) -> str:
        """SERVICE_VERSION (the image's tag), else the installed package's, else pyproject's."""
        if self.version:
            return self.version
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
        try:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        except (OSError, ValueError):
            project = {}
        return str(project.get("version") or "0.0.0+unknown")


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def raw(self, name: str) -> str | None:
        value = self.env.get(PREFIX + name)
        return None if value is None else value.strip()

    def text(self, name: str, default: str, *, empty_ok: bool = False) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if not value and not empty_ok:
            raise SettingsError(f"{PREFIX}{name} is set but empty")
        return value

    def integer(self, name: str, default: int, *, low: int, high: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise SettingsError(f"{PREFIX}{name} must be a whole number, not {value!r}") from None
        if number < low or (high is not None and number > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise SettingsError(f"{PREFIX}{name} must be {bounds}, not {number}")
        return number

    def number(self, name: str, default: float) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise SettingsError(f"{PREFIX}{name} must be a number, not {value!r}") from None
        if not math.isfinite(number) or number <= 0:
            raise SettingsError(f"{PREFIX}{name} must be a positive number, not {value!r}")
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = (self.raw(name) or default).lower()
        if value not in choices:
            raise SettingsError(f"{PREFIX}{name} must be one of {', '.join(choices)}")
        return value
