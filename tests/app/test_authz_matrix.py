"""The authorization matrix: every API operation x every role (and anonymous) x own/other bid.

The expected outcome of each cell comes from the rules of ``app/auth/permissions.py``, written
down once below as small policies (``bid_read``, ``bid_write``, ``roles(...)``...). Each
operation has one ``Entry``: its policy and how to build a request against the ``own`` or the
``other`` bid (fresh objects for destructive writes, a fresh ETag for ``If-Match``).

The cast (``World``):
- ``own`` bid: led by ``lead``, owned by the org unit of ``viewer``, ``member`` on its team and
  owner of its task ``own_task``.
- ``other`` bid: led by another lead, another org unit, nobody of the cast on its team.
- ``pmo`` and ``finance`` read both; ``anonymous`` sends no token.
- The cast's units quote one account, so the module runs under the quote scope
  ``account_and_product_line`` (the default ``account`` is restored at its end).
- For an account's relations (``app/accounts/access.py``) ``own``/``other`` is the account:
  ``own`` carries both bids above and a bid like ``own``'s that the PMO accepted past lead-in
  (through which the cast reads the account), ``other`` only a bid of the other unit and
  lead. Each has a stakeholder and an influence link; bids like ``own``'s and ``other``'s
  are held for the PMO's arbitration against a third unit's bid for the same product line.

Adding an endpoint: add an ``Entry`` to ``MATRIX`` keyed ``"METHOD /path"`` as in the OpenAPI
schema; ``test_every_operation_has_an_entry`` lists every operation without one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import TestUser, unique

ROLES = ("pmo", "lead", "member", "finance", "viewer", "anonymous")
MATRIX_PASSWORD = "矩阵-口令-correct-horse"  # the cast's, for fresh sign-ins
WHICH = ("own", "other")
OK = "ok"
Outcome = str | int  # OK, or the refusing status (401, 403, 404)
Policy = Callable[[str, str], Outcome]

_dates = itertools.count(1)


# --- the rules of app/auth/permissions.py, as data -------------------------------------------


def can_read(role: str, which: str) -> bool:
    return role in ("pmo", "finance") or which == "own"


def can_write(role: str, which: str) -> bool:
    return role == "pmo" or (role == "lead" and which == "own")


def public(role: str, which: str) -> Outcome:
    return OK


def signed_in(role: str, which: str) -> Outcome:
    return OK


def roles(*allowed: str) -> Policy:
    def policy(role: str, which: str) -> Outcome:
        return OK if role in allowed else 403

    return policy


def bid_read(role: str, which: str) -> Outcome:
    return OK if can_read(role, which) else 404


def bid_write(role: str, which: str) -> Outcome:
    if not can_read(role, which):
        return 404
    return OK if can_write(role, which) else 403


def bid_read_then(may: Callable[[str, str], bool]) -> Policy:
    """Readers of the bid get past the 404; ``may`` decides between OK and 403."""

    def policy(role: str, which: str) -> Outcome:
        if not can_read(role, which):
            return 404
        return OK if may(role, which) else 403

    return policy


def reports_progress(role: str, which: str) -> bool:
    """``can_report_progress``: the bid's writers, and the member on their own task."""
    return can_write(role, which) or (role == "member" and which == "own")


def books_costs(role: str, which: str) -> bool:
    """``costs.service.can_book``: PMO, finance, the bid's writers, the member on own tasks."""
    return role in ("pmo", "finance") or reports_progress(role, which)


def own_or_pmo(missing: int) -> Policy:
    """Users' own things (their user, tokens): anyone on their own; on others' only the PMO."""

    def policy(role: str, which: str) -> Outcome:
        return OK if which == "own" or role == "pmo" else missing

    return policy


def account_read(role: str, which: str) -> Outcome:
    """``app.accounts.access.can_read_relations``: the PMO and finance read every account's
    influence map, coverage, contacts and health; the others those of the accounts of a bid
    they may read that the PMO accepted past lead-in (``own``). Accounts are common knowledge,
    so the others get 403, not 404 (how a grant is won and lost: ``test_grants`` below)."""
    return OK if role in ("pmo", "finance") or which == "own" else 403


def edits_stakeholders(role: str, which: str) -> Outcome:
    """``app.accounts.router.writable_stakeholders``: the PMO on every account, a lead on the
    accounts with a bid they may read (``own``); reporting lines are the PMO's alone
    (tests/app/test_account_view.py)."""
    return OK if role == "pmo" or (role == "lead" and which == "own") else 403


def logs_contacts(role: str, which: str) -> Outcome:
    """``app.accounts.access.CONTACT_LOGGERS``: the PMO, and leads and members on the accounts
    they may read, log (and take back) their own contacts; finance and viewers only read."""
    return OK if role == "pmo" or (role in ("lead", "member") and which == "own") else 403


def may_see_load(role: str, which: str) -> Outcome:
    """``app.resources.service.READ_ROLES``: everyone but viewers sees (some of) the load."""
    return OK if role in ("pmo", "finance", "lead", "member") else 403


# --- the cast and its objects ----------------------------------------------------------------


def _has_history(body: dict[str, Any]) -> bool:
    return body.get("stage", "lead_in") != "lead_in" or body.get("status", "open") != "open"


@dataclass
class World:
    client: TestClient
    users: dict[str, TestUser]
    bids: dict[str, dict[str, Any]]
    tasks: dict[str, dict[str, Any]]
    closed_bids: dict[str, dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pmo(self) -> dict[str, str]:
        return self.users["pmo"].headers

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if path == "/api/v1/bids" and body and _has_history(body):
            # a new bid starts at lead-in and open: one with a past is the PMO's import
            path, body = "/api/v1/pmo/bid-imports", {**body, "import_reason": "矩阵：带历史的投标"}
        response = self.client.post(path, json=body, headers=self.pmo)
        assert response.status_code in (200, 201), f"setup {path}: {response.text}"
        return response.json()

    def etag(self, path: str) -> str:
        response = self.client.get(path, headers=self.pmo)
        assert response.status_code == 200, f"setup GET {path}: {response.text}"
        return response.headers["ETag"]

    def bid_id(self, which: str) -> int:
        return int(self.bids[which]["id"])

    def task(self, which: str, **fields: Any) -> dict[str, Any]:
        body = {"name": unique("矩阵任务 "), "duration_days": 1, **fields}
        return self.post(f"/api/v1/bids/{self.bid_id(which)}/tasks", body)

    def person(self) -> dict[str, Any]:
        return self.post("/api/v1/people", {"name": unique("矩阵人员")})

    def cost(self, which: str, *, pending: bool = False) -> dict[str, Any]:
        body = {
            "task_id": self.tasks[which]["id"],
            "category": "samples_materials" if pending else "travel",
            "entry_date": "2027-03-02",
            "amount": "10.00",
        }
        return self.post(f"/api/v1/bids/{self.bid_id(which)}/costs", body)

    def bid_like(self, which: str, **fields: Any) -> dict[str, Any]:
        """A fresh bid with ``which``'s lead, org unit and team (for destructive writes)."""
        template = self.bids[which]
        bid = self.post(
            "/api/v1/bids",
            {
                "title": unique("矩阵投标 "),
                "start_date": "2027-03-01",
                "submission_deadline": "2027-06-30",
                "org_unit_id": template["org_unit_id"],
                "account_id": template["account_id"],
                "lead_id": template["lead_id"],
                **fields,
            },
        )
        if which == "own":
            self.post(
                f"/api/v1/bids/{bid['id']}/team",
                {"person_id": self.users["member"].person_id, "kam_role": "sales_rep"},
            )
        return bid

    def set_quote_policy(self, policy: str) -> None:
        path = "/api/v1/accounts/quote-policy"
        headers = {**self.pmo, "If-Match": self.etag(path)}
        response = self.client.patch(path, json={"policy": policy}, headers=headers)
        assert response.status_code == 200, f"setup quote policy: {response.text}"

    def set_quote_scope(self, scope: str) -> None:
        path = "/api/v1/accounts/quote-policy"
        headers = {**self.pmo, "If-Match": self.etag(path)}
        response = self.client.patch(path, json={"scope": scope}, headers=headers)
        assert response.status_code == 200, f"setup quote scope: {response.text}"

    def held_bid(self, which: str) -> dict[str, Any]:
        """A fresh bid like ``which``'s held for the PMO's arbitration: a second quote for the
        product line a third unit pursues, opened under ``arbitrate`` (then back to the default
        ``refuse``, which the other test modules sharing the database expect)."""
        self.set_quote_policy("arbitrate")
        try:
            bid = self.bid_like(which, product_line=self.extra["product_line"])
        finally:
            self.set_quote_policy("refuse")
        assert bid["arbitration"] == "pending", f"setup: bid {bid['id']} was not held"
        return bid

    def account_id(self, which: str) -> int:
        return int(self.extra["account"][which])

    def stakeholder(self, which: str) -> dict[str, Any]:
        body = {"name": unique("联系人"), "decision_role": "influencer"}
        return self.post(f"/api/v1/accounts/{self.account_id(which)}/stakeholders", body)

    def influence_link_body(self, which: str) -> dict[str, Any]:
        """A link from a fresh stakeholder to the account's own one (links are unique)."""
        return {
            "source_id": self.stakeholder(which)["id"],
            "target_id": self.extra["account_stakeholder"][which],
        }

    def influence_link(self, which: str) -> dict[str, Any]:
        path = f"/api/v1/accounts/{self.account_id(which)}/influence-links"
        return self.post(path, self.influence_link_body(which))

    def coverage(self, which: str) -> dict[str, Any]:
        stakeholder = self.extra["account_stakeholder"][which]
        body = {"person_id": self.person()["id"], "strength": 2}
        return self.post(f"/api/v1/stakeholders/{stakeholder}/coverage", body)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    json: Any = None
    if_match: str | None = None
    files: dict[str, Any] | None = None
    params: dict[str, Any] | None = None


Build = Callable[[World, str, str], Request]  # (world, role, which) -> the request


@dataclass(frozen=True)
class Entry:
    policy: Policy
    build: Build
    ok: tuple[int, ...] = (200,)
    per_bid: bool = True  # False: own/other do not differ (global resources); run once


# --- request builders --------------------------------------------------------------------------


def get(path: Callable[[World, str], str], **params: Any) -> Build:
    return lambda w, role, which: Request("GET", path(w, which), params=params or None)


def bid_path(suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, which: f"/api/v1/bids/{w.bid_id(which)}{suffix}"


def fixed(path: str) -> Callable[[World, str], str]:
    return lambda w, which: path


def patch(path: Callable[[World, str], str], body: Callable[[], dict[str, Any]]) -> Build:
    def build(w: World, role: str, which: str) -> Request:
        target = path(w, which)
        return Request("PATCH", target, json=body(), if_match=w.etag(target))

    return build


def post(path: Callable[[World, str], str], body: Callable[[World, str], Any]) -> Build:
    return lambda w, role, which: Request("POST", path(w, which), json=body(w, which))


def post_as(
    method: str, path: Callable[[World, str], str], body: Callable[[World, str], Any]
) -> Build:
    return lambda w, role, which: Request(method, path(w, which), json=body(w, which))


def _lift_throttle(w: World, role: str, which: str) -> Request:
    """A fresh failed sign-in of a made-up username from a made-up address, lifted."""
    from sqlalchemy import select

    from app.auth import throttle
    from app.auth.models import LoginThrottle

    username, address = unique("nobody"), unique("198.51.100.")
    with w.extra["session_factory"]() as session:
        throttle.record_failure(session, username, address)
        row_id = session.scalar(
            select(LoginThrottle.id).where(LoginThrottle.key == f"account:{username}")
        )
    return Request("DELETE", f"/api/v1/login-throttles/{row_id}")


def _users_path(w: World, role: str, which: str) -> Request:
    target = w.users.get(role, w.extra["victim"]) if which == "own" else w.extra["victim"]
    return Request("GET", f"/api/v1/users/{target.id}")


def _revoke_token(w: World, role: str, which: str) -> Request:
    from sqlalchemy import func, select

    from app.auth.models import ApiToken, User
    from app.auth.service import issue_token

    owner = w.users.get(role, w.extra["victim"]) if which == "own" else w.extra["victim"]
    with w.extra["session_factory"]() as session:
        issue_token(session, session.get(User, owner.id))
        session.commit()
        token_id = session.scalar(select(func.max(ApiToken.id)).where(ApiToken.user_id == owner.id))
    return Request("DELETE", f"/api/v1/tokens/{token_id}")


def _patch_user(w: World, role: str, which: str) -> Request:
    path = f"/api/v1/users/{w.extra['victim'].id}"
    return Request("PATCH", path, json={"display_name": unique("改名")}, if_match=w.etag(path))


def _delete_stakeholder(w: World, role: str, which: str) -> Request:
    path = f"/api/v1/stakeholders/{w.stakeholder(which)['id']}"
    return Request("DELETE", path, if_match=w.etag(path))


def _add_team_member(w: World, role: str, which: str) -> Request:
    body = {"person_id": w.person()["id"], "kam_role": "presales_consultant"}
    return Request("POST", f"/api/v1/bids/{w.bid_id(which)}/team", json=body)


def _remove_team_member(w: World, role: str, which: str) -> Request:
    body = {"person_id": w.person()["id"], "kam_role": "presales_consultant"}
    member = w.post(f"/api/v1/bids/{w.bid_id(which)}/team", body)
    version = f'W/"{member["version"]}"'
    return Request("DELETE", f"/api/v1/team-members/{member['id']}", if_match=version)


def _import(w: World, role: str, which: str) -> Request:
    plan = {
        "name": unique("导入 "),
        "start": "2027-01-04",
        "tasks": [{"id": "t1", "name": "准备", "duration_days": 2}],
        "links": [],
    }
    files = {"file": ("plan.json", json.dumps(plan, ensure_ascii=False), "application/json")}
    return Request("POST", "/api/v1/bids/import", files=files)


def _bid_body(w: World, which: str) -> dict[str, Any]:
    own = w.bids["own"]
    return {
        "title": unique("新投标 "),
        "start_date": "2027-01-04",
        "org_unit_id": own["org_unit_id"],
        "account_id": own["account_id"],
    }


def _rate_body(w: World, which: str) -> dict[str, Any]:
    day = dt.date(2030, 1, 1) + dt.timedelta(days=next(_dates))
    return {"base": "USD", "quote": "CNY", "rate": "7.1", "effective_date": day.isoformat()}


def _cost_action(action: str, *, pending: bool) -> Build:
    def build(w: World, role: str, which: str) -> Request:
        entry = w.cost(which, pending=pending)
        path = f"/api/v1/costs/{entry['id']}"
        return Request("POST", f"{path}/{action}", if_match=w.etag(path))

    return build


def _delete_cap(w: World, role: str, which: str) -> Request:
    cap = w.post(
        f"/api/v1/bids/{w.bid_like(which)['id']}/spending-caps",
        {"kind": "category", "category": "other", "amount": "999999.00"},
    )
    path = f"/api/v1/spending-caps/{cap['id']}"
    return Request("DELETE", path, if_match=f'W/"{cap["version"]}"')


def _put_template(w: World, role: str, which: str) -> Request:
    source = {"extends": w.extra["template_id"], "name": "矩阵模板"}
    return Request("PUT", f"/api/v1/templates/{unique('matrix-')}", json=source)


def _close_out(w: World, role: str, which: str) -> Request:
    bid = w.bid_like(which)
    body = {"outcome": "lost", "reason_codes": ["price"]}
    return Request("POST", f"/api/v1/bids/{bid['id']}/close-out", json=body)


def _stage_override(w: World, role: str, which: str) -> Request:
    path = f"/api/v1/bids/{w.bid_like(which)['id']}"
    body = {"stage": "goals", "reason": "矩阵：补录阶段"}
    return Request("POST", f"{path}/stage-override", json=body, if_match=w.etag(path))


def _bid_import_body(w: World, which: str) -> dict[str, Any]:
    return {**_bid_body(w, which), "stage": "plan", "import_reason": "矩阵：历史导入"}


def _adjustment_body(w: World, which: str) -> dict[str, Any]:
    person = w.users["member"].person_id if which == "own" else w.extra["victim"].person_id
    return {"person_id": person, "amount": "-10.00", "reason": "矩阵：迟交材料"}


def _person_appraisal(w: World, role: str, which: str) -> Request:
    """``own``: the member on the own bid (themselves for ``member``, on their bid for
    ``lead``); ``other``: a member of the other bid only."""
    person = w.users["member"].person_id if which == "own" else w.extra["victim"].person_id
    params = {"from": "2000-01-01", "to": "2100-12-31"}
    return Request("GET", f"/api/v1/people/{person}/appraisal", params=params)


def reads_person_appraisal(role: str, which: str) -> Outcome:
    """``app.appraisal.service.person_appraisal``: the PMO and finance everyone, a person
    themselves, a lead the people of the bids they lead; anyone else 403."""
    if role in ("pmo", "finance"):
        return OK
    return OK if role in ("lead", "member") and which == "own" else 403


def _delete_task(w: World, role: str, which: str) -> Request:
    path = f"/api/v1/tasks/{w.task(which)['id']}"
    return Request("DELETE", path, if_match=w.etag(path))


def _patch_progress(w: World, role: str, which: str) -> Request:
    path = f"/api/v1/tasks/{w.tasks[which]['id']}"
    body = {"percent_complete": next(_dates) % 90 + 1}
    return Request("PATCH", path, json=body, if_match=w.etag(path))


def _restore_task(w: World, role: str, which: str) -> Request:
    path = f"/api/v1/tasks/{w.task(which)['id']}"
    response = w.client.patch(
        path, json={"name": unique("改后 ")}, headers={**w.pmo, "If-Match": w.etag(path)}
    )
    assert response.status_code == 200, response.text
    journal = w.client.get(
        f"/api/v1/bids/{w.bid_id(which)}/journal",
        params={"entity": "tasks", "entity_id": path.rsplit("/", 1)[1]},
        headers=w.pmo,
    ).json()
    entry = next(item for item in journal["items"] if item["field"] == "name")
    return Request(
        "POST", f"{path}/restore", json={"journal_id": entry["id"]}, if_match=w.etag(path)
    )


def _link(w: World, role: str, which: str) -> Request:
    first, second = w.task(which), w.task(which)
    body = {"predecessor_id": first["id"], "successor_id": second["id"], "type": "FS"}
    return Request("POST", f"/api/v1/bids/{w.bid_id(which)}/dependencies", json=body)


def _delete_link(w: World, role: str, which: str) -> Request:
    first, second = w.task(which), w.task(which)
    link = w.post(
        f"/api/v1/bids/{w.bid_id(which)}/dependencies",
        {"predecessor_id": first["id"], "successor_id": second["id"]},
    )
    path = f"/api/v1/dependencies/{link['id']}"
    return Request("DELETE", path, if_match=w.etag(path))


def _risk_body() -> dict[str, Any]:
    return {
        "title": unique("风险 "),
        "probability": 0.3,
        "impact_optimistic_days": 1,
        "impact_likely_days": 2,
        "impact_pessimistic_days": 4,
    }


def _delete_risk(w: World, role: str, which: str) -> Request:
    risk = w.post(f"/api/v1/bids/{w.bid_id(which)}/risks", _risk_body())
    return Request("DELETE", f"/api/v1/risks/{risk['id']}", if_match=f'W/"{risk["version"]}"')


def _task_path(w: World, which: str) -> str:
    return f"/api/v1/tasks/{w.tasks[which]['id']}"


def _extra(key: str, template: str) -> Callable[[World, str], str]:
    return lambda w, which: template.format(
        w.extra[key][which] if isinstance(w.extra[key], dict) else w.extra[key]
    )


def _account(w: World, which: str) -> str:
    return f"/api/v1/accounts/{w.bids['own']['account_id']}"


def _named(body: dict[str, Any]) -> Callable[[World, str], dict[str, Any]]:
    """A body whose ``"*"`` values become unique names (and ``"user"`` a unique username)."""

    def fresh(value: Any) -> Any:
        if value == "*":
            return unique("名")
        return unique("user") if value == "user" else value

    return lambda w, which: {key: fresh(value) for key, value in body.items()}


def _account_path(suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, which: f"/api/v1/accounts/{w.account_id(which)}{suffix}"


def _stakeholder_path(suffix: str) -> Callable[[World, str], str]:
    return lambda w, which: f"/api/v1/stakeholders/{w.extra['account_stakeholder'][which]}{suffix}"


def _contact_body(w: World, which: str) -> dict[str, Any]:
    day = dt.date.today() - dt.timedelta(days=next(_dates) % 300 + 1)
    return {"contact_date": day.isoformat(), "channel": "call", "note": "矩阵拜访"}


def _delete_influence_link(w: World, role: str, which: str) -> Request:
    path = f"/api/v1/influence-links/{w.influence_link(which)['id']}"
    return Request("DELETE", path, if_match=w.etag(path))


def _patch_coverage(w: World, role: str, which: str) -> Request:
    coverage = w.coverage(which)
    path = f"/api/v1/coverage/{coverage['id']}"
    return Request("PATCH", path, json={"strength": 3}, if_match=f'W/"{coverage["version"]}"')


def _delete_coverage(w: World, role: str, which: str) -> Request:
    coverage = w.coverage(which)
    path = f"/api/v1/coverage/{coverage['id']}"
    return Request("DELETE", path, if_match=f'W/"{coverage["version"]}"')


def _take_back_contact(w: World, role: str, which: str) -> Request:
    """The caller's own contact where they may log one, else the PMO's (that only its logger or
    the PMO takes a contact back is ``test_account_view``'s)."""
    path = _stakeholder_path("/contacts")(w, which)
    body = _contact_body(w, which)
    headers = w.users[role].headers if role in w.users else {}
    mine = w.client.post(path, json=body, headers=headers)
    contact = mine.json() if mine.status_code == 201 else w.post(path, body)
    target = f"/api/v1/contacts/{contact['id']}"
    return Request("DELETE", target, if_match=f'W/"{contact["version"]}"')


def _decide_arbitration(w: World, role: str, which: str) -> Request:
    path = f"/api/v1/bids/{w.held_bid(which)['id']}"
    body = {"decision": "reject", "reason": "矩阵仲裁"}
    return Request("POST", f"{path}/arbitration", json=body, if_match=w.etag(path))


def _tick_gate(w: World, role: str, which: str) -> Request:
    path = bid_path(f"/gates/{w.bids[which]['stage']}")(w, which)
    body = {"checked": {w.extra["gate_item"][which]: next(_dates) % 2 == 0}}
    return Request("PATCH", path, json=body, if_match=w.etag(path))


def _review_gate(w: World, role: str, which: str) -> Request:
    bid = w.bid_like(which)
    path = f"/api/v1/bids/{bid['id']}"
    body = {"decision": "stop", "comment": "矩阵评审"}
    return Request("POST", f"{path}/gates/{bid['stage']}/review", json=body, if_match=w.etag(path))


def _override_win_probability(w: World, role: str, which: str) -> Request:
    path = bid_path("/win-probability")(w, which)
    body = {"percent": next(_dates) % 100, "reason": unique("矩阵理由 ")}
    return Request("POST", path, json=body, if_match=w.etag(path))


def _clear_win_probability(w: World, role: str, which: str) -> Request:
    path = bid_path("/win-probability")(w, which)
    return Request("DELETE", path, if_match=w.etag(path))


def _proposal_body(w: World, which: str) -> dict[str, Any]:
    return {"bid_ids": [w.bid_id("own")], "level_from": "2027-03-01"}


def _accept_proposal(w: World, role: str, which: str) -> Request:
    """A fresh proposal of the PMO's, accepted as the caller."""
    body = _proposal_body(w, which)
    proposal = w.post("/api/v1/resources/leveling-proposals", body)
    moves = [{"task_id": m["task_id"], "new_start": m["new_start"]} for m in proposal["moves"]]
    accept = {**body, "fingerprint": proposal["fingerprint"], "moves": moves}
    return Request("POST", "/api/v1/resources/leveling-proposals/accept", json=accept)


# --- the matrix --------------------------------------------------------------------------------


def _job_import(w: World, role: str, which: str) -> Request:
    request = _import(w, role, which)
    return Request("POST", "/api/v1/jobs/import", files=request.files)


def _report_job_body(w: World, which: str) -> dict[str, Any]:
    """The portfolio report as a job: anyone signed in may ask (it holds the bids they may
    read); the refusals that depend on the body (a bid's report, a PMO-only kind) are in
    tests/app/test_jobs.py, since a malformed body must get its 422 (tests/app/test_guards.py)."""
    return {"kind": "cost-control-report", "params": {"format": "json"}}


def _finished_report_jobs(w: World) -> dict[str, int]:
    """A finished bid-report job per bid, asked for by the PMO and run here through the
    runner's own ``execute`` (the matrix needs results whichever runner the database has)."""
    from app.auth.models import User
    from app.jobs.runner import execute
    from app.jobs.service import create_job

    jobs = {}
    factory = w.extra["session_factory"]
    for which in WHICH:
        with factory() as session:
            job = create_job(
                session,
                session.get(User, w.users["pmo"].id),
                "cost-control-report",
                {"bid": w.bid_id(which), "format": "json"},
                runner="matrix",
                max_attempts=1,
                bid_id=w.bid_id(which),
            )
            session.commit()
            jobs[which] = job.id
        assert execute(factory, jobs[which], "matrix") == "succeeded"
    return jobs


MATRIX: dict[str, Entry] = {
    # accounts: every signed-in user reads; the PMO and leads write
    "GET /api/v1/accounts": Entry(signed_in, get(fixed("/api/v1/accounts")), per_bid=False),
    "POST /api/v1/accounts": Entry(
        roles("pmo", "lead"), post(fixed("/api/v1/accounts"), _named({"name": "*"})), (201,), False
    ),
    "GET /api/v1/accounts/{account_id}": Entry(signed_in, get(_account), per_bid=False),
    # only the PMO edits an account (app.accounts.access.can_edit_account): the tier feeds the
    # decomposer and the priorities
    "PATCH /api/v1/accounts/{account_id}": Entry(
        roles("pmo"), patch(_account, lambda: {"industry": unique("IT")}), per_bid=False
    ),
    # stakeholders are relationship data (app/accounts/access.py): read like the influence map;
    # written by the PMO and by leads with a bid on the account
    "GET /api/v1/accounts/{account_id}/stakeholders": Entry(
        account_read, get(_account_path("/stakeholders"))
    ),
    "POST /api/v1/accounts/{account_id}/stakeholders": Entry(
        edits_stakeholders,
        post(
            _account_path("/stakeholders"),
            _named({"name": "*", "decision_role": "decision_maker"}),
        ),
        (201,),
    ),
    "GET /api/v1/stakeholders/{stakeholder_id}": Entry(account_read, get(_stakeholder_path(""))),
    "PATCH /api/v1/stakeholders/{stakeholder_id}": Entry(
        edits_stakeholders, patch(_stakeholder_path(""), lambda: {"title": unique("总监")})
    ),
    "DELETE /api/v1/stakeholders/{stakeholder_id}": Entry(
        edits_stakeholders, _delete_stakeholder, (204,)
    ),
    # account relations (app/accounts/access.py): the PMO writes the map and coverage, readers
    # of a bid on the account read them, leads and members log their own contacts
    "GET /api/v1/accounts/{account_id}/health": Entry(account_read, get(_account_path("/health"))),
    "GET /api/v1/accounts/at-risk": Entry(
        signed_in, get(fixed("/api/v1/accounts/at-risk"), level="all"), per_bid=False
    ),
    "GET /api/v1/accounts/{account_id}/influence-map": Entry(
        account_read, get(_account_path("/influence-map"))
    ),
    "GET /api/v1/accounts/{account_id}/influence-links": Entry(
        account_read, get(_account_path("/influence-links"))
    ),
    "POST /api/v1/accounts/{account_id}/influence-links": Entry(
        roles("pmo"),
        post(_account_path("/influence-links"), lambda w, which: w.influence_link_body(which)),
        (201,),
    ),
    "GET /api/v1/influence-links/{link_id}": Entry(
        account_read, get(_extra("influence_link", "/api/v1/influence-links/{}"))
    ),
    "PATCH /api/v1/influence-links/{link_id}": Entry(
        roles("pmo"),
        patch(
            _extra("influence_link", "/api/v1/influence-links/{}"),
            lambda: {"strength": next(_dates) % 3 + 1},
        ),
    ),
    "DELETE /api/v1/influence-links/{link_id}": Entry(roles("pmo"), _delete_influence_link, (204,)),
    "GET /api/v1/stakeholders/{stakeholder_id}/coverage": Entry(
        account_read, get(_stakeholder_path("/coverage"))
    ),
    "POST /api/v1/stakeholders/{stakeholder_id}/coverage": Entry(
        roles("pmo"),
        post(_stakeholder_path("/coverage"), lambda w, which: {"person_id": w.person()["id"]}),
        (201,),
    ),
    "PATCH /api/v1/coverage/{coverage_id}": Entry(roles("pmo"), _patch_coverage),
    "DELETE /api/v1/coverage/{coverage_id}": Entry(roles("pmo"), _delete_coverage, (204,)),
    "GET /api/v1/accounts/{account_id}/contacts": Entry(
        account_read, get(_account_path("/contacts"))
    ),
    "GET /api/v1/stakeholders/{stakeholder_id}/contacts": Entry(
        account_read, get(_stakeholder_path("/contacts"))
    ),
    "POST /api/v1/stakeholders/{stakeholder_id}/contacts": Entry(
        logs_contacts, post(_stakeholder_path("/contacts"), _contact_body), (201,)
    ),
    "DELETE /api/v1/contacts/{contact_id}": Entry(logs_contacts, _take_back_contact, (204,)),
    # one quote per account (app/accounts/quotes.py): the policy and the decisions are the PMO's
    "GET /api/v1/accounts/duplicates": Entry(
        roles("pmo"), get(fixed("/api/v1/accounts/duplicates")), per_bid=False
    ),
    "GET /api/v1/accounts/quote-policy": Entry(
        roles("pmo"), get(fixed("/api/v1/accounts/quote-policy")), per_bid=False
    ),
    "PATCH /api/v1/accounts/quote-policy": Entry(
        roles("pmo"),
        patch(fixed("/api/v1/accounts/quote-policy"), lambda: {"policy": "refuse"}),
        per_bid=False,
    ),
    "GET /api/v1/accounts/arbitrations": Entry(
        roles("pmo"), get(fixed("/api/v1/accounts/arbitrations")), per_bid=False
    ),
    "GET /api/v1/bids/{bid}/arbitration": Entry(
        bid_read, get(lambda w, which: f"/api/v1/bids/{w.extra['held'][which]}/arbitration")
    ),
    "POST /api/v1/bids/{bid}/arbitration": Entry(
        bid_read_then(lambda role, which: role == "pmo"), _decide_arbitration
    ),
    # users and tokens
    "GET /api/v1/me": Entry(signed_in, get(fixed("/api/v1/me")), per_bid=False),
    "GET /api/v1/users": Entry(roles("pmo"), get(fixed("/api/v1/users")), per_bid=False),
    "POST /api/v1/users": Entry(
        roles("pmo"),
        post(fixed("/api/v1/users"), _named({"username": "user", "display_name": "*"})),
        (201,),
        False,
    ),
    "GET /api/v1/users/{user_id}": Entry(own_or_pmo(403), _users_path),
    "PATCH /api/v1/users/{user_id}": Entry(roles("pmo"), _patch_user, per_bid=False),
    "GET /api/v1/tokens": Entry(signed_in, get(fixed("/api/v1/tokens")), per_bid=False),
    # minting needs a fresh sign-in: the cast's bearer tokens send their password
    "POST /api/v1/tokens": Entry(
        signed_in,
        post(fixed("/api/v1/tokens"), _named({"name": "*", "password": MATRIX_PASSWORD})),
        (201,),
        False,
    ),
    # the current password must be right; the matrix sends a wrong one (the change itself, which
    # ends the caller's sessions and tokens, is tests/app/test_attack_auth.py's)
    "PUT /api/v1/me/password": Entry(
        signed_in,
        post_as(
            "PUT",
            fixed("/api/v1/me/password"),
            lambda w, which: {
                "current_password": "not-the-password-at-all",
                "new_password": unique("新口令-long-"),
            },
        ),
        (403,),  # reached its own check: the wrong current password
        False,
    ),
    "POST /api/v1/users/{user_id}/unlock": Entry(
        roles("pmo"),
        post(
            lambda w, which: f"/api/v1/users/{w.extra['victim'].id}/unlock", lambda w, which: None
        ),
        (204,),
        False,
    ),
    "GET /api/v1/login-throttles": Entry(
        roles("pmo"), get(fixed("/api/v1/login-throttles")), per_bid=False
    ),
    "DELETE /api/v1/login-throttles/{throttle_id}": Entry(
        roles("pmo"), _lift_throttle, (204,), False
    ),
    "GET /api/v1/security-policy": Entry(
        roles("pmo"), get(fixed("/api/v1/security-policy")), per_bid=False
    ),
    "PATCH /api/v1/security-policy": Entry(
        roles("pmo"),
        patch(fixed("/api/v1/security-policy"), lambda: {"revoke_tokens_on_password_change": True}),
        per_bid=False,
    ),
    "DELETE /api/v1/tokens/{token_id}": Entry(own_or_pmo(404), _revoke_token, (204,)),
    # baselines
    "GET /api/v1/bids/{bid}/baselines": Entry(bid_read, get(bid_path("/baselines"))),
    "POST /api/v1/bids/{bid}/baselines": Entry(
        bid_write, post(bid_path("/baselines"), _named({"name": "*"})), (201,)
    ),
    "GET /api/v1/baselines/{baseline_id}": Entry(
        bid_read, get(_extra("baseline", "/api/v1/baselines/{}"))
    ),
    # bids and teams
    "GET /api/v1/bids": Entry(signed_in, get(fixed("/api/v1/bids")), per_bid=False),
    "POST /api/v1/bids": Entry(
        roles("pmo", "lead"), post(fixed("/api/v1/bids"), _bid_body), (201,), False
    ),
    "GET /api/v1/bids/{bid}": Entry(bid_read, get(bid_path())),
    "PATCH /api/v1/bids/{bid}": Entry(
        bid_write, patch(bid_path(), lambda: {"win_probability_percent": next(_dates) % 100})
    ),
    "GET /api/v1/bids/{bid}/team": Entry(bid_read, get(bid_path("/team"))),
    "POST /api/v1/bids/{bid}/team": Entry(bid_write, _add_team_member, (201,)),
    "DELETE /api/v1/team-members/{member_id}": Entry(bid_write, _remove_team_member, (204,)),
    "POST /api/v1/bids/import": Entry(roles("pmo", "lead"), _import, (201,), False),
    "GET /api/v1/bids/{bid}/export": Entry(bid_read, get(bid_path("/export"), format="json")),
    # calendars
    "GET /api/v1/calendars": Entry(signed_in, get(fixed("/api/v1/calendars")), per_bid=False),
    "POST /api/v1/calendars": Entry(
        roles("pmo", "lead"), post(fixed("/api/v1/calendars"), _named({"name": "*"})), (201,), False
    ),
    "GET /api/v1/calendars/{calendar_id}": Entry(
        signed_in, get(_extra("calendar", "/api/v1/calendars/{}")), per_bid=False
    ),
    "PATCH /api/v1/calendars/{calendar_id}": Entry(
        roles("pmo"),
        patch(_extra("calendar", "/api/v1/calendars/{}"), lambda: {"name": unique("日历")}),
        per_bid=False,
    ),
    # costs
    "GET /api/v1/bids/{bid}/costs": Entry(bid_read, get(bid_path("/costs"))),
    "POST /api/v1/bids/{bid}/costs": Entry(
        bid_read_then(books_costs),
        post(
            bid_path("/costs"),
            lambda w, which: {
                "task_id": w.tasks[which]["id"],
                "category": "travel",
                "entry_date": "2027-03-03",
                "amount": "12.34",
            },
        ),
        (201,),
    ),
    "GET /api/v1/costs/{entry_id}": Entry(bid_read, get(_extra("cost", "/api/v1/costs/{}"))),
    "POST /api/v1/costs/{entry_id}/approve": Entry(
        bid_read_then(lambda role, which: role == "pmo"), _cost_action("approve", pending=True)
    ),
    "POST /api/v1/costs/{entry_id}/reject": Entry(
        bid_read_then(lambda role, which: role == "pmo"), _cost_action("reject", pending=True)
    ),
    "POST /api/v1/costs/{entry_id}/reverse": Entry(
        bid_read_then(lambda role, which: role == "finance" or can_write(role, which)),
        _cost_action("reverse", pending=False),
        (201,),
    ),
    "GET /api/v1/exchange-rates": Entry(
        signed_in, get(fixed("/api/v1/exchange-rates")), per_bid=False
    ),
    "POST /api/v1/exchange-rates": Entry(
        roles("pmo", "finance"), post(fixed("/api/v1/exchange-rates"), _rate_body), (201,), False
    ),
    "GET /api/v1/bids/{bid}/spending-caps": Entry(bid_read, get(bid_path("/spending-caps"))),
    "POST /api/v1/bids/{bid}/spending-caps": Entry(
        bid_write,
        post(
            lambda w, which: f"/api/v1/bids/{w.bid_like(which)['id']}/spending-caps",
            lambda w, which: {"kind": "category", "category": "bid_fees_bonds", "amount": "9e5"},
        ),
        (201,),
    ),
    "DELETE /api/v1/spending-caps/{cap_id}": Entry(bid_write, _delete_cap, (204,)),
    # decomposition, templates, close-out, appraisal
    "POST /api/v1/bids/{bid}/decompose": Entry(
        bid_read, post(bid_path("/decompose"), lambda w, which: {"dry_run": True})
    ),
    "GET /api/v1/templates": Entry(signed_in, get(fixed("/api/v1/templates")), per_bid=False),
    "GET /api/v1/templates/{template_id}": Entry(
        signed_in, get(_extra("template_id", "/api/v1/templates/{}")), per_bid=False
    ),
    "PUT /api/v1/templates/{template_id}": Entry(roles("pmo"), _put_template, per_bid=False),
    "GET /api/v1/bids/{bid}/raci": Entry(bid_read, get(bid_path("/raci"))),
    "GET /api/v1/bids/{bid}/appraisal": Entry(bid_read, get(bid_path("/appraisal"))),
    "POST /api/v1/bids/{bid}/close-out": Entry(bid_write, _close_out),
    "GET /api/v1/close-out-reasons": Entry(
        signed_in, get(fixed("/api/v1/close-out-reasons")), per_bid=False
    ),
    "PUT /api/v1/close-out-reasons/{code}": Entry(
        roles("pmo"),
        lambda w, role, which: Request(
            "PUT",
            "/api/v1/close-out-reasons/matrix_reason",
            json={"name": "矩阵原因", "name_en": "Matrix reason"},
        ),
        per_bid=False,
    ),
    # appraisal (app/appraisal): members see their own rows, leads their bid's, the PMO and
    # finance all; weights, pools, policy and adjustments are the PMO's
    "PUT /api/v1/bids/{bid}/appraisal/settings": Entry(
        bid_read_then(lambda role, which: role == "pmo"),
        lambda w, role, which: Request(
            "PUT", bid_path("/appraisal/settings")(w, which), json={"bonus_pool": "1000.00"}
        ),
    ),
    "PUT /api/v1/templates/{template_id}/appraisal-weights": Entry(
        roles("pmo"),
        lambda w, role, which: Request(
            "PUT",
            f"/api/v1/templates/{w.extra['template_id']}/appraisal-weights",
            json={
                "weights": {
                    "responsibility": "0.3",
                    "difficulty": "0.25",
                    "workload": "0.25",
                    "on_time": "0.1",
                    "on_budget": "0.1",
                }
            },
        ),
        per_bid=False,
    ),
    "GET /api/v1/pmo/appraisal-policy": Entry(
        signed_in, get(fixed("/api/v1/pmo/appraisal-policy")), per_bid=False
    ),
    "PATCH /api/v1/pmo/appraisal-policy": Entry(
        roles("pmo"),
        patch(fixed("/api/v1/pmo/appraisal-policy"), lambda: {"lost_percent": 20}),
        per_bid=False,
    ),
    "GET /api/v1/bids/{bid}/appraisal/adjustments": Entry(
        bid_read, get(bid_path("/appraisal/adjustments"))
    ),
    "POST /api/v1/bids/{bid}/appraisal/adjustments": Entry(
        bid_read_then(lambda role, which: role == "pmo"),
        post(bid_path("/appraisal/adjustments"), _adjustment_body),
        (201,),
    ),
    "GET /api/v1/people/{person_id}/appraisal": Entry(reads_person_appraisal, _person_appraisal),
    "GET /api/v1/bids/{bid}/close-out": Entry(
        bid_read, get(lambda w, which: f"/api/v1/bids/{w.closed_bids[which]['id']}/close-out")
    ),
    "GET /api/v1/bids/{bid}/similar": Entry(bid_read, get(bid_path("/similar"))),
    "GET /api/v1/calibration": Entry(signed_in, get(fixed("/api/v1/calibration")), per_bid=False),
    # gantt, health, journal
    "GET /api/v1/bids/{bid}/gantt": Entry(bid_read, get(bid_path("/gantt"))),
    "GET /api/v1/portfolio/gantt": Entry(
        signed_in, get(fixed("/api/v1/portfolio/gantt")), per_bid=False
    ),
    "GET /api/v1/health": Entry(public, get(fixed("/api/v1/health")), per_bid=False),
    "GET /api/v1/bids/{bid}/journal": Entry(bid_write, get(bid_path("/journal"))),
    "GET /api/v1/journal": Entry(roles("pmo"), get(fixed("/api/v1/journal")), per_bid=False),
    # org units and people
    "GET /api/v1/org-units": Entry(signed_in, get(fixed("/api/v1/org-units")), per_bid=False),
    "POST /api/v1/org-units": Entry(
        roles("pmo"),
        post(fixed("/api/v1/org-units"), _named({"code": "*", "name": "*"})),
        (201,),
        False,
    ),
    "GET /api/v1/org-units/{unit_id}": Entry(
        signed_in,
        get(lambda w, which: f"/api/v1/org-units/{w.bids['own']['org_unit_id']}"),
        per_bid=False,
    ),
    "PATCH /api/v1/org-units/{unit_id}": Entry(
        roles("pmo"),
        patch(
            lambda w, which: f"/api/v1/org-units/{w.bids['own']['org_unit_id']}",
            lambda: {"name_en": unique("Unit ")},
        ),
        per_bid=False,
    ),
    "GET /api/v1/people": Entry(signed_in, get(fixed("/api/v1/people")), per_bid=False),
    "POST /api/v1/people": Entry(
        roles("pmo", "lead"), post(fixed("/api/v1/people"), _named({"name": "*"})), (201,), False
    ),
    "GET /api/v1/people/{person_id}": Entry(
        signed_in, get(_extra("person", "/api/v1/people/{}")), per_bid=False
    ),
    "PATCH /api/v1/people/{person_id}": Entry(
        roles("pmo"),
        patch(_extra("person", "/api/v1/people/{}"), lambda: {"name_en": unique("Person ")}),
        per_bid=False,
    ),
    # PMO (app/pmo/router.py): the bid's writers tick gates and override the win probability,
    # the PMO reviews; the reports cover the bids the caller may read
    "GET /api/v1/bids/{bid}/gates": Entry(bid_read, get(bid_path("/gates"))),
    "GET /api/v1/bids/{bid}/gates/{stage}": Entry(
        bid_read, get(lambda w, which: bid_path(f"/gates/{w.bids[which]['stage']}")(w, which))
    ),
    "PATCH /api/v1/bids/{bid}/gates/{stage}": Entry(bid_write, _tick_gate),
    "POST /api/v1/bids/{bid}/gates/{stage}/review": Entry(
        bid_read_then(lambda role, which: role == "pmo"), _review_gate, (201,)
    ),
    "GET /api/v1/bids/{bid}/units": Entry(bid_read, get(bid_path("/units"))),
    "POST /api/v1/bids/{bid}/units": Entry(
        bid_write,
        post(
            bid_path("/units"),
            lambda w, which: {
                "org_unit_id": w.post(
                    "/api/v1/org-units", {"code": unique("OU"), "name": unique("成员单位")}
                )["id"]
            },
        ),
        (201,),
    ),
    "POST /api/v1/bids/{bid}/stage-override": Entry(
        bid_read_then(lambda role, which: role == "pmo"), _stage_override
    ),
    "POST /api/v1/pmo/bid-imports": Entry(
        roles("pmo"), post(fixed("/api/v1/pmo/bid-imports"), _bid_import_body), (201,), False
    ),
    "GET /api/v1/pmo/gates/waiting": Entry(
        signed_in, get(fixed("/api/v1/pmo/gates/waiting")), per_bid=False
    ),
    "GET /api/v1/bids/{bid}/stage-history": Entry(bid_read, get(bid_path("/stage-history"))),
    "GET /api/v1/bids/{bid}/win-probability": Entry(bid_read, get(bid_path("/win-probability"))),
    "POST /api/v1/bids/{bid}/win-probability": Entry(bid_write, _override_win_probability),
    "DELETE /api/v1/bids/{bid}/win-probability": Entry(bid_write, _clear_win_probability),
    "GET /api/v1/pmo/stage-report": Entry(
        signed_in, get(fixed("/api/v1/pmo/stage-report")), per_bid=False
    ),
    "GET /api/v1/pmo/pipeline": Entry(signed_in, get(fixed("/api/v1/pmo/pipeline")), per_bid=False),
    "GET /api/v1/pmo/forecast": Entry(signed_in, get(fixed("/api/v1/pmo/forecast")), per_bid=False),
    # resources (app/resources/service.py): load for all but viewers, leveling for the PMO
    "GET /api/v1/resources/load": Entry(
        may_see_load, get(fixed("/api/v1/resources/load")), per_bid=False
    ),
    "GET /api/v1/resources/conflicts": Entry(
        may_see_load, get(fixed("/api/v1/resources/conflicts")), per_bid=False
    ),
    "POST /api/v1/resources/leveling-proposals": Entry(
        roles("pmo"),
        post(fixed("/api/v1/resources/leveling-proposals"), _proposal_body),
        per_bid=False,
    ),
    "POST /api/v1/resources/leveling-proposals/accept": Entry(
        roles("pmo"), _accept_proposal, per_bid=False
    ),
    # jobs
    "GET /api/v1/jobs": Entry(signed_in, get(fixed("/api/v1/jobs")), per_bid=False),
    "POST /api/v1/jobs": Entry(
        signed_in, post(fixed("/api/v1/jobs"), _report_job_body), (202,), per_bid=False
    ),
    "POST /api/v1/jobs/import": Entry(roles("pmo", "lead"), _job_import, (202,), False),
    "GET /api/v1/jobs/kinds": Entry(signed_in, get(fixed("/api/v1/jobs/kinds")), per_bid=False),
    "GET /api/v1/jobs/{job}": Entry(bid_read, get(_extra("job", "/api/v1/jobs/{}"))),
    "GET /api/v1/jobs/{job}/result": Entry(bid_read, get(_extra("job", "/api/v1/jobs/{}/result"))),
    # reports
    "GET /api/v1/reports/cost-control": Entry(
        bid_read,
        lambda w, role, which: Request(
            "GET", "/api/v1/reports/cost-control", params={"bid": w.bid_id(which)}
        ),
    ),
    "GET /api/v1/reports/alerts": Entry(
        bid_read,
        lambda w, role, which: Request(
            "GET", "/api/v1/reports/alerts", params={"bid": w.bid_id(which)}
        ),
    ),
    # tasks, links, schedule
    "GET /api/v1/bids/{bid}/tasks": Entry(bid_read, get(bid_path("/tasks"))),
    "POST /api/v1/bids/{bid}/tasks": Entry(
        bid_write, post(bid_path("/tasks"), _named({"name": "*", "duration_days": 1})), (201,)
    ),
    "GET /api/v1/tasks/{task}": Entry(bid_read, get(_task_path)),
    "PATCH /api/v1/tasks/{task}": Entry(bid_read_then(reports_progress), _patch_progress),
    "DELETE /api/v1/tasks/{task}": Entry(bid_write, _delete_task),
    "POST /api/v1/tasks/{task}/restore": Entry(bid_write, _restore_task),
    "GET /api/v1/bids/{bid}/dependencies": Entry(bid_read, get(bid_path("/dependencies"))),
    "POST /api/v1/bids/{bid}/dependencies": Entry(bid_write, _link, (201,)),
    "GET /api/v1/dependencies/{dep}": Entry(
        bid_read, get(_extra("link", "/api/v1/dependencies/{}"))
    ),
    "DELETE /api/v1/dependencies/{dep}": Entry(bid_write, _delete_link),
    "GET /api/v1/bids/{bid}/schedule": Entry(bid_read, get(bid_path("/schedule"))),
    # schedule risk (app/risk): read like the bid, the register written like its tasks
    "GET /api/v1/bids/{bid}/risk": Entry(bid_read, get(bid_path("/risk"), iterations=50)),
    "GET /api/v1/bids/{bid}/risks": Entry(bid_read, get(bid_path("/risks"))),
    "POST /api/v1/bids/{bid}/risks": Entry(
        bid_write, post(bid_path("/risks"), lambda w, which: _risk_body()), (201,)
    ),
    "GET /api/v1/risks/{risk}": Entry(bid_read, get(_extra("risk", "/api/v1/risks/{}"))),
    "PATCH /api/v1/risks/{risk}": Entry(
        bid_write,
        patch(_extra("risk", "/api/v1/risks/{}"), lambda: {"probability": next(_dates) % 9 / 10}),
    ),
    "DELETE /api/v1/risks/{risk}": Entry(bid_write, _delete_risk, (204,)),
}


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(app: Any) -> Iterator[World]:
    """The cast, built once per database through the services and the API."""
    from app.auth.service import create_user, issue_token
    from app.orgs.service import create_person

    def make_user(role: str, org_unit_id: int | None = None) -> TestUser:
        with app.state.session_factory() as session:
            name = unique(role)
            person = create_person(session, None, {"name": f"矩阵 {name}", "name_en": name})
            user = create_user(
                session,
                name,
                f"矩阵 {name}",
                role=role,
                org_unit_id=org_unit_id,
                person_id=person.id,
                password=MATRIX_PASSWORD,
            )
            token = issue_token(session, user)
            session.commit()
            return TestUser(
                id=user.id,
                username=name,
                role=role,
                person_id=person.id,
                token=token,
                org_unit_id=org_unit_id,
                headers={"Authorization": f"Bearer {token}"},
            )

    # its own client address: the matrix's sign-in failures count against no other module
    with TestClient(app, raise_server_exceptions=False, client=("192.0.2.13", 50000)) as client:
        pmo = make_user("pmo")
        w = World(client, {"pmo": pmo}, {}, {}, {})
        w.extra["session_factory"] = app.state.session_factory
        # the cast's units all quote one account: one quote per product line while it plays
        # (restored to the default ``account`` afterwards, for the modules sharing the database)
        w.set_quote_scope("account_and_product_line")
        own_unit = w.post("/api/v1/org-units", {"code": unique("OU"), "name": unique("矩阵部")})
        other_unit = w.post("/api/v1/org-units", {"code": unique("OU"), "name": unique("他部")})
        account = w.post("/api/v1/accounts", {"name": unique("矩阵客户")})
        w.users.update(
            lead=make_user("lead"),
            member=make_user("member"),
            finance=make_user("finance"),
            viewer=make_user("viewer", own_unit["id"]),
        )
        other_lead = make_user("lead")
        w.extra["victim"] = make_user("member")
        for which, unit, lead in (
            ("own", own_unit, w.users["lead"]),
            ("other", other_unit, other_lead),
        ):
            w.bids[which] = w.post(
                "/api/v1/bids",
                {
                    "title": unique("矩阵投标 "),
                    "start_date": "2027-03-01",
                    "submission_deadline": "2027-06-30",
                    "org_unit_id": unit["id"],
                    "account_id": account["id"],
                    "lead_id": lead.person_id,
                },
            )
        w.post(
            f"/api/v1/bids/{w.bid_id('own')}/team",
            {"person_id": w.users["member"].person_id, "kam_role": "sales_rep"},
        )
        w.post(
            f"/api/v1/bids/{w.bid_id('other')}/team",
            {"person_id": w.extra["victim"].person_id, "kam_role": "sales_rep"},
        )
        owners = {"own": w.users["member"].person_id, "other": other_lead.person_id}
        for which in WHICH:
            w.tasks[which] = w.task(which, owner_id=owners[which], duration_days=3)
            w.post(
                f"/api/v1/bids/{w.bid_id(which)}/spending-caps",
                {"kind": "category", "category": "samples_materials", "amount": "1.00"},
            )
        w.extra["baseline"] = {
            which: w.post(f"/api/v1/bids/{w.bid_id(which)}/baselines", {"name": "基线"})["id"]
            for which in WHICH
        }
        w.extra["cost"] = {which: w.cost(which)["id"] for which in WHICH}
        w.extra["risk"] = {
            which: w.post(f"/api/v1/bids/{w.bid_id(which)}/risks", _risk_body())["id"]
            for which in WHICH
        }
        w.extra["link"] = {}
        for which in WHICH:
            first, second = w.task(which), w.task(which)
            w.extra["link"][which] = w.post(
                f"/api/v1/bids/{w.bid_id(which)}/dependencies",
                {"predecessor_id": first["id"], "successor_id": second["id"]},
            )["id"]
        for which in WHICH:
            w.closed_bids[which] = w.bid_like(which)
            w.post(
                f"/api/v1/bids/{w.closed_bids[which]['id']}/close-out",
                {"outcome": "lost", "reason_codes": ["price"]},
            )
        w.extra["calendar"] = w.post("/api/v1/calendars", {"name": unique("矩阵日历")})["id"]
        w.extra["person"] = w.person()["id"]
        # the PMO's acceptance past lead-in: through it the cast reads the own account
        w.extra["accepted"] = w.bid_like("own", stage="goals")
        _cast_accounts(w, account["id"], other_unit["id"], other_lead.person_id)
        _hold_bids(w, account["id"])
        w.extra["gate_item"] = {which: _first_gate_item(w, which) for which in WHICH}
        templates = client.get("/api/v1/templates", headers=w.pmo).json()["items"]
        w.extra["template_id"] = templates[0]["id"]
        w.extra["job"] = _finished_report_jobs(w)
        try:
            yield w
        finally:
            w.set_quote_scope("account")


def _cast_accounts(w: World, account_id: int, other_unit_id: int, other_lead_id: int) -> None:
    """The ``own`` account carries the cast's bids; the ``other`` one only a bid of the other
    unit and lead; each has a stakeholder and an influence link."""
    other = w.post("/api/v1/accounts", {"name": unique("他方客户")})
    w.post(
        "/api/v1/bids",
        {
            "title": unique("他方投标 "),
            "start_date": "2027-03-01",
            "org_unit_id": other_unit_id,
            "account_id": other["id"],
            "lead_id": other_lead_id,
        },
    )
    w.extra["account"] = {"own": account_id, "other": other["id"]}
    w.extra["account_stakeholder"] = {which: w.stakeholder(which)["id"] for which in WHICH}
    w.extra["influence_link"] = {which: w.influence_link(which)["id"] for which in WHICH}


def _hold_bids(w: World, account_id: int) -> None:
    """A third unit pursues a product line of the account, so a bid like ``own``'s or
    ``other``'s for that line is held for arbitration."""
    third_unit = w.post("/api/v1/org-units", {"code": unique("OU"), "name": unique("第三部")})
    w.extra["product_line"] = unique("矩阵产品线")
    w.post(
        "/api/v1/bids",
        {
            "title": unique("在先投标 "),
            "start_date": "2027-03-01",
            "org_unit_id": third_unit["id"],
            "account_id": account_id,
            "product_line": w.extra["product_line"],
        },
    )
    w.extra["held"] = {which: w.held_bid(which)["id"] for which in WHICH}


def _first_gate_item(w: World, which: str) -> str:
    path = bid_path(f"/gates/{w.bids[which]['stage']}")(w, which)
    gate = w.client.get(path, headers=w.pmo).json()
    items = [item["code"] for part in ("exit", "entry", "deliverables") for item in gate[part]]
    return str(items[0])


def _send(w: World, role: str, request: Request) -> Any:
    headers = dict(w.users[role].headers) if role != "anonymous" else {}
    if request.if_match is not None:
        headers["If-Match"] = request.if_match
    return w.client.request(
        request.method,
        request.path,
        json=request.json,
        files=request.files,
        params=request.params,
        headers=headers,
    )


def _expected(entry: Entry, role: str, which: str) -> Outcome:
    if role == "anonymous" and entry.policy is not public:
        return 401
    return entry.policy(role, which)


def _matches(expected: Outcome, status: int, entry: Entry) -> bool:
    return status in entry.ok if expected == OK else status == expected


def schema_operations(app: Any) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path.startswith("/api/")
    }


# --- tests -------------------------------------------------------------------------------------


def test_every_operation_has_an_entry(app: Any) -> None:
    operations = schema_operations(app)
    missing = sorted(operations - set(MATRIX))
    stale = sorted(set(MATRIX) - operations)
    assert not missing, "operations without an authorization-matrix entry:\n" + "\n".join(missing)
    assert not stale, "matrix entries for operations that no longer exist:\n" + "\n".join(stale)


@pytest.mark.parametrize("operation", sorted(MATRIX))
def test_authorization(world: World, operation: str) -> None:
    """Every role (and anonymous) on the own and the other bid gets the policy's answer."""
    entry = MATRIX[operation]
    wrong = []
    for role in ROLES:
        for which in WHICH if entry.per_bid else ("own",):
            expected = _expected(entry, role, which)
            request = entry.build(world, role, which)
            response = _send(world, role, request)
            if not _matches(expected, response.status_code, entry):
                shown = f"{entry.ok}" if expected == OK else str(expected)
                wrong.append(
                    f"{role:9} {which:5} expected {shown:7} got {response.status_code}: "
                    f"{response.text[:160]}"
                )
            elif response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
    assert not wrong, f"{operation}:\n" + "\n".join(wrong)


# --- who can see what: every path that changes it ----------------------------------------------
#
# An account's relationship data is read through a relationship the organisation granted (a bid
# the PMO accepted past lead-in, ``app/accounts/access.py``), never through a write the caller
# makes alone. Each path below starts from a fresh account with one stakeholder that the cast
# cannot read, walks the path, and checks who reads the account's stakeholders afterwards.

CAST = ("lead", "member", "viewer")


def _fresh_account(w: World) -> int:
    account = w.post("/api/v1/accounts", {"name": unique("授权客户")})
    body = {"name": unique("董事长"), "decision_role": "decision_maker"}
    w.post(f"/api/v1/accounts/{account['id']}/stakeholders", body)
    return int(account["id"])


def _reads(w: World, account_id: int) -> dict[str, int]:
    path = f"/api/v1/accounts/{account_id}/stakeholders"
    return {role: w.client.get(path, headers=w.users[role].headers).status_code for role in CAST}


def _as(w: World, role: str, method: str, path: str, body: Any = None, etag_of: str = "") -> Any:
    headers = dict(w.users[role].headers)
    if etag_of:
        headers["If-Match"] = w.etag(etag_of)
    return w.client.request(method, path, json=body, headers=headers)


def _lead_bid(w: World, account_id: int, **fields: Any) -> Any:
    """The cast's lead opens a bid of the own org unit on the account, as themselves."""
    body = {
        "account_id": account_id,
        "org_unit_id": w.bids["own"]["org_unit_id"],
        "title": unique("自开投标 "),
        "start_date": "2027-01-04",
        **fields,
    }
    return _as(w, "lead", "POST", "/api/v1/bids", body)


def _on_team(w: World, bid_id: int) -> dict[str, Any]:
    body = {"person_id": w.users["member"].person_id, "kam_role": "sales_rep"}
    return w.post(f"/api/v1/bids/{bid_id}/team", body)


def _review(w: World, bid: dict[str, Any], decision: str, **fields: Any) -> None:
    path = f"/api/v1/bids/{bid['id']}"
    stage = w.client.get(path, headers=w.pmo).json()["stage"]
    response = w.client.post(
        f"{path}/gates/{stage}/review",
        json={"decision": decision, **fields},
        headers={**w.pmo, "If-Match": w.etag(path)},
    )
    assert response.status_code in (200, 201), f"setup review: {response.text}"


NONE = {"lead": 403, "member": 403, "viewer": 403}
ALL = {"lead": 200, "member": 200, "viewer": 200}


def _lead_opens_a_bid(w: World, account_id: int) -> dict[str, int]:
    created = _lead_bid(w, account_id)
    assert created.status_code == 201, created.text
    _on_team(w, created.json()["id"])
    return NONE


def _lead_opens_a_bid_past_lead_in(w: World, account_id: int) -> dict[str, int]:
    """Whether a lead may pick a stage at all is the gates' business; it never grants."""
    created = _lead_bid(w, account_id, stage="plan")
    assert created.status_code == 409, created.text  # stages move through the gates only
    return NONE


def _lead_imports_onto_the_account(w: World, account_id: int) -> dict[str, int]:
    plan = {"name": "导入", "start": "2027-01-04", "tasks": [{"id": "a", "name": "甲"}]}
    files = {"file": ("plan.json", json.dumps(plan), "application/json")}
    data = {"account_id": str(account_id), "org_unit_id": str(w.bids["own"]["org_unit_id"])}
    response = w.client.post(
        "/api/v1/bids/import", files=files, data=data, headers=w.users["lead"].headers
    )
    assert response.status_code == 201, response.text
    return NONE


def _lead_repoints_an_accepted_bid(w: World, account_id: int) -> dict[str, int]:
    bid = w.bid_like("own", stage="goals")
    path = f"/api/v1/bids/{bid['id']}"
    moved = _as(w, "lead", "PATCH", path, {"account_id": account_id}, etag_of=path)
    assert moved.status_code == 403, moved.text
    assert w.client.get(path, headers=w.pmo).json()["account_id"] == bid["account_id"]
    return NONE


def _lead_repoints_a_new_bid(w: World, account_id: int) -> dict[str, int]:
    created = _lead_bid(w, int(w.bids["own"]["account_id"]))
    assert created.status_code == 201, created.text
    path = f"/api/v1/bids/{created.json()['id']}"
    moved = _as(w, "lead", "PATCH", path, {"account_id": account_id}, etag_of=path)
    assert moved.status_code == 403, moved.text
    return NONE


def _lead_moves_the_stage(w: World, account_id: int) -> dict[str, int]:
    created = _lead_bid(w, account_id)
    assert created.status_code == 201, created.text
    path = f"/api/v1/bids/{created.json()['id']}"
    moved = _as(w, "lead", "PATCH", path, {"stage": "goals"}, etag_of=path)
    assert moved.status_code == 409, moved.text  # stages move through the gates only
    return NONE


def _pmo_accepts_the_lead_in_gate(w: World, account_id: int) -> dict[str, int]:
    created = _lead_bid(w, account_id)
    assert created.status_code == 201, created.text
    _on_team(w, created.json()["id"])
    _review(w, created.json(), "approve", override_reason="矩阵授权")
    return ALL


def _pmo_opens_a_bid_past_lead_in(w: World, account_id: int) -> dict[str, int]:
    bid = w.bid_like("own", stage="strategy")
    path = f"/api/v1/bids/{bid['id']}"
    response = w.client.patch(
        path, json={"account_id": account_id}, headers={**w.pmo, "If-Match": w.etag(path)}
    )
    assert response.status_code == 200, response.text
    return ALL


def _pmo_moves_an_accepted_bid(w: World, account_id: int) -> dict[str, int]:
    return _pmo_opens_a_bid_past_lead_in(w, account_id)


def _pmo_moves_a_lead_in_bid(w: World, account_id: int) -> dict[str, int]:
    bid = w.bid_like("own")
    path = f"/api/v1/bids/{bid['id']}"
    response = w.client.patch(
        path, json={"account_id": account_id}, headers={**w.pmo, "If-Match": w.etag(path)}
    )
    assert response.status_code == 200, response.text
    return NONE


def _pmo_sends_it_back_to_lead_in(w: World, account_id: int) -> dict[str, int]:
    created = _lead_bid(w, account_id)
    assert created.status_code == 201, created.text
    _on_team(w, created.json()["id"])
    _review(w, created.json(), "approve", override_reason="矩阵授权")
    assert _reads(w, account_id) == ALL
    _review(w, created.json(), "send_back", comment="退回", to_stage="lead_in")
    return NONE


def _lead_adds_a_member_to_an_accepted_bid(w: World, account_id: int) -> dict[str, int]:
    bid = w.post(
        "/api/v1/bids",
        {
            "account_id": account_id,
            "org_unit_id": w.bids["other"]["org_unit_id"],  # not the viewer's unit
            "title": unique("已受理 "),
            "start_date": "2027-01-04",
            "stage": "analysis",
            "lead_id": w.users["lead"].person_id,
        },
    )
    assert _reads(w, account_id) == {"lead": 200, "member": 403, "viewer": 403}
    body = {"person_id": w.users["member"].person_id, "kam_role": "presales_consultant"}
    added = _as(w, "lead", "POST", f"/api/v1/bids/{bid['id']}/team", body)
    assert added.status_code == 201, added.text
    assert _reads(w, account_id) == {"lead": 200, "member": 200, "viewer": 403}
    member = added.json()
    removed = w.client.delete(
        f"/api/v1/team-members/{member['id']}",
        headers={**w.users["lead"].headers, "If-Match": f'W/"{member["version"]}"'},
    )
    assert removed.status_code == 204, removed.text
    return {"lead": 200, "member": 403, "viewer": 403}


def _lead_moves_an_accepted_bid_to_the_viewers_unit(w: World, account_id: int) -> dict[str, int]:
    bid = w.post(
        "/api/v1/bids",
        {
            "account_id": account_id,
            "org_unit_id": w.bids["other"]["org_unit_id"],
            "title": unique("他部已受理 "),
            "start_date": "2027-01-04",
            "stage": "analysis",
            "lead_id": w.users["lead"].person_id,
        },
    )
    path = f"/api/v1/bids/{bid['id']}"
    body = {"org_unit_id": w.bids["own"]["org_unit_id"]}
    moved = _as(w, "lead", "PATCH", path, body, etag_of=path)
    assert moved.status_code == 403, moved.text
    return {"lead": 200, "member": 403, "viewer": 403}


def _lead_adds_a_member_to_a_new_bid(w: World, account_id: int) -> dict[str, int]:
    created = _lead_bid(w, account_id)
    assert created.status_code == 201, created.text
    body = {"person_id": w.users["member"].person_id, "kam_role": "presales_consultant"}
    added = _as(w, "lead", "POST", f"/api/v1/bids/{created.json()['id']}/team", body)
    assert added.status_code == 201, added.text
    return NONE


GRANT_PATHS: dict[str, Callable[[World, int], dict[str, int]]] = {
    "lead opens a bid on the account": _lead_opens_a_bid,
    "lead opens a bid past lead-in": _lead_opens_a_bid_past_lead_in,
    "lead imports a plan onto the account": _lead_imports_onto_the_account,
    "lead re-points an accepted bid (403)": _lead_repoints_an_accepted_bid,
    "lead re-points a new bid (403)": _lead_repoints_a_new_bid,
    "lead moves the stage of their bid": _lead_moves_the_stage,
    "PMO approves the lead-in gate": _pmo_accepts_the_lead_in_gate,
    "PMO moves an accepted bid onto the account": _pmo_moves_an_accepted_bid,
    "PMO moves a lead-in bid onto the account": _pmo_moves_a_lead_in_bid,
    "PMO sends the bid back to lead-in": _pmo_sends_it_back_to_lead_in,
    "lead adds and removes a member on an accepted bid": _lead_adds_a_member_to_an_accepted_bid,
    "lead adds a member to a lead-in bid": _lead_adds_a_member_to_a_new_bid,
    "lead moves an accepted bid to the viewer's unit (403)": (
        _lead_moves_an_accepted_bid_to_the_viewers_unit
    ),
}


@pytest.mark.parametrize("path", sorted(GRANT_PATHS))
def test_grants(world: World, path: str) -> None:
    """After the path, the cast reads the account's people exactly as the organisation
    granted; a write the caller makes alone grants nothing."""
    account_id = _fresh_account(world)
    assert _reads(world, account_id) == NONE
    expected = GRANT_PATHS[path](world, account_id)
    assert _reads(world, account_id) == expected
    edit = _as(
        world,
        "lead",
        "PATCH",
        f"/api/v1/accounts/{account_id}",
        {"tier": "standard"},
        etag_of=f"/api/v1/accounts/{account_id}",
    )
    assert edit.status_code == 403, "only the PMO edits an account, whatever the lead may read"
