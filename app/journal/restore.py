"""Restoring a task from its journal: one field, the whole task, or a deleted task.

The journal keeps, per change, the field's text before and after; entries written by one
transaction share a ``change_id``. The state of a task *just before* entry ``N`` is the state
before N's whole change (the first entry of its ``change_id``, the "cut"), field by field: the
``old_value`` of the field's first entry at or after the cut (the value that change
overwrote); a field with no entry since has not changed, so it keeps its current value (or,
for a deleted task, the ``new_value`` of its last entry before the cut). Values go back
through ``TaskUpdate`` and the tasks service, so a restore is validated, allow-listed,
journaled and rescheduled exactly like a PATCH.

Kept apart from ``app.journal.service`` because it uses the tasks service, which itself
journals through ``app.journal.service``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.permissions import require_bid
from app.bids.models import Bid
from app.errors import Invalid, NotFound
from app.journal.models import JournalEntry
from app.journal.schemas import RestoreScope
from app.orgs.models import Person
from app.tasks import service as tasks
from app.tasks.models import Task
from app.tasks.schemas import TaskUpdate

TASKS = Task.__tablename__
DERIVED_FIELDS = frozenset({"kind"})  # a task is a summary exactly when it has children
BUDGET_PREFIX = "budget."


def _entries_of(session: Session, task_id: int) -> list[JournalEntry]:
    statement = (
        select(JournalEntry)
        .where(JournalEntry.entity == TASKS, JournalEntry.entity_id == task_id)
        .order_by(JournalEntry.id)
    )
    return list(session.scalars(statement))


def _entry(entries: list[JournalEntry], entry_id: int, task_id: int) -> JournalEntry:
    for entry in entries:
        if entry.id == entry_id:
            return entry
    raise NotFound(f"journal entry {entry_id} of task {task_id} not found")


def change_start(entries: list[JournalEntry], entry: JournalEntry) -> int:
    """The id of the first entry of ``entry``'s change (itself when it has no change id)."""
    if entry.change_id is None:
        return entry.id
    return min(e.id for e in entries if e.change_id == entry.change_id)


def state_before(
    entries: list[JournalEntry], cut: int, *, with_unchanged: bool
) -> dict[str, str | None]:
    """The text value of each field changed at or after entry id ``cut``, as it was before.

    ``with_unchanged`` adds the fields not changed since (their last recorded value), which a
    deleted task needs to be rebuilt.
    """
    state: dict[str, str | None] = {}
    for entry in entries:
        if entry.id >= cut and entry.field not in state:
            state[entry.field] = entry.old_value
    if with_unchanged:
        for entry in reversed(entries):
            if entry.id < cut and entry.field not in state:
                state[entry.field] = entry.new_value
    return state


def _created_at_or_after(entries: list[JournalEntry], cut: int) -> bool:
    return any(e.id >= cut and e.field == "name" and e.old_value is None for e in entries)


def _as_change(state: dict[str, str | None], entry_id: int) -> dict[str, Any]:
    """Text values -> a validated ``TaskUpdate`` change (budget lines gathered into one dict)."""
    raw: dict[str, Any] = {}
    budget: dict[str, str] = {}
    for name, value in state.items():
        if name.startswith(BUDGET_PREFIX):
            budget[name.removeprefix(BUDGET_PREFIX)] = value or "0"
        elif name not in DERIVED_FIELDS and name in TaskUpdate.model_fields:
            raw[name] = value
    if budget:
        raw["budget"] = budget
    try:
        return TaskUpdate.model_validate(raw).model_dump(exclude_unset=True)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise Invalid(f"journal entry {entry_id} cannot be restored: {problems}") from error


def _unchanged_dropped(task: Task, change: dict[str, Any]) -> dict[str, Any]:
    """Only what differs from the task now (a restore of an unchanged field is a no-op)."""
    return {
        name: value
        for name, value in change.items()
        if name == "budget" or getattr(task, name, None) != value
    }


def restore_task(
    session: Session, user: User, task: Task, entry_id: int, scope: RestoreScope
) -> dict[str, Any] | None:
    """Put ``task`` back as it was before journal entry ``entry_id``; returns the schedule diff.

    ``scope="field"``: only the entry's own field; ``scope="task"``: every field changed since.
    Only the PMO and the bid's lead restore (403 for other readers of the bid, 404 otherwise).
    """
    bid = require_bid(session, user, task.bid_id, write=True)
    entries = _entries_of(session, task.id)
    entry = _entry(entries, entry_id, task.id)
    cut = change_start(entries, entry)
    if scope == "field":
        state = {entry.field: entry.old_value}
    elif _created_at_or_after(entries, cut):
        raise Invalid(f"journal entry {entry_id} is the task's creation: nothing came before it")
    else:
        state = state_before(entries, cut, with_unchanged=False)
    change = _unchanged_dropped(task, _as_change(state, entry_id))
    return tasks.update_task(session, user, bid, task, change)


def _deletion_bid(entries: list[JournalEntry], task_id: int) -> int:
    deletions = [e for e in entries if e.field == "name" and e.new_value is None]
    if not deletions or deletions[-1].bid_id is None:
        raise NotFound(f"task {task_id} not found")
    return deletions[-1].bid_id


def restorable_task_bid(session: Session, user: User, task_id: int) -> Bid:
    """The bid of the task (or of its journaled deletion) if ``user`` may change it: 404 when
    neither exists or the caller may not read the bid, 403 when they may not write it."""
    task = session.get(Task, task_id)
    if task is not None:
        return require_bid(session, user, task.bid_id, write=True, lock=False)
    entries = _entries_of(session, task_id)
    if not entries:
        raise NotFound(f"task {task_id} not found")
    return require_bid(session, user, _deletion_bid(entries, task_id), write=True, lock=False)


def restore_deleted_task(
    session: Session, user: User, task_id: int, entry_id: int
) -> tuple[Task, dict[str, Any] | None]:
    """Re-create a deleted task (same id) as it was before journal entry ``entry_id``.

    Its parent and owner come back only if they still exist; its subtree, links and budget
    lines are not in the journal and stay deleted.
    """
    entries = _entries_of(session, task_id)
    if not entries:
        raise NotFound(f"task {task_id} not found")
    bid = require_bid(session, user, _deletion_bid(entries, task_id), write=True)
    cut = change_start(entries, _entry(entries, entry_id, task_id))
    state = state_before(entries, cut, with_unchanged=True)
    if state.get("name") is None:
        raise Invalid(f"journal entry {entry_id} is the task's creation: nothing came before it")
    data = _as_change(state, entry_id)
    parent = session.get(Task, data.get("parent_id") or 0)
    if parent is None or parent.bid_id != bid.id:
        data.pop("parent_id", None)
    if data.get("owner_id") is not None and session.get(Person, data["owner_id"]) is None:
        data.pop("owner_id")
    return tasks.create_task(session, user, bid, {**data, "id": task_id})
