"""Service settings, read once from the environment (prefix ``KAMPMO_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from wbs import limits


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    ``KAMPMO_DATABASE_URL`` picks the database: the SQLite file ``./kampmo.db`` by default,
    PostgreSQL as ``postgresql+psycopg://user@host/db`` in production.
    """

    model_config = SettingsConfigDict(env_prefix="KAMPMO_", extra="ignore")

    database_url: str = "sqlite:///./kampmo.db"
    sqlite_busy_timeout_ms: int = 10_000
    token_days: int = 90  # lifetime of an API token
    session_hours: int = 12  # lifetime of a page login session
    fresh_login_minutes: int = 10  # a session this young may mint API tokens without a password
    max_body_bytes: int = 10 * 1024 * 1024  # larger request bodies get 413
    max_tasks_per_bid: int = limits.TASKS_PER_BID
    max_links_per_task: int = limits.LINKS_PER_TASK
    max_wbs_depth: int = limits.WBS_DEPTH
    page_size_default: int = 100
    page_size_max: int = 1_000
    # long jobs (app/jobs): who runs them, how often runners say they are alive, when a
    # silent runner counts as stopped, how many attempts a job gets
    job_runner: Literal["auto", "server", "worker"] = "auto"
    job_threads: int = 2  # the server's own runner (SQLite default)
    job_worker_concurrency: int = 2  # jobs at once per ``kampmo worker``
    job_heartbeat_seconds: float = 5.0
    job_stall_seconds: float = 30.0
    job_max_attempts: int = 3


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
