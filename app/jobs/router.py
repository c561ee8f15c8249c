"""``/api/v1/jobs``: start a long job (202 + ``Location``), follow it, fetch its result.

- ``POST /api/v1/jobs`` ``{"kind": K, "params": {...}}`` starts a job of a registered kind
  (``GET /api/v1/jobs/kinds`` lists them); ``POST /api/v1/jobs/import`` starts a plan-file
  import (multipart, like ``POST /api/v1/bids/import``). Bad input and refusals answer 4xx
  problem+json at once and store nothing.
- ``GET /api/v1/jobs/{job}``: ``status`` (queued, running, succeeded, failed), ``progress``
  (0-1), ``message``, ``steps`` (the progress history), ``result`` (a link, once succeeded),
  ``error`` (problem+json members, once failed).
- ``GET /api/v1/jobs/{job}/result``: the result (JSON, or the file as a download).
- ``GET /api/v1/jobs``: the caller's own jobs (the PMO's: all), newest first.

Who reads a job: its requester, the PMO, and whom the kind allows (the readers of the bid a
bid report or an import belongs to); everyone else gets 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import Conflict, Invalid, PayloadTooLarge
from app.guards import guarded, roles, signed_in
from app.jobs import dispatch, service
from app.jobs.models import Job
from app.jobs.registry import load_kinds
from app.pagination import PageDep, paginate
from app.schemas import MAX_ID, PROBLEM_RESPONSES
from app.settings import Settings


@asynccontextmanager
async def _runner_lifespan(application: Any) -> AsyncIterator[None]:
    """The server's own runner starts with the server (its watchdog then picks up the jobs a
    stopped server left); its threads end with the process."""
    if dispatch.runner_kind(application.state.settings) == "server":
        dispatch.server_runner(application.state).start()
    yield


router = APIRouter(
    prefix="/api/v1/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES, lifespan=_runner_lifespan
)
IMPORT_KIND = "import"
JobPath = Annotated[int, Path(alias="job", ge=1, le=MAX_ID, description="job id")]


class JobRequest(BaseModel):
    kind: Annotated[str, Field(min_length=1, max_length=60)]
    params: dict[str, Any] = Field(default_factory=dict)


def _accepted(job_json: dict[str, Any]) -> JSONResponse:
    location = f"/api/v1/jobs/{job_json['id']}"
    return JSONResponse(
        jsonable_encoder(job_json),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": location},
    )


def _params(model: type[BaseModel], raw: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        errors = [
            {
                "field": ".".join(["params", *(str(p) for p in e["loc"])]),
                "message": e["msg"],
                "type": e["type"],
            }
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise Invalid(detail, errors=errors) from error


def _start(
    request: Request,
    session: SessionDep,
    user: Any,
    kind_name: str,
    params: BaseModel,
    **extra: Any,
) -> JSONResponse:
    settings: Settings = request.app.state.settings
    job = service.create_job(
        session,
        user,
        kind_name,
        params.model_dump(mode="json"),
        runner=dispatch.runner_kind(settings),
        max_attempts=settings.job_max_attempts,
        **extra,
    )
    dispatch.enqueue(request.app.state, session, job)
    return _accepted(service.job_json(job))


@router.get("/kinds")
def job_kinds(user: CurrentUser) -> dict[str, Any]:
    """The job kinds this server knows, with the JSON schema of their ``params``."""
    kinds = load_kinds()
    items = [
        {
            "kind": k.name,
            "title": k.title,
            "upload": k.upload,
            "params": k.params.model_json_schema(),
        }
        for k in sorted(kinds.values(), key=lambda k: k.name)
    ]
    return {"items": items, "total": len(items)}


@router.get("")
def list_jobs(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Annotated[str | None, Query(max_length=60)] = None,
    job_status: Annotated[
        Literal["queued", "running", "succeeded", "failed"] | None, Query(alias="status")
    ] = None,
) -> dict[str, Any]:
    """The caller's own jobs (the PMO's: everyone's), newest first; ``kind``/``status`` filter."""
    statement = select(Job).order_by(Job.id.desc())
    if user.role != "pmo":
        statement = statement.where(Job.requested_by_id == user.id)
    if kind is not None:
        statement = statement.where(Job.kind == kind)
    if job_status is not None:
        statement = statement.where(Job.status == job_status)
    rows, total = paginate(session, statement, page)
    return {"items": [service.job_json(row) for row in rows], "total": total}


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=None)
@guarded(signed_in)
def start_job(
    body: JobRequest, request: Request, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    """Start a job of ``kind`` with ``params``: 202 with ``Location: /api/v1/jobs/{id}``."""
    kinds = load_kinds()
    kind = kinds.get(body.kind)
    if kind is None or kind.upload:
        names = ", ".join(sorted(k for k, v in kinds.items() if not v.upload))
        raise Invalid.field("kind", f"unknown job kind {body.kind!r}; one of: {names}")
    params = _params(kind.params, body.params)
    kind.check(session, user, params)
    return _start(request, session, user, kind.name, params)


@router.post("/import", status_code=status.HTTP_202_ACCEPTED, response_model=None)
@guarded(roles("pmo", "lead"))
def start_import_job(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="MSPDI .xml, PSPLIB .sm/.rcp or JSON plan")],
    account_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    org_unit_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> JSONResponse:
    """``POST /api/v1/bids/import`` as a job: 202 with ``Location``; the result is the new bid
    (``result`` links to ``/api/v1/bids/{id}``)."""
    kind = load_kinds()[IMPORT_KIND]
    params = _params(kind.params, {"account_id": account_id, "org_unit_id": org_unit_id})
    kind.check(session, user, params)
    limit: int = request.app.state.settings.max_body_bytes
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"plan files are limited to {limit} bytes")
    if not content:
        raise Invalid.field("file", "the file is empty")
    return _start(
        request,
        session,
        user,
        kind.name,
        params,
        input_file=content,
        input_filename=(file.filename or "")[:255] or None,
    )


@router.get("/{job}")
def get_job(job_id: JobPath, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """The job's state; poll it until ``status`` is ``succeeded`` or ``failed``."""
    return service.job_json(service.readable_job(session, user, job_id))


@router.get(
    "/{job}/result",
    response_model=None,
    responses={200: {"content": {"application/json": {}, "application/octet-stream": {}}}},
)
def get_job_result(
    job_id: JobPath, session: SessionDep, user: CurrentUser
) -> Response | dict[str, Any]:
    """The finished job's result: its JSON, or its file as a download; 409 before then."""
    row = service.readable_job(session, user, job_id)
    if row.status != "succeeded":
        raise Conflict(
            f"job {job_id} is {row.status}; its result is not there (yet)", job_status=row.status
        )
    if row.result_file is not None:
        filename = row.result_filename or f"job-{row.id}"
        return Response(
            content=row.result_file,
            media_type=row.result_media_type or "application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return row.result or {}
