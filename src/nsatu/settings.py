"""Settings from the environment (prefix ``NSATU_``).

Built by the app factory and the CLI callback, never at import time, so tests can set the environment
first.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_VAR_DIR = Path("var")


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_VAR_DIR / 'nsatu.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NSATU_", extra="ignore")

    #: Any SQLAlchemy URL. SQLite is the embedded default; PostgreSQL is the production database.
    database_url: str = default_database_url()
    host: str = "127.0.0.1"
    port: int = 8000
    #: Where npm installed the front-end packages (htmx, pico.css); served under /static/vendor.
    assets_dir: Path = Path("node_modules")
    #: Log SQL statements (very verbose).
    echo_sql: bool = False
    #: Signs the CSRF tokens of anonymous forms (the login page). Set it when several processes
    #: serve the app; unset, each process makes a random one at start.
    secret_key: SecretStr | None = None
    #: Failed sign-ins one client address may make within ``login_window_seconds`` before the login
    #: page answers 429 (per process: see nsatu.web.throttle). The per-account lockout is separate.
    login_failures_per_address: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=600, ge=1)
    #: A consignment is late (an alert) when a milestone of its plan (a leg's planned departure or
    #: arrival) is overdue by more than this many days.
    alert_late_after_days: int = Field(default=2, ge=0)
    #: Hubs are checked for days over capacity from this many days before today to as many after.
    alert_window_days: int = Field(default=7, ge=0, le=90)
    #: An end-use check of a delivered serial-tracked item is overdue after this many days.
    end_use_check_days: int = Field(default=180, ge=1, le=3650)
    #: The largest attachment of a discrepancy report, in bytes.
    attachment_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1, le=100 * 1024 * 1024)
