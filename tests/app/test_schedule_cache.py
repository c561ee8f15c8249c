"""The per-bid schedule cache of ``app.tasks.scheduling``: after any sequence of edits the stored
schedule equals a full ``wbs.cpm.schedule`` of the bid, and duration edits are re-propagated
from the cached schedule instead of being rebuilt.

Each scenario makes a small bid (a summary with two children, a calendar of its own) and applies
random edits through the HTTP API: durations, links of every type with lags, constraints, names,
calendar exceptions. After every edit, the rows are compared field by field with a full
recompute of the same rows.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import delete, update

from app.bids.models import Bid
from app.tasks import scheduling
from app.tasks.models import Dependency, Task
from tests.app.conftest import etag_of
from wbs.cpm import schedule
from wbs.diff import diff_schedules

COMPARED = {
    "planned_start": "start",
    "planned_finish": "finish",
    "early_start": "early_start",
    "early_finish": "early_finish",
    "late_start": "late_start",
    "late_finish": "late_finish",
    "total_float_days": "total_float",
    "free_float_days": "free_float",
    "critical": "critical",
    "early_start_index": "early_start_index",
    "early_finish_index": "early_finish_index",
    "late_start_index": "late_start_index",
    "late_finish_index": "late_finish_index",
}


@pytest.fixture
def rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts full schedule builds (one entry per ``IncrementalSchedule`` made)."""
    made: list[int] = []
    original = scheduling.IncrementalSchedule

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(scheduling, "IncrementalSchedule", counting)
    return made


def assert_matches_full_recompute(session_factory: Any, bid_id: int) -> None:
    with session_factory() as session:
        bid = session.get(Bid, bid_id)
        tasks, links = scheduling.load_network(session, bid_id)
        plan = scheduling.build_plan(bid, tasks, links, scheduling.bid_calendar(session, bid))
        expected = schedule(plan).by_id()
        for task in tasks:
            computed = expected[str(task.id)]
            for column, field in COMPARED.items():
                assert getattr(task, column) == getattr(computed, field), (task.id, column)
            driving = computed.driving_predecessor
            assert task.driving_predecessor_id == (int(driving) if driving else None), task.id
        full = schedule(plan)
        assert bid.project_finish == full.project_finish
        assert list(bid.schedule_warnings or []) == full.warnings


class Bidding:
    """A small bid and the API calls the scenarios make on it."""

    def __init__(
        self, client: Any, pmo: Any, make_bid: Any, make_task: Any, country: str | None = None
    ) -> None:
        self.client, self.headers = client, pmo.headers
        calendar = client.post(
            "/api/v1/calendars",
            json={"name": "缓存测试日历", "holidays_country": country},
            headers=self.headers,
        ).json()
        self.calendar_path = f"/api/v1/calendars/{calendar['id']}"
        self.bid = make_bid(start_date="2027-03-01", calendar_id=calendar["id"])
        summary = make_task(self.bid["id"], name="方案阶段", duration_days=1)
        self.leaves = [
            make_task(self.bid["id"], name=f"任务 {n}", duration_days=1 + n % 4)["id"]
            for n in range(7)
        ]
        self.leaves += [
            make_task(self.bid["id"], name=f"子任务 {n}", parent_id=summary["id"])["id"]
            for n in range(2)
        ]
        self.summary = summary["id"]
        self.links: list[int] = []
        self.refused = False  # the last edit was refused (a cycle through the summary)

    def patch_task(self, task_id: int, body: dict[str, Any]) -> None:
        path = f"/api/v1/tasks/{task_id}"
        headers = {**self.headers, "If-Match": etag_of(self.client, path, self.headers)}
        response = self.client.patch(path, json=body, headers=headers)
        assert response.status_code == 200, response.text

    def link(self, rng: random.Random) -> None:
        first, second = sorted(rng.sample([*self.leaves, self.summary], 2))
        body = {
            "predecessor_id": first,
            "successor_id": second,
            "type": rng.choice(["FS", "SS", "FF", "SF"]),
            "lag_days": rng.randint(-1, 3),
        }
        response = self.client.post(
            f"/api/v1/bids/{self.bid['id']}/dependencies", json=body, headers=self.headers
        )
        assert response.status_code in (201, 409, 422), response.text
        self.refused = response.status_code != 201
        if response.status_code == 201:
            self.links.append(response.json()["id"])

    def unlink(self, rng: random.Random) -> None:
        if not self.links:
            return
        link = self.links.pop(rng.randrange(len(self.links)))
        path = f"/api/v1/dependencies/{link}"
        headers = {**self.headers, "If-Match": etag_of(self.client, path, self.headers)}
        assert self.client.delete(path, headers=headers).status_code == 200

    def constrain(self, rng: random.Random) -> None:
        day = f"2027-03-{rng.randint(1, 20):02d}"
        kind = rng.choice(["SNET", "FNLT", "MSO", "ASAP"])
        self.patch_task(rng.choice(self.leaves), {"constraint_type": kind, "constraint_date": day})

    def add(self, rng: random.Random, make_task: Any) -> None:
        parent = {"parent_id": self.summary} if rng.random() < 0.3 else {}
        task = make_task(self.bid["id"], name="新任务", duration_days=rng.randint(0, 5), **parent)
        self.leaves.append(task["id"])

    def delete(self, rng: random.Random) -> None:
        """Deletes a leaf (its links go with it; a task it drove loses its driver)."""
        if len(self.leaves) <= 3:
            return
        task_id = self.leaves.pop(rng.randrange(len(self.leaves)))
        path = f"/api/v1/tasks/{task_id}"
        headers = {**self.headers, "If-Match": etag_of(self.client, path, self.headers)}
        assert self.client.delete(path, headers=headers).status_code == 200
        self.links = [
            link
            for link in self.links
            if self.client.get(f"/api/v1/dependencies/{link}", headers=self.headers).status_code
            == 200
        ]

    def holiday(self, rng: random.Random) -> None:
        day = f"2027-03-{rng.randint(2, 19):02d}"
        body = {"exceptions": [{"day": day, "working": False, "note": "调休"}]}
        headers = {
            **self.headers,
            "If-Match": etag_of(self.client, self.calendar_path, self.headers),
        }
        assert self.client.patch(self.calendar_path, json=body, headers=headers).status_code == 200


@pytest.mark.parametrize(("seed", "country"), [(1, None), (2, "CN"), (3, "CN")])
def test_random_edits_match_a_full_recompute(
    client, pmo, make_bid, make_task, session_factory, rebuilds, seed, country
):
    """With "CN" the bid runs past the last year of announced Chinese holidays (its schedule
    warns about those years); a stretched task pushes it a year further, and back."""
    rng = random.Random(seed)
    bidding = Bidding(client, pmo, make_bid, make_task, country)
    for _ in range(4):
        bidding.link(rng)
    duration_edits = 0
    for _ in range(24):
        kind = rng.choice(
            ["duration"] * 5
            + ["stretch", "link", "unlink", "constraint", "name", "holiday", "add", "delete"]
        )
        builds_before, after_refusal = len(rebuilds), bidding.refused
        bidding.refused = False
        if kind == "duration":
            bidding.patch_task(rng.choice(bidding.leaves), {"duration_days": rng.randint(0, 6)})
            if not after_refusal:  # a refused edit's transaction took the cached entry with it
                assert len(rebuilds) == builds_before, "a duration edit rebuilt the schedule"
                duration_edits += 1
        elif kind == "stretch":
            bidding.patch_task(rng.choice(bidding.leaves), {"duration_days": 300})
        elif kind == "link":
            bidding.link(rng)
        elif kind == "unlink":
            bidding.unlink(rng)
        elif kind == "constraint":
            bidding.constrain(rng)
        elif kind == "name":
            bidding.patch_task(rng.choice(bidding.leaves), {"name": f"改名 {rng.random():.4f}"})
        elif kind == "add":
            bidding.add(rng, make_task)
        elif kind == "delete":
            bidding.delete(rng)
        else:
            bidding.holiday(rng)
        assert_matches_full_recompute(session_factory, bidding.bid["id"])
    assert duration_edits > 0


def test_a_cache_entry_behind_another_workers_edits_still_gives_the_full_result(
    client, pmo, make_bid, make_task, session_factory, rebuilds
):
    """An entry made before edits this process did not see (another worker's) is brought up
    to date from the rows: every duration that differs is re-propagated."""
    bidding = Bidding(client, pmo, make_bid, make_task)
    rng = random.Random(5)
    for _ in range(5):
        bidding.link(rng)
    first, second, third = bidding.leaves[:3]
    bidding.patch_task(first, {"duration_days": 5})
    key = next(key for key in scheduling._networks if key[1] == bidding.bid["id"])
    behind = scheduling._networks[key]
    bidding.patch_task(second, {"duration_days": 6})
    bidding.patch_task(first, {"duration_days": 2})
    scheduling._networks[key] = behind  # as if those two edits had been made elsewhere
    builds_before = len(rebuilds)
    bidding.patch_task(third, {"duration_days": 4})
    assert len(rebuilds) == builds_before
    assert_matches_full_recompute(session_factory, bidding.bid["id"])


def test_a_summary_duration_edit_rebuilds(
    client, pmo, make_bid, make_task, session_factory, rebuilds
):
    bidding = Bidding(client, pmo, make_bid, make_task)
    builds_before = len(rebuilds)
    bidding.patch_task(bidding.summary, {"duration_days": 9})
    assert len(rebuilds) == builds_before + 1
    assert_matches_full_recompute(session_factory, bidding.bid["id"])


def test_warnings_forget_the_years_a_shrunk_schedule_left(
    client, pmo, make_bid, make_task, session_factory, rebuilds
):
    """China's holidays are announced year by year: a bid running into a later year warns
    about it, and stops warning once it no longer reaches that year."""
    bidding = Bidding(client, pmo, make_bid, make_task, "CN")
    stretched = bidding.leaves[0]
    bidding.patch_task(stretched, {"duration_days": 400})
    builds_before = len(rebuilds)
    with session_factory() as session:
        long_warnings = list(session.get(Bid, bidding.bid["id"]).schedule_warnings or [])
    bidding.patch_task(stretched, {"duration_days": 2})
    assert len(rebuilds) == builds_before
    assert_matches_full_recompute(session_factory, bidding.bid["id"])
    with session_factory() as session:
        short_warnings = list(session.get(Bid, bidding.bid["id"]).schedule_warnings or [])
    assert len(short_warnings) < len(long_warnings)


def test_the_one_pass_diff_equals_diff_schedules_of_the_stored_schedule(
    client, pmo, make_bid, make_task, monkeypatch
):
    """``schedule_diff`` (what every write answers) is ``diff_schedules`` between the schedule
    stored on the rows before the write and the new one, through random edits."""
    checked: list[int] = []
    one_pass = scheduling.schedule_diff

    def compared(tasks: Any, result: Any, old_duration: int) -> Any:
        diff = one_pass(tasks, result, old_duration)
        bid = Bid(start_date=result.project_start, project_finish=result.project_finish)
        bid.schedule_duration_days = old_duration
        stored = scheduling.stored_schedule(bid, tasks)
        assert stored is not None
        expected = scheduling.diff_to_dict(diff_schedules(stored, result)) if stored.tasks else None
        assert diff == expected
        checked.append(len(diff["moved"]) if diff else 0)
        return diff

    monkeypatch.setattr(scheduling, "schedule_diff", compared)
    rng = random.Random(9)
    bidding = Bidding(client, pmo, make_bid, make_task, "CN")
    for _ in range(4):
        bidding.link(rng)
    for _ in range(16):
        kind = rng.choice(["duration"] * 4 + ["link", "unlink", "constraint", "holiday"])
        if kind == "duration":
            bidding.patch_task(rng.choice(bidding.leaves), {"duration_days": rng.randint(0, 9)})
        elif kind == "link":
            bidding.link(rng)
        elif kind == "unlink":
            bidding.unlink(rng)
        elif kind == "constraint":
            bidding.constrain(rng)
        else:
            bidding.holiday(rng)
    assert len(checked) >= 16 and any(checked)


def test_the_rows_are_read_again_after_another_workers_recompute(
    client, pmo, make_bid, make_task, session_factory, monkeypatch
):
    """This worker skips reading the computed columns only while the bid carries the
    ``schedule_stamp`` it wrote itself; a recompute elsewhere (another stamp, other values in
    the rows) makes it read them, and it puts right what no longer holds."""
    bidding = Bidding(client, pmo, make_bid, make_task)
    rng = random.Random(8)
    for _ in range(5):
        bidding.link(rng)
    fetched: list[Any] = []
    original = scheduling._fetch

    def recording(connection: Any, statement: Any, values: dict[str, Any]) -> list[Any]:
        fetched.append(statement)
        return original(connection, statement, values)

    monkeypatch.setattr(scheduling, "_fetch", recording)
    first, second = bidding.leaves[:2]
    bidding.patch_task(first, {"duration_days": 5})
    fetched.clear()
    bidding.patch_task(second, {"duration_days": 4})
    assert scheduling.NETWORK_OF_BID in fetched
    assert scheduling.TASKS_OF_BID not in fetched and scheduling.LINKS_OF_BID not in fetched

    # another worker's recompute: other values in a row, a link gone, another stamp on the bid
    with session_factory() as session:
        session.execute(delete(Dependency).where(Dependency.id == bidding.links[0]))
        session.execute(
            update(Task)
            .where(Task.id == first)
            .values(early_start_index=999, total_float_days=-7, critical=True)
        )
        session.execute(update(Bid).where(Bid.id == bidding.bid["id"]).values(schedule_stamp="x"))
        session.commit()
    fetched.clear()
    bidding.patch_task(second, {"duration_days": 2})
    assert scheduling.TASKS_OF_BID in fetched and scheduling.LINKS_OF_BID in fetched
    assert_matches_full_recompute(session_factory, bidding.bid["id"])


def test_the_stamp_leaves_the_bid_version_alone(client, pmo, make_bid, make_task):
    bidding = Bidding(client, pmo, make_bid, make_task)
    path = f"/api/v1/bids/{bidding.bid['id']}"
    before = etag_of(client, path, pmo.headers)
    bidding.patch_task(bidding.leaves[0], {"name": "只改名字"})  # the project finish stays
    assert etag_of(client, path, pmo.headers) == before


def test_a_computed_field_set_through_the_orm_makes_the_rows_read(
    client, pmo, make_bid, make_task, session_factory
):
    """Code that assigns a computed field itself (``delete_task`` clears drivers that go)
    leaves rows the cache does not know: the next recompute reads them and puts them right."""
    bidding = Bidding(client, pmo, make_bid, make_task)
    first = bidding.leaves[0]
    bidding.patch_task(first, {"duration_days": 5})  # this worker's cache now holds the bid
    with session_factory() as session:
        bid = session.get(Bid, bidding.bid["id"])
        task = session.get(Task, first)
        task.total_float_days, task.critical = 42, not task.critical
        scheduling.recompute(session, bid)
        session.commit()
    assert_matches_full_recompute(session_factory, bidding.bid["id"])


@pytest.mark.postgres
def test_array_literals_reach_postgresql_unchanged(request):
    """The write-back's array literals: NULLs, dates, booleans and text with quotes,
    backslashes, commas, braces and Chinese, each read back as given."""
    import datetime as dt

    from sqlalchemy import create_engine, text

    from tests.app.conftest import _postgres_schema_url, postgres_url

    generator = _postgres_schema_url(postgres_url())  # fails in CI when unreachable
    engine = create_engine(next(generator))
    request.addfinalizer(lambda: (engine.dispose(), next(generator, None)))
    columns = {
        "early_start": [dt.date(2027, 2, 10), None, dt.date(2026, 12, 31)],
        "critical": [True, None, False],
        "total_float_days": [-3, None, 12],
        "wbs_code": ['1."2"', "a\\b,{c}", None, "方案 1.2", "NULL", ""],
    }
    with engine.connect() as connection:
        for name, values in columns.items():
            kind = scheduling._postgres_type(name)
            literal = scheduling._postgres_array(name, values)
            back = connection.execute(text(f"SELECT CAST(:a AS {kind}[])"), {"a": literal})
            assert back.scalar() == values, (name, literal)
