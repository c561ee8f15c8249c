"""Job kinds: what a job does, who may start it and who may read its result.

A kind is one ``register(JobKind(...))`` in an ``app/<domain>/jobs.py`` module; every such
module is imported by ``load_kinds()`` (as the routers and models are discovered), so adding a
kind touches nothing in ``app/jobs``. A kind names:

- ``params``: the Pydantic model of ``{"params": ...}`` in ``POST /api/v1/jobs`` (bad input is
  a 422 before anything is stored);
- ``check(session, user, params)``: the permission and cheap validity checks made when the job
  is asked for (raise ``DomainError``: 403/404/422, nothing stored);
- ``run(context, params)``: the work, in a runner (server thread or ``kampmo worker``), as the
  user who asked; it reports ``context.progress(fraction, message)`` and returns a
  ``JobOutput`` (JSON, or a file, plus where the result lives);
- ``may_read(session, user, job)``: who besides the requester (and the PMO) may read the job
  and its result: by default nobody else.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import User

if TYPE_CHECKING:
    from app.jobs.models import Job


@dataclass(slots=True)
class JobOutput:
    """What a job leaves: ``data`` (JSON) or ``file`` bytes with their media type and name;
    ``link`` overrides where ``result`` points (default ``/api/v1/jobs/{id}/result``);
    ``bid_id`` names the bid the result belongs to (its readers may read the job)."""

    data: dict[str, Any] | None = None
    file: bytes | None = None
    media_type: str | None = None
    filename: str | None = None
    link: str | None = None
    bid_id: int | None = None


@dataclass(slots=True)
class JobContext:
    """What ``run`` gets: a session factory for its own transactions, the user who asked,
    the job's input file (uploads), and ``progress(fraction, message)``."""

    session_factory: sessionmaker[Session]
    user_id: int
    job_id: int
    attempt: int
    input_file: bytes | None
    input_filename: str | None
    report: Callable[[float, str], None]

    def progress(self, fraction: float, message: str) -> None:
        self.report(min(1.0, max(0.0, float(fraction))), message)

    def user(self, session: Session) -> User:
        user = session.get(User, self.user_id)
        assert user is not None, "the requester's user row was deleted (cascades to the job)"
        return user


def nobody_else(session: Session, user: User, job: Job) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class JobKind:
    name: str
    title: str
    params: type[BaseModel]
    check: Callable[[Session, User, Any], None]
    run: Callable[[JobContext, Any], JobOutput]
    may_read: Callable[[Session, User, Job], bool] = field(default=nobody_else)
    upload: bool = False  # started by POST /api/v1/jobs/import-style uploads, not JSON


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Make ``kind`` available to ``POST /api/v1/jobs`` and to every runner."""
    if kind.name in KINDS and KINDS[kind.name] is not kind:
        raise ValueError(f"job kind {kind.name!r} is registered twice")
    KINDS[kind.name] = kind
    return kind


def load_kinds() -> dict[str, JobKind]:
    """Import every ``app.<domain>.jobs`` module (each registers its kinds); the registry."""
    import app as app_package

    for module in sorted(pkgutil.iter_modules(app_package.__path__), key=lambda m: m.name):
        name = f"app.{module.name}.jobs"
        if module.ispkg and module.name != "jobs" and importlib.util.find_spec(name):
            importlib.import_module(name)
    return KINDS
