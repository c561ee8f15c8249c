"""Tasks (WBS elements), dependencies and the bid's computed schedule."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from app.auth.deps import CurrentUser
from app.auth.permissions import require_bid
from app.db import SessionDep
from app.etag import IfMatch, check_if_match, set_etag
from app.guards import bid_access, guarded
from app.pagination import Page, PageDep, paginate
from app.params import BidPath, DepPath, IdQuery, TaskPath
from app.schemas import PROBLEM_RESPONSES
from app.tasks import service
from app.tasks.models import Dependency, Task
from app.tasks.schemas import (
    DependencyCreate,
    DependencyRead,
    ScheduleRead,
    ScheduleTaskRead,
    TaskCreate,
    TaskRead,
    TaskUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["tasks"], responses=PROBLEM_RESPONSES)


def task_read(
    task: Task, money: service.CostRollUp, diff: dict[str, Any] | None = None
) -> TaskRead:
    """The task with its money rolled up by category (a summary: the sums of its leaves)."""
    read = TaskRead.model_validate(task)
    update = {
        "budget": money.budget,
        "actual": money.actual,
        "remaining": money.remaining,
        "schedule_diff": diff,
    }
    return read.model_copy(update=update)


@router.get("/bids/{bid}/tasks", response_model=Page[TaskRead])
def list_tasks(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    parent_id: IdQuery = None,
    owner_id: IdQuery = None,
    kind: Annotated[str | None, Query(max_length=10)] = None,
    critical: bool | None = None,
) -> Page[TaskRead]:
    require_bid(session, user, bid_id)
    statement = select(Task).where(Task.bid_id == bid_id).order_by(Task.wbs_code, Task.id)
    for column, value in ((Task.parent_id, parent_id), (Task.owner_id, owner_id)):
        if value is not None:
            statement = statement.where(column == value)
    if kind is not None:
        statement = statement.where(Task.kind == kind)
    if critical is not None:
        statement = statement.where(Task.critical.is_(critical))
    rows, total = paginate(session, statement, page)
    money = service.cost_roll_ups(session, bid_id)
    empty = service.CostRollUp()
    return Page(items=[task_read(row, money.get(row.id, empty)) for row in rows], total=total)


@router.post("/bids/{bid}/tasks", response_model=TaskRead, status_code=status.HTTP_201_CREATED)
@guarded(bid_access(write=True))
def create_task(
    bid_id: BidPath, body: TaskCreate, session: SessionDep, user: CurrentUser, response: Response
) -> TaskRead:
    bid = require_bid(session, user, bid_id, write=True)
    task, diff = service.create_task(session, user, bid, body.model_dump(exclude_unset=True))
    session.commit()
    set_etag(response, task)
    return task_read(task, service.cost_roll_up(session, task), diff)


@router.get("/tasks/{task}", response_model=TaskRead)
def get_task(
    task_id: TaskPath, session: SessionDep, user: CurrentUser, response: Response
) -> TaskRead:
    task = service.get_task(session, task_id)
    require_bid(session, user, task.bid_id)
    set_etag(response, task)
    return task_read(task, service.cost_roll_up(session, task))


@router.patch("/tasks/{task}", response_model=TaskRead)
@guarded(lambda s, u, ids: service.progress_or_write(s, u, ids["task"]))
def update_task(
    task_id: TaskPath,
    body: TaskUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    task = service.get_task(session, task_id)
    bid = require_bid(session, user, task.bid_id, lock=True)
    check_if_match(if_match, task)
    diff = service.update_task(session, user, bid, task, body.model_dump(exclude_unset=True))
    money = service.cost_roll_up(session, task)  # before the commit:
    session.commit()  # no second transaction just for this read
    set_etag(response, task)
    return task_read(task, money, diff)


@router.delete("/tasks/{task}", status_code=status.HTTP_200_OK)
def delete_task(
    task_id: TaskPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> dict[str, Any]:
    """Deletes the task with its subtree; answers the schedule diff."""
    task = service.get_task(session, task_id)
    bid = require_bid(session, user, task.bid_id, write=True)
    check_if_match(if_match, task)
    diff = service.delete_task(session, user, bid, task)
    session.commit()
    return {"deleted": task_id, "schedule_diff": diff}


@router.get("/bids/{bid}/dependencies", response_model=Page[DependencyRead])
def list_dependencies(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[DependencyRead]:
    require_bid(session, user, bid_id)
    statement = select(Dependency).where(Dependency.bid_id == bid_id).order_by(Dependency.id)
    rows, total = paginate(session, statement, page)
    return Page(items=[DependencyRead.model_validate(r) for r in rows], total=total)


@router.post(
    "/bids/{bid}/dependencies",
    response_model=DependencyRead,
    status_code=status.HTTP_201_CREATED,
)
@guarded(bid_access(write=True))
def create_dependency(
    bid_id: BidPath,
    body: DependencyCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> DependencyRead:
    bid = require_bid(session, user, bid_id, write=True)
    link, diff = service.create_dependency(session, user, bid, body.model_dump())
    session.commit()
    set_etag(response, link)
    return DependencyRead.model_validate(link).model_copy(update={"schedule_diff": diff})


@router.get("/dependencies/{dep}", response_model=DependencyRead)
def get_dependency(
    dependency_id: DepPath, session: SessionDep, user: CurrentUser, response: Response
) -> DependencyRead:
    link = service.get_dependency(session, dependency_id)
    require_bid(session, user, link.bid_id)
    set_etag(response, link)
    return DependencyRead.model_validate(link)


@router.delete("/dependencies/{dep}", status_code=status.HTTP_200_OK)
def delete_dependency(
    dependency_id: DepPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> dict[str, Any]:
    """Deletes the link; answers the schedule diff."""
    link = service.get_dependency(session, dependency_id)
    bid = require_bid(session, user, link.bid_id, write=True)
    check_if_match(if_match, link)
    diff = service.delete_dependency(session, user, bid, link)
    session.commit()
    return {"deleted": dependency_id, "schedule_diff": diff}


@router.get("/bids/{bid}/schedule", response_model=ScheduleRead)
def get_schedule(bid_id: BidPath, session: SessionDep, user: CurrentUser) -> ScheduleRead:
    """The bid's CPM result: the command line's fields (dates ISO, floats in working days)."""
    bid = require_bid(session, user, bid_id)
    rows = session.scalars(
        select(Task).where(Task.bid_id == bid_id).order_by(Task.position, Task.id)
    ).all()
    ordered = sorted(rows, key=lambda t: [int(p) for p in t.wbs_code.split(".") if p.isdigit()])
    money = service.cost_roll_ups(session, bid_id)
    empty = service.CostRollUp()
    tasks = [
        ScheduleTaskRead(
            id=t.id,
            name=t.name,
            wbs_code=t.wbs_code,
            kind=t.kind,
            start=t.planned_start,
            finish=t.planned_finish,
            early_start=t.early_start,
            early_finish=t.early_finish,
            late_start=t.late_start,
            late_finish=t.late_finish,
            total_float=t.total_float_days,
            free_float=t.free_float_days,
            critical=t.critical,
            driving_predecessor=t.driving_predecessor_id,
            budget=money.get(t.id, empty).budget,
            actual=money.get(t.id, empty).actual,
            remaining=money.get(t.id, empty).remaining,
        )
        for t in ordered
    ]
    critical_path = sorted(
        (t for t in ordered if t.critical and t.kind != "summary"),
        key=lambda t: (t.early_start_index or 0, t.early_finish_index or 0, t.id),
    )
    return ScheduleRead(
        source=f"bid:{bid.id}",
        project_start=bid.start_date,
        project_finish=bid.project_finish,
        duration=bid.schedule_duration_days,
        tasks=tasks,
        critical_path=[t.id for t in critical_path],
        warnings=list(bid.schedule_warnings or []),
    )
