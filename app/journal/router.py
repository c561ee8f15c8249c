"""The journal: a bid's history (its writers and the PMO), the whole journal (PMO), and
restoring a task from it (the PMO and the bid's lead)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.deps import CurrentUser, require_role
from app.auth.permissions import require_bid
from app.db import SessionDep
from app.etag import IfMatch, check_if_match, set_etag
from app.guards import guarded
from app.journal.restore import restorable_task_bid, restore_deleted_task, restore_task
from app.journal.schemas import JournalRead, RestoreRequest
from app.journal.service import journal_query
from app.pagination import Page, PageDep, paginate
from app.params import BidPath, IdQuery, TaskPath
from app.schemas import PROBLEM_RESPONSES
from app.tasks import service as tasks
from app.tasks.models import Task
from app.tasks.router import task_read
from app.tasks.schemas import TaskRead

router = APIRouter(prefix="/api/v1", tags=["journal"], responses=PROBLEM_RESPONSES)


@router.get("/bids/{bid}/journal", response_model=Page[JournalRead])
def bid_journal(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: IdQuery = None,
) -> Page[JournalRead]:
    """Newest first. Readable by whoever may change the bid."""
    require_bid(session, user, bid_id, write=True)
    statement = journal_query(bid_id=bid_id, entity=entity, entity_id=entity_id)
    rows, total = paginate(session, statement, page)
    return Page(items=[JournalRead.model_validate(r) for r in rows], total=total)


@router.get("/journal", response_model=Page[JournalRead])
def whole_journal(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: IdQuery = None,
) -> Page[JournalRead]:
    require_role(user, "pmo")
    statement = journal_query(entity=entity, entity_id=entity_id)
    rows, total = paginate(session, statement, page)
    return Page(items=[JournalRead.model_validate(r) for r in rows], total=total)


@router.post("/tasks/{task}/restore", response_model=TaskRead)
@guarded(lambda s, u, ids: restorable_task_bid(s, u, ids["task"]))
def restore_task_from_journal(
    task_id: TaskPath,
    body: RestoreRequest,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    """Put the task back as it was just before journal entry ``journal_id``.

    ``scope``: ``field`` (default) restores that entry's field only, ``task`` every field
    changed since. Needs ``If-Match``; journaled like any change. A deleted task whose
    deletion is journaled comes back under its old id (no ``If-Match``: it has no ETag).
    """
    task = session.get(Task, task_id)
    if task is None:
        task, diff = restore_deleted_task(session, user, task_id, body.journal_id)
    else:
        require_bid(session, user, task.bid_id, lock=True)
        check_if_match(if_match, task)
        diff = restore_task(session, user, task, body.journal_id, body.scope)
    session.commit()
    set_etag(response, task)
    return task_read(task, tasks.cost_roll_up(session, task), diff)
