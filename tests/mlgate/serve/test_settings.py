"""SERVICE_* settings: defaults, values from the environment, and a bad value named (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.serve.settings import Settings, SettingsError


def test_defaults_and_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.from_env().port == 8000
    monkeypatch.setenv("SERVICE_PORT", " 8001 ")
    monkeypatch.setenv("SERVICE_LOG_LEVEL", " DEBUG ")
    monkeypatch.setenv("SERVICE_MODEL_DIR", "/srv/models")
    monkeypatch.setenv("SERVICE_REQUEST_LOG_FLUSH_S", "2e-1")
    monkeypatch.setenv("SERVICE_VERSION", "")  # empty: the package's version
    settings = Settings.from_env()
    assert (settings.port, settings.log_level) == (8001, "debug")
    assert settings.model_dir == Path("/srv/models") and settings.request_log_flush_s == 0.2
    assert settings.service_version("a-package-that-is-not-installed", Path("none")) == (
        "0.0.0+unknown"
    )
    assert Settings.from_env(port=9000).port == 9000  # a keyword wins over the environment


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PORT", "70000", "SERVICE_PORT must be between 1 and 65535, not 70000"),
        ("PORT", "eighty", "SERVICE_PORT must be a whole number, not 'eighty'"),
        ("PORT", "8.5", "SERVICE_PORT must be a whole number, not '8.5'"),
        ("MAX_BATCH", "0", "SERVICE_MAX_BATCH must be at least 1, not 0"),
        ("MAX_BODY_BYTES", "10", "SERVICE_MAX_BODY_BYTES must be at least 64, not 10"),
        ("REQUEST_LOG_FLUSH_S", "0", "SERVICE_REQUEST_LOG_FLUSH_S must be above 0, not 0"),
        ("SHUTDOWN_TIMEOUT_S", "nan", "SERVICE_SHUTDOWN_TIMEOUT_S must be a finite number"),
        ("SHUTDOWN_TIMEOUT_S", "inf", "SERVICE_SHUTDOWN_TIMEOUT_S must be a finite number"),
        ("LOG_LEVEL", "loud", "SERVICE_LOG_LEVEL must be one of 'critical', 'error'"),
        ("HOST", "  ", "SERVICE_HOST is set but empty"),
        ("REQUEST_LOG", "", "SERVICE_REQUEST_LOG is set but empty"),
        ("MODEL_DIR", "", "SERVICE_MODEL_DIR is set but empty"),
        ("METRICS_FILE", " ", "SERVICE_METRICS_FILE is set but empty"),
    ],
)
def test_a_bad_value_stops_the_service_naming_the_variable(
    variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"SERVICE_{variable}", value)
    with pytest.raises(SettingsError) as raised:
        Settings.from_env()
    assert raised.value.code == 2
    assert str(raised.value).startswith(f"service configuration: {message}")
