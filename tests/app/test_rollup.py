"""A WBS element shows its rolled-up budget, actuals and remaining by category: the sums of
its leaves, exact to the cent, in the task API, the schedule API and the bid page."""

from decimal import Decimal


def _sum(rows, part):
    totals: dict[str, Decimal] = {}
    for row in rows:
        for category, amount in row[part].items():
            totals[category] = totals.get(category, Decimal(0)) + Decimal(amount)
    return totals


def test_summaries_roll_up_their_leaves(client, pmo, make_bid):
    bid = make_bid(start_date="2027-03-01", submission_deadline="2027-05-28")
    url = f"/api/v1/bids/{bid['id']}/decompose"
    body = {"product_lines": ["A", "B"], "pursuit_budget": "100000.00"}
    decomposed = client.post(url, json=body, headers=pmo.headers)
    assert decomposed.status_code == 201
    reserve = Decimal(decomposed.json()["reserve"])
    items = client.get(f"/api/v1/bids/{bid['id']}/tasks?limit=1000", headers=pmo.headers).json()
    tasks = {task["id"]: task for task in items["items"]}
    children: dict[int, list[dict]] = {}
    for task in tasks.values():
        children.setdefault(task["parent_id"], []).append(task)
    summary = next(t for t in tasks.values() if t["wbs_code"] == "7")  # execution
    leaves = [t for t in children[summary["id"]] if t["kind"] != "summary"]
    costed = [t for t in leaves if t["budget"].get("travel")][:2]
    for task, amount in zip(costed, ("1234.56", "0.05"), strict=True):
        entry = {
            "task_id": task["id"],
            "category": "travel",
            "entry_date": "2027-03-05",
            "amount": amount,
        }
        response = client.post(f"/api/v1/bids/{bid['id']}/costs", json=entry, headers=pmo.headers)
        assert response.status_code == 201, response.text
    items = client.get(f"/api/v1/bids/{bid['id']}/tasks?limit=1000", headers=pmo.headers).json()
    tasks = {task["id"]: task for task in items["items"]}

    def leaves_below(task_id):
        below = []
        for child in children.get(task_id, []):
            below += (
                leaves_below(child["id"]) if child["kind"] == "summary" else [tasks[child["id"]]]
            )
        return below

    for task in tasks.values():
        if task["kind"] != "summary":
            continue
        below = leaves_below(task["id"])
        assert task["budget"], task["wbs_code"]  # not the empty budget of old
        assert {k: Decimal(v) for k, v in task["budget"].items()} == _sum(below, "budget")
        assert {k: Decimal(v) for k, v in task["actual"].items()} == _sum(below, "actual")
    execution = tasks[summary["id"]]
    assert Decimal(execution["actual"]["travel"]) == Decimal("1234.61")
    assert Decimal(execution["remaining"]["travel"]) == Decimal(
        execution["budget"]["travel"]
    ) - Decimal("1234.61")
    roots = [t for t in tasks.values() if t["parent_id"] is None]
    whole = sum(sum(Decimal(v) for v in t["budget"].values()) for t in roots)
    assert whole + reserve == Decimal("100000.00")  # the pursuit budget, to the cent
    assert whole == sum(sum(_sum(leaves_below(t["id"]), "budget").values()) for t in roots)

    schedule = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers).json()
    shown = {task["id"]: task for task in schedule["tasks"]}
    for task_id, task in tasks.items():
        assert shown[task_id]["budget"] == task["budget"]
        assert shown[task_id]["actual"] == task["actual"]
    one = client.get(f"/api/v1/tasks/{summary['id']}", headers=pmo.headers).json()
    assert one["budget"] == execution["budget"] and one["actual"] == execution["actual"]

    page = client.get(f"/bids/{bid['id']}", headers=pmo.headers)
    assert page.status_code == 200
    row = page.text.split(f'data-task="{summary["id"]}"', 1)[1].split("</tr>", 1)[0]
    budget_total = sum(Decimal(v) for v in execution["budget"].values())
    assert f"{budget_total:,.2f}" in row and "1,234.61" in row
