from wbs.plan import Plan, Task
from wbs.raci import raci_matrix

TEAM = {
    "sales_rep": ["ann"],
    "project_manager": ["pm"],
    "executive_sponsor": ["boss"],
    "pmo": ["o"],
}


def plan():
    return Plan(
        "p",
        0,
        [
            Task("s", "Stage", is_summary=True),
            Task(
                "t1",
                "Research",
                3,
                parent="s",
                owner="ann",
                role="sales_rep",
                extra={"consulted": ["project_manager"], "informed": ["pmo", "sales_rep"]},
            ),
            Task(
                "g",
                "Gate",
                0,
                parent="s",
                owner="boss",
                role="executive_sponsor",
                extra={"gate": True, "informed": ["pmo"], "consulted": ["sales_rep"]},
            ),
            Task("t2", "Plan", 2, parent="s", owner="pm", role="project_manager"),
        ],
        unit="period",
    )


def test_letters_follow_the_rules():
    matrix = raci_matrix(plan(), TEAM)
    rows = {row.task_id: row.assignments for row in matrix.rows}
    assert "s" not in rows
    # R owner, A project manager, C/I by role; ann is informed too but keeps her stronger R
    assert rows["t1"] == {"ann": "R", "pm": "A", "o": "I"}
    # a gate: the sponsor is both R and A -> R; accountable is the sponsor, not the PM
    assert rows["g"] == {"boss": "R", "ann": "C", "o": "I"}
    assert rows["t2"] == {"pm": "R"}
    assert matrix.responsible_count() == {"ann": 1, "pm": 1, "boss": 1, "o": 0}
    assert matrix.letters_of("pm") == {"t1": "A", "t2": "R"}


def test_every_row_has_one_responsible_and_one_accountable():
    matrix = raci_matrix(plan(), TEAM)
    for row in matrix.rows:
        letters = list(row.assignments.values())
        assert letters.count("R") == 1
        assert letters.count("A") <= 1
