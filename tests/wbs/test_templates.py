import copy

import pytest

from wbs.templates import (
    COST_CATEGORIES,
    KAM_ROLES,
    TemplateError,
    load_sources,
    load_template,
    template_ids,
)

STAGES = ["lead_in", "goals", "team", "analysis", "strategy", "plan", "execution", "close_out"]


def test_every_shipped_template_loads_and_has_the_eight_stages():
    ids = template_ids()
    for kind in ("new-customer", "cross-sell"):
        for procurement in ("tender", "negotiated"):
            assert f"kam-{kind}-{procurement}" in ids
    for template_id in ids:
        template = load_template(template_id)
        stages = [e.code for e in template.elements if e.parent is None]
        assert stages == STAGES, template_id
        for element in template.elements:
            assert element.name_zh and element.name_en
            assert element.role in KAM_ROLES
            assert set(element.cost_weights) <= set(COST_CATEGORIES)
            assert 1 <= element.difficulty <= 5


def test_standard_template_has_the_issue_elements():
    codes = {e.code for e in load_template("kam-standard").elements}
    for needed in (
        "analysis.account_research",
        "analysis.stakeholder_map",
        "analysis.influence_map",
        "analysis.needs_discovery",
        "strategy.competitive",
        "strategy.win_themes",
        "strategy.bid_no_bid",
        "execution.tech_exchange",
        "execution.solution_design",
        "execution.site_visit",
        "execution.price_approval",
        "execution.bond",
        "execution.submission",
        "execution.presentation",
        "execution.negotiation",
        "execution.contract",
        "close_out.win_loss",
        "close_out.lessons",
        "close_out.handover",
    ):
        assert needed in codes


def test_multiple_extends_apply_each_delta_once():
    template = load_template("kam-new-customer-tender")
    assert template.lineage == (
        "kam-standard",
        "kam-new-customer",
        "kam-tender",
        "kam-new-customer-tender",
    )
    codes = [e.code for e in template.elements]
    assert "analysis.supplier_registration" in codes  # from new-customer
    assert "execution.bid_opening" in codes  # from tender
    assert (
        codes.index("analysis.supplier_registration")
        == codes.index("analysis.account_research") + 1
    )
    assert template.element("analysis.account_research").duration_days == 8  # override
    # the tender delta's override replaced the presentation's predecessors
    assert [d.code for d in template.element("execution.presentation").depends_on] == [
        "execution.bid_opening"
    ]


def test_remove_bridges_dependencies():
    template = load_template("kam-negotiated")
    codes = {e.code for e in template.elements}
    assert "execution.bond" not in codes
    # submission depended on the bond, which depended on the solution review: it is bridged
    predecessors = {d.code for d in template.element("execution.submission").depends_on}
    assert predecessors == {
        "execution.document_review",
        "execution.relationship",
        "execution.solution_review",
    }


def _sources():
    return copy.deepcopy(load_sources())


def test_invalid_template_lists_problems():
    sources = _sources()
    sources["bad"] = {
        "id": "bad",
        "extends": "kam-standard",
        "override": {"goals.budget": {"role": "janitor", "difficulty": 9}},
        "add_links": [{"from": "close_out.closed", "to": "lead_in.register"}],
    }
    with pytest.raises(TemplateError) as caught:
        load_template("bad", sources)
    text = str(caught.value)
    assert "janitor" in text and "difficulty" in text and "cycle" in text


def test_extends_cycle_and_unknown_parent():
    sources = _sources()
    sources["x"] = {"id": "x", "extends": "y", "elements": []}
    sources["y"] = {"id": "y", "extends": "x", "elements": []}
    with pytest.raises(TemplateError, match="cycle"):
        load_template("x", sources)
    with pytest.raises(TemplateError, match="unknown"):
        load_template("nope", sources)


def test_unknown_dependency_is_reported():
    sources = _sources()
    sources["z"] = {
        "id": "z",
        "extends": "kam-standard",
        "elements": [
            {
                "code": "plan.extra",
                "parent": "plan",
                "name_zh": "额外",
                "name_en": "Extra",
                "duration_days": 1,
                "depends_on": [{"code": "plan.missing"}],
            }
        ],
    }
    with pytest.raises(TemplateError, match=r"plan\.missing"):
        load_template("z", sources)


@pytest.mark.parametrize(
    "delta",
    [
        {"elements": "abc"},
        {"extends": 5},
        {"override": {"goals.budget": 5}},
        {"max_repeat": "x"},
        {"elements": [{"code": "a", "depends_on": [5]}]},
        {"tier_factors": [1]},
        {"caps": 5},
        {"elements": [5]},
    ],
)
def test_malformed_shapes_are_template_errors(delta):
    sources = _sources()
    sources["t"] = {"extends": "kam-standard", **delta}
    with pytest.raises(TemplateError):
        load_template("t", sources)
