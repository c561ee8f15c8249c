from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wbs.budget import WorkPackageWeights, cap_amounts, node_total, roll_up, split_budget
from wbs.money import to_money

CATEGORIES = ["travel", "client_entertainment", "presales_labour", "samples_materials", "other"]


def test_hand_computed_split():
    # 1000 over packages 1:3; package a all travel, package b travel:labour 1:2
    split = split_budget(
        Decimal("1000"),
        [
            WorkPackageWeights("a", 1, {"travel": 1}),
            WorkPackageWeights("b", 3, {"travel": 1, "presales_labour": 2}),
        ],
    )
    assert split.lines == {
        "a": {"travel": Decimal("250.00")},
        "b": {"presales_labour": Decimal("500.00"), "travel": Decimal("250.00")},
    }
    assert split.reserve == Decimal("0.00")


def test_category_cap_moves_the_excess_to_the_reserve():
    split = split_budget(
        Decimal("1000"),
        [
            WorkPackageWeights("a", 1, {"client_entertainment": 1}),
            WorkPackageWeights("b", 1, {"client_entertainment": 1, "travel": 1}),
        ],
        category_caps={"client_entertainment": Decimal("300")},
    )
    # before the cap: a 500 entertainment, b 250 + 250 travel -> entertainment 750 > 300
    # cap re-split 2:1 -> a 200, b 100; 450 freed
    assert split.lines["a"]["client_entertainment"] == Decimal("200.00")
    assert split.lines["b"]["client_entertainment"] == Decimal("100.00")
    assert split.lines["b"]["travel"] == Decimal("250.00")
    assert split.reserve == Decimal("450.00")


def test_work_package_cap():
    split = split_budget(
        Decimal("900"),
        [WorkPackageWeights("a", 2), WorkPackageWeights("b", 1)],
        work_package_caps={"a": Decimal("100")},
    )
    assert split.lines == {"a": {"other": Decimal("100.00")}, "b": {"other": Decimal("800.00")}}


def test_cap_amounts_never_round_above_the_fraction():
    caps = cap_amounts(Decimal("0.05"), {"x": Decimal("0.5")})
    assert caps["x"] == Decimal("0.02")


def test_roll_up_hand_example():
    parents = {"root": None, "s1": "root", "t1": "s1", "t2": "s1", "t3": "root"}
    lines = {
        "t1": {"travel": Decimal("1.10")},
        "t2": {"travel": Decimal("2.20"), "other": Decimal("3.00")},
        "t3": {"other": Decimal("4.00")},
    }
    rolled = roll_up(parents, lines)
    assert rolled["s1"] == {"travel": Decimal("3.30"), "other": Decimal("3.00")}
    assert rolled["root"] == {"travel": Decimal("3.30"), "other": Decimal("7.00")}
    assert node_total(rolled, "root") == Decimal("10.30")


def test_roll_up_rejects_cycles_and_unknown_nodes():
    with pytest.raises(ValueError):
        roll_up({"a": "b", "b": "a"}, {"a": {"x": Decimal(1)}})
    with pytest.raises(ValueError):
        roll_up({"a": None}, {"zz": {"x": Decimal(1)}})


@st.composite
def trees(draw):
    size = draw(st.integers(min_value=1, max_value=25))
    parents = {"n0": None}
    for index in range(1, size):
        parents[f"n{index}"] = f"n{draw(st.integers(min_value=0, max_value=index - 1))}"
    leaves = [node for node in parents if node not in set(parents.values())]
    packages = [
        WorkPackageWeights(
            leaf,
            draw(st.integers(min_value=0, max_value=50)),
            {
                c: draw(st.integers(min_value=0, max_value=9))
                for c in draw(st.sets(st.sampled_from(CATEGORIES)))
            },
        )
        for leaf in leaves
    ]
    return parents, packages


@settings(max_examples=150, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10**8, places=2),
    trees(),
    st.dictionaries(
        st.sampled_from(CATEGORIES), st.decimals(min_value=0, max_value=10**7, places=2)
    ),
)
def test_any_budget_and_tree_sums_exactly(budget, tree, caps):
    parents, packages = tree
    split = split_budget(budget, packages, category_caps=caps)
    all_lines = [amount for lines in split.lines.values() for amount in lines.values()]
    assert all(amount >= 0 for amount in all_lines)
    assert split.reserve >= 0
    assert sum(all_lines) + split.reserve == to_money(budget)
    for category, cap in caps.items():
        assert split.category_total(category) <= to_money(cap)
    rolled = roll_up(parents, split.lines)
    assert node_total(rolled, "n0") == to_money(budget) - split.reserve
    children = {}
    for node, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(node)
    for node in parents:
        own = sum(split.lines.get(node, {}).values())
        assert node_total(rolled, node) == own + sum(
            node_total(rolled, c) for c in children.get(node, [])
        )
