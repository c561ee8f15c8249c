from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbs.money import allocate, allocate_capped, to_money

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
weights = st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=30)


def test_to_money_rounds_half_up_to_the_cent():
    assert to_money("2.675") == Decimal("2.68")
    assert to_money("2.665") == Decimal("2.67")
    assert to_money(Decimal("-1.005")) == Decimal("-1.01")
    assert to_money(0.1) == Decimal("0.10")
    assert to_money(7) == Decimal("7.00")
    assert to_money(None) == Decimal("0.00")


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", True])
def test_to_money_rejects_non_numbers(bad):
    with pytest.raises(ValueError):
        to_money(bad)


def test_allocate_hand_examples():
    assert allocate(Decimal("100"), [1, 1, 1]) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    # 10.00 by 1:2:3 -> 1.666.., 3.333.., 5.00: the largest remainder (0.666) takes the cent
    assert allocate(Decimal("10"), [1, 2, 3]) == [Decimal("1.67"), Decimal("3.33"), Decimal("5.00")]
    assert allocate(Decimal("5"), [0, 1]) == [Decimal("0.00"), Decimal("5.00")]
    assert allocate(Decimal("0.05"), [0, 0]) == [Decimal("0.03"), Decimal("0.02")]
    assert allocate(Decimal("1"), [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")]) == [
        Decimal("0.50"),
        Decimal("0.25"),
        Decimal("0.25"),
    ]


def test_allocate_rejects_bad_input():
    with pytest.raises(ValueError):
        allocate(Decimal("-1"), [1])
    with pytest.raises(ValueError):
        allocate(Decimal("1"), [1, -1])
    with pytest.raises(ValueError):
        allocate(Decimal("1"), [])


@given(amounts, weights)
def test_allocate_sums_exactly_and_is_proportional(total, weight_list):
    parts = allocate(total, weight_list)
    assert sum(parts) == to_money(total)
    assert all(part >= 0 for part in parts)
    assert all(part == part.quantize(Decimal("0.01")) for part in parts)
    weight_sum = sum(weight_list)
    if weight_sum:
        for part, weight in zip(parts, weight_list):
            exact = to_money(total) * weight / weight_sum
            assert abs(part - exact) < Decimal("0.01")
            if weight == 0:
                assert part == 0


@given(amounts, weights)
def test_allocate_is_deterministic(total, weight_list):
    assert allocate(total, weight_list) == allocate(total, list(weight_list))


@given(
    amounts,
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=100),
            st.one_of(st.none(), st.decimals(min_value=0, max_value=10**8, places=2)),
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_allocate_capped_honours_caps(total, rows):
    weight_list = [weight for weight, _ in rows]
    caps = [cap for _, cap in rows]
    parts, unallocated = allocate_capped(total, weight_list, caps)
    assert sum(parts) + unallocated == to_money(total)
    assert unallocated >= 0
    assert all(part >= 0 for part in parts)
    for part, cap in zip(parts, caps):
        if cap is not None:
            assert part <= to_money(cap)
    # money is only left over when every part with weight is at its cap
    if unallocated > 0:
        for part, weight, cap in zip(parts, weight_list, caps):
            assert weight == 0 or (cap is not None and part == to_money(cap))


def test_allocate_capped_hand_example():
    parts, rest = allocate_capped(Decimal("100"), [1, 1, 1], [Decimal("10"), Decimal("20"), None])
    assert parts == [Decimal("10.00"), Decimal("20.00"), Decimal("70.00")]
    assert rest == Decimal("0.00")
    parts, rest = allocate_capped(Decimal("100"), [1, 1], [Decimal("10"), Decimal("20")])
    assert parts == [Decimal("10.00"), Decimal("20.00")] and rest == Decimal("70.00")
