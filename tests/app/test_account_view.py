"""The account view: reporting lines, influence links, coverage, contacts, the influence map,
account health, the at-risk list and the account pages, with their permissions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.app.conftest import etag_of, unique

TODAY = dt.date.today()


@pytest.fixture
def account_with_people(client, pmo, make_account) -> dict[str, Any]:
    """An account with a chairman (decision-maker), a CIO reporting to him, and a buyer."""
    account = make_account(name=f"{unique('滨海')}城投集团有限公司")
    base = f"/api/v1/accounts/{account['id']}/stakeholders"

    def person(name: str, role: str, influence: int, stance: str, **extra: Any) -> dict[str, Any]:
        body = {"name": name, "decision_role": role, "influence": influence, "stance": stance}
        response = client.post(base, json={**body, **extra}, headers=pmo.headers)
        assert response.status_code == 201, response.text
        return response.json()

    chair = person("袁海", "decision_maker", 5, "neutral", title="董事长")
    cio = person("罗颖", "influencer", 4, "supporter", reports_to_id=chair["id"])
    buyer = person("任重", "gatekeeper", 3, "opponent", reports_to_id=chair["id"])
    return {"account": account, "chair": chair, "cio": cio, "buyer": buyer}


@pytest.fixture
def team(make_bid, make_user, add_team_member, account_with_people) -> dict[str, Any]:
    """A lead with a bid on the account that the PMO accepted past lead-in (created by the PMO
    in ``goals``: ``app.accounts.access``), a member on that bid, and an outsider lead."""
    lead, member, outsider = make_user("lead"), make_user("member"), make_user("lead")
    bid = make_bid(lead=lead, account_id=account_with_people["account"]["id"], stage="goals")
    add_team_member(bid["id"], member)
    return {"lead": lead, "member": member, "outsider": outsider, "bid": bid}


def test_reporting_lines_refuse_cycles_and_other_accounts(
    client, pmo, account_with_people, make_account
):
    chair, cio = account_with_people["chair"], account_with_people["cio"]
    assert cio["reports_to_id"] == chair["id"]
    path = f"/api/v1/stakeholders/{chair['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    cycle = client.patch(path, json={"reports_to_id": cio["id"]}, headers=headers)
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "reports_to_id"
    itself = client.patch(path, json={"reports_to_id": chair["id"]}, headers=headers)
    assert itself.status_code == 422
    other = make_account()
    stranger = client.post(
        f"/api/v1/accounts/{other['id']}/stakeholders",
        json={"name": "外人", "decision_role": "user", "reports_to_id": chair["id"]},
        headers=pmo.headers,
    )
    assert stranger.status_code == 422


def links_path(account: dict[str, Any]) -> str:
    return f"/api/v1/accounts/{account['id']}/influence-links"


def test_influence_links_are_written_by_the_pmo_and_read_by_the_team(
    client, pmo, account_with_people, team
):
    people = account_with_people
    path = links_path(people["account"])
    body = {"source_id": people["buyer"]["id"], "target_id": people["chair"]["id"], "strength": 3}
    assert client.post(path, json=body, headers=team["lead"].headers).status_code == 403
    created = client.post(path, json={**body, "kind": "blocks 阻挠"}, headers=pmo.headers)
    assert created.status_code == 201, created.text
    link = created.json()
    assert (link["strength"], link["kind"]) == (3, "blocks 阻挠")
    again = client.post(path, json={**body, "kind": "blocks 阻挠"}, headers=pmo.headers)
    assert again.status_code == 409
    for reader in (pmo, team["lead"], team["member"]):
        page = client.get(path, headers=reader.headers)
        assert page.status_code == 200 and page.json()["total"] == 1
    assert client.get(path, headers=team["outsider"].headers).status_code == 403
    one = f"/api/v1/influence-links/{link['id']}"
    assert client.patch(one, json={"strength": 1}, headers=pmo.headers).status_code == 428
    headers = {**pmo.headers, "If-Match": etag_of(client, one, pmo.headers)}
    assert client.patch(one, json={"strength": 1}, headers=headers).json()["strength"] == 1
    assert client.patch(one, json={"strength": 4}, headers=headers).status_code == 422
    headers = {**pmo.headers, "If-Match": etag_of(client, one, pmo.headers)}
    assert client.delete(one, headers=headers).status_code == 204
    assert client.get(one, headers=pmo.headers).status_code == 404


def test_influence_links_stay_inside_the_account(client, pmo, account_with_people, make_account):
    people = account_with_people
    path = links_path(people["account"])
    selfish = {"source_id": people["chair"]["id"], "target_id": people["chair"]["id"]}
    assert client.post(path, json=selfish, headers=pmo.headers).status_code == 422
    other = make_account()
    outsider = client.post(
        f"/api/v1/accounts/{other['id']}/stakeholders",
        json={"name": "外人", "decision_role": "user"},
        headers=pmo.headers,
    ).json()
    across = {"source_id": outsider["id"], "target_id": people["chair"]["id"]}
    response = client.post(path, json=across, headers=pmo.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "source_id"


def test_coverage_names_our_person(client, pmo, account_with_people, team, make_person):
    cio = account_with_people["cio"]
    path = f"/api/v1/stakeholders/{cio['id']}/coverage"
    colleague = make_person(name=unique("李娜"))
    body = {"person_id": colleague["id"], "strength": 3}
    assert client.post(path, json=body, headers=team["lead"].headers).status_code == 403
    created = client.post(path, json=body, headers=pmo.headers)
    assert created.status_code == 201, created.text
    assert created.json()["person_name"] == colleague["name"]
    assert client.post(path, json=body, headers=pmo.headers).status_code == 409
    unknown = client.post(path, json={"person_id": 2_000_000_000}, headers=pmo.headers)
    assert unknown.status_code == 422
    listed = client.get(path, headers=team["member"].headers).json()
    assert [item["person_id"] for item in listed["items"]] == [colleague["id"]]


def contact(client, user, stakeholder_id: int, day: dt.date, **extra: Any):
    body = {"contact_date": day.isoformat(), "channel": "visit", "note": "拜访", **extra}
    return client.post(
        f"/api/v1/stakeholders/{stakeholder_id}/contacts", json=body, headers=user.headers
    )


def test_team_members_log_their_own_contacts(client, pmo, account_with_people, team):
    chair = account_with_people["chair"]
    member, outsider = team["member"], team["outsider"]
    logged = contact(client, member, chair["id"], TODAY - dt.timedelta(days=3))
    assert logged.status_code == 201, logged.text
    assert logged.json()["person_id"] == member.person_id
    for_someone_else = contact(client, member, chair["id"], TODAY, person_id=team["lead"].person_id)
    assert for_someone_else.status_code == 403
    assert contact(client, outsider, chair["id"], TODAY).status_code == 403
    future = contact(client, member, chair["id"], TODAY + dt.timedelta(days=30))
    assert future.status_code == 422
    by_pmo = contact(
        client, pmo, chair["id"], TODAY - dt.timedelta(days=40), person_id=member.person_id
    )
    assert by_pmo.status_code == 201
    read = client.get(f"/api/v1/stakeholders/{chair['id']}", headers=member.headers).json()
    assert read["last_contact_date"] == (TODAY - dt.timedelta(days=3)).isoformat()
    account_id = account_with_people["account"]["id"]
    log = client.get(f"/api/v1/accounts/{account_id}/contacts", headers=team["lead"].headers)
    assert [item["id"] for item in log.json()["items"]] == [
        logged.json()["id"],
        by_pmo.json()["id"],
    ]
    hidden = client.get(f"/api/v1/stakeholders/{chair['id']}", headers=outsider.headers)
    assert hidden.status_code == 403 and "last_contact_date" not in hidden.text


def test_stakeholders_are_read_and_edited_only_by_those_with_a_bid_on_the_account(
    client, pmo, account_with_people, team, make_user
):
    """Who sits in an account and how they stand is relationship data (``app.accounts.access``):
    a lead with no bid on the account neither lists nor edits its people; reporting lines are
    drawn by the PMO alone."""
    account_id = account_with_people["account"]["id"]
    chair, cio = account_with_people["chair"], account_with_people["cio"]
    listing = f"/api/v1/accounts/{account_id}/stakeholders"
    outsider, lead, member = team["outsider"], team["lead"], team["member"]
    assert client.get(listing, headers=outsider.headers).status_code == 403
    assert client.get(listing, headers=make_user("viewer").headers).status_code == 403
    names = {item["name"] for item in client.get(listing, headers=member.headers).json()["items"]}
    assert names == {"袁海", "罗颖", "任重"}
    assert client.get(listing, headers=make_user("finance").headers).status_code == 200
    body = {"name": unique("外联"), "decision_role": "user"}
    assert client.post(listing, json=body, headers=outsider.headers).status_code == 403
    assert client.post(listing, json=body, headers=member.headers).status_code == 403
    created = client.post(listing, json=body, headers=lead.headers)
    assert created.status_code == 201, created.text
    line = {**body, "name": unique("外联"), "reports_to_id": chair["id"]}
    refused = client.post(listing, json=line, headers=lead.headers)
    assert refused.status_code == 403 and "reports_to_id" in refused.json()["detail"]
    assert client.post(listing, json=line, headers=pmo.headers).status_code == 201

    path = f"/api/v1/stakeholders/{cio['id']}"
    for who, expected in ((outsider, 403), (lead, 200)):
        headers = {**who.headers, "If-Match": etag_of(client, path, pmo.headers)}
        assert client.patch(path, json={"title": "首席信息官"}, headers=headers).status_code == (
            expected
        )
    headers = {**lead.headers, "If-Match": etag_of(client, path, pmo.headers)}
    for change in ({"reports_to_id": None}, {"reports_to_id": account_with_people["buyer"]["id"]}):
        moved = client.patch(path, json=change, headers=headers)
        assert moved.status_code == 403, moved.text
    unchanged = client.patch(path, json={"reports_to_id": chair["id"]}, headers=headers)
    assert unchanged.status_code == 200, unchanged.text
    read = client.get(path, headers=pmo.headers).json()
    assert read["reports_to_id"] == chair["id"] and read["title"] == "首席信息官"
    headers = {**outsider.headers, "If-Match": etag_of(client, path, pmo.headers)}
    assert client.delete(path, headers=headers).status_code == 403
    assert client.get(path, headers=pmo.headers).status_code == 200


def test_only_the_logger_or_the_pmo_takes_a_contact_back(
    client, pmo, account_with_people, team, make_user, add_team_member
):
    chair = account_with_people["chair"]
    logged = contact(client, team["member"], chair["id"], TODAY).json()
    path = f"/api/v1/contacts/{logged['id']}"
    colleague = make_user("member")
    add_team_member(team["bid"]["id"], colleague)
    headers = {**colleague.headers, "If-Match": f'W/"{logged["version"]}"'}
    assert client.delete(path, headers=headers).status_code == 403
    headers = {**team["member"].headers, "If-Match": f'W/"{logged["version"]}"'}
    assert client.delete(path, headers=headers).status_code == 204


def test_the_influence_map_flags_the_uncovered_decision_maker(
    client, pmo, account_with_people, team, make_person
):
    people = account_with_people
    path = f"/api/v1/accounts/{people['account']['id']}/influence-map"

    def flagged() -> list[int]:
        response = client.get(path, headers=team["member"].headers)
        assert response.status_code == 200
        figure = response.json()
        (flag,) = [t for t in figure["data"] if t["name"].startswith("Uncovered")]
        return list(flag.get("customdata", []))

    assert flagged() == [people["chair"]["id"]]
    covering = make_person(name=unique("王建国"))
    client.post(
        f"/api/v1/stakeholders/{people['chair']['id']}/coverage",
        json={"person_id": covering["id"]},
        headers=pmo.headers,
    )
    assert flagged() == []
    assert client.get(path, headers=team["outsider"].headers).status_code == 403
    assert (
        client.get("/api/v1/accounts/2000000000/influence-map", headers=pmo.headers).status_code
        == 404
    )


def health(client, user, account_id: int, **params: Any) -> Any:
    return client.get(f"/api/v1/accounts/{account_id}/health", params=params, headers=user.headers)


def test_health_counts_contacts_with_decision_makers(client, pmo, account_with_people, team):
    account_id = account_with_people["account"]["id"]
    chair = account_with_people["chair"]
    first = health(client, team["lead"], account_id).json()
    assert [r["code"] for r in first["reasons"]] == ["decision_maker_never_contacted"]
    assert first["reasons"][0]["stakeholder_id"] == chair["id"]
    assert "袁海" in first["reasons"][0]["message_zh"]
    assert first["score"] == 100 - first["reasons"][0]["points"]
    contact(
        client, pmo, chair["id"], TODAY - dt.timedelta(days=20), person_id=team["lead"].person_id
    )
    assert health(client, pmo, account_id).json()["reasons"] == []
    strict = health(client, pmo, account_id, contact_days=10).json()
    assert [r["code"] for r in strict["reasons"]] == ["decision_maker_not_contacted"]
    assert strict["contact_days"] == 10
    assert health(client, team["outsider"], account_id).status_code == 403
    assert health(client, pmo, account_id, contact_days=0).status_code == 422


def test_slipping_milestones_and_lost_bids_lower_the_score(
    client, pmo, make_account, make_bid, make_task
):
    account = make_account()
    bid = make_bid(account_id=account["id"])
    make_task(
        bid["id"],
        name="递交投标文件",
        kind="milestone",
        duration_days=0,
        kam_role="sales_rep",
        constraint_type="SNET",
        constraint_date="2027-04-01",
        deadline="2027-03-20",
    )
    make_task(  # internal milestones do not count
        bid["id"],
        kind="milestone",
        duration_days=0,
        kam_role="pmo",
        constraint_type="SNET",
        constraint_date="2027-04-01",
        deadline="2027-03-20",
    )
    make_bid(
        account_id=account["id"],
        status="lost",
        status_date=(TODAY - dt.timedelta(days=30)).isoformat(),
    )
    make_bid(account_id=account["id"], status="lost", status_date="2020-01-06")
    result = health(client, pmo, account["id"]).json()
    codes = sorted(r["code"] for r in result["reasons"])
    assert codes == ["bid_lost", "milestone_slipping"]
    slip = next(r for r in result["reasons"] if r["code"] == "milestone_slipping")
    assert slip["bid_id"] == bid["id"] and "递交投标文件" in slip["message_zh"]
    assert result["score"] == 100 - sum(r["points"] for r in result["reasons"])


def test_at_risk_lists_the_worst_first_and_only_what_the_caller_may_read(
    client, pmo, make_account, make_bid, make_user
):
    lead = make_user("lead")
    risky = make_account(name=unique("风险客户"))
    for name in ("甲", "乙", "丙"):
        client.post(
            f"/api/v1/accounts/{risky['id']}/stakeholders",
            json={"name": f"决策者{name}", "decision_role": "decision_maker"},
            headers=pmo.headers,
        )
    # lost in strategy: a bid the PMO accepted past lead-in, so the lead reads the account
    make_bid(
        lead=lead,
        account_id=risky["id"],
        stage="strategy",
        status="lost",
        status_date=TODAY.isoformat(),
    )
    watched = make_account(name=unique("关注客户"))
    for name in ("甲", "乙"):
        client.post(
            f"/api/v1/accounts/{watched['id']}/stakeholders",
            json={"name": f"决策者{name}", "decision_role": "decision_maker"},
            headers=pmo.headers,
        )
    page = client.get("/api/v1/accounts/at-risk?limit=1000", headers=pmo.headers).json()
    assert all(item["level"] == "at_risk" for item in page["items"])
    mine = next(item for item in page["items"] if item["account_id"] == risky["id"])
    assert (mine["score"], mine["level"]) == (45, "at_risk")
    assert {r["code"] for r in mine["reasons"]} == {"decision_maker_never_contacted", "bid_lost"}
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores)
    assert watched["id"] not in [item["account_id"] for item in page["items"]]
    wider = client.get("/api/v1/accounts/at-risk?level=watch&limit=1000", headers=pmo.headers)
    assert watched["id"] in [item["account_id"] for item in wider.json()["items"]]
    own = client.get("/api/v1/accounts/at-risk?level=all&limit=1000", headers=lead.headers).json()
    assert [item["account_id"] for item in own["items"]] == [risky["id"]]


def test_account_pages(client, pmo, account_with_people, team):
    account_id = account_with_people["account"]["id"]
    page = client.get(f"/accounts/{account_id}", headers=pmo.headers)
    assert page.status_code == 200
    html = page.text
    assert account_with_people["account"]["name"] in html
    assert "袁海" in html and "未覆盖" in html and 'id="figure-data"' in html
    assert "decision_maker_never_contacted" in html
    assert client.get(f"/accounts/{account_id}", headers=team["member"].headers).status_code == 200
    assert (
        client.get(f"/accounts/{account_id}", headers=team["outsider"].headers).status_code == 403
    )
    at_risk = client.get("/accounts/at-risk", headers=pmo.headers)
    assert at_risk.status_code == 200 and "风险客户" in at_risk.text
    anonymous = client.get(f"/accounts/{account_id}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_the_demo_has_an_account_at_risk_and_an_uncovered_decision_maker(client, session_factory):
    from app.demo.loader import load_demo

    tokens = load_demo(session_factory)
    headers = {"Authorization": f"Bearer {tokens['pmo']}"}
    at_risk = client.get("/api/v1/accounts/at-risk?limit=1000", headers=headers).json()
    names = [item["account_name"] for item in at_risk["items"]]
    assert "南岭省电网有限公司" in names
    accounts = client.get("/api/v1/accounts?q=滨海市城市建设&limit=10", headers=headers).json()
    binhai = accounts["items"][0]["id"]
    figure = client.get(f"/api/v1/accounts/{binhai}/influence-map", headers=headers).json()
    (flag,) = [t for t in figure["data"] if t["name"].startswith("Uncovered")]
    assert len(flag["customdata"]) == 1
    links = client.get(f"/api/v1/accounts/{binhai}/influence-links", headers=headers).json()
    assert links["total"] >= 2
