"""kampmo's one money helper: cent quantisation and exact splitting.

Money is always ``Decimal`` quantised to the cent (``0.01``). Rounding is **ROUND_HALF_UP**
(commercial rounding, as Chinese and most business accounting rounds: 0.125 -> 0.13), chosen
over banker's rounding because finance users compare our figures with spreadsheets and ERPs that
round half up.

Splits never round parts independently: :func:`allocate` works in whole cents with the
largest-remainder (Hamilton) method, so the parts always sum to the total exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

MoneyLike = Decimal | int | str | float


def to_money(value: MoneyLike | None) -> Decimal:
    """``value`` as a Decimal quantised to the cent, ROUND_HALF_UP; ``None`` is zero.

    Floats are converted through ``str`` (``to_money(0.1)`` is ``Decimal("0.10")``) so that the
    binary representation error never leaks into money.

    Raises
    ------
    ValueError
        When ``value`` is not a finite number.

    Example
    -------
    >>> to_money("2.675")
    Decimal('2.68')
    """
    if value is None:
        return ZERO
    if isinstance(value, bool):
        raise ValueError(f"not a money amount: {value!r}")
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError) as error:
        raise ValueError(f"not a money amount: {value!r}") from error
    if not amount.is_finite():
        raise ValueError(f"not a finite money amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _cents(amount: Decimal) -> int:
    return int(to_money(amount) * 100)


def _from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def allocate(total: MoneyLike, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``; the parts sum to ``total`` to the cent.

    Largest-remainder method in whole cents: every part first gets the floor of its exact share,
    then the cents left over go one each to the parts with the largest remainders; ties go to
    the earlier weight, so the result is deterministic. Zero weights get zero. When all weights
    are zero the total is split equally (largest remainder again).

    Parameters
    ----------
    total
        A non-negative amount (quantised to the cent first).
    weights
        Non-negative numbers; at least one.

    Raises
    ------
    ValueError
        Negative total or weight, or no weights.

    Example
    -------
    >>> allocate(Decimal("100"), [1, 1, 1])
    [Decimal('33.34'), Decimal('33.33'), Decimal('33.33')]
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    total_cents = _cents(to_money(total))
    if total_cents < 0:
        raise ValueError(f"cannot allocate a negative total: {total}")
    exact_weights = [Decimal(weight) for weight in weights]
    negative = [index for index, weight in enumerate(exact_weights) if weight < 0]
    if negative:
        raise ValueError(f"negative weights at positions {negative}")
    weight_sum = sum(exact_weights, Decimal(0))
    if weight_sum == 0:
        exact_weights = [Decimal(1)] * len(exact_weights)
        weight_sum = Decimal(len(exact_weights))
    return [_from_cents(cents) for cents in _largest_remainder(total_cents, exact_weights)]


def _largest_remainder(total_cents: int, weights: Sequence[Decimal]) -> list[int]:
    weight_sum = sum(weights, Decimal(0))
    floors: list[int] = []
    remainders: list[tuple[Decimal, int]] = []
    for index, weight in enumerate(weights):
        # Exact rational comparison: numerator and denominator stay integers scaled by weight_sum.
        share_numerator = total_cents * weight
        floor_cents = int(share_numerator // weight_sum)
        floors.append(floor_cents)
        remainders.append((share_numerator - floor_cents * weight_sum, index))
    left_over = total_cents - sum(floors)
    for _, index in sorted(remainders, key=lambda item: (-item[0], item[1]))[:left_over]:
        floors[index] += 1
    return floors


def allocate_capped(
    total: MoneyLike,
    weights: Sequence[Decimal | int],
    caps: Sequence[Decimal | None],
) -> tuple[list[Decimal], Decimal]:
    """Split like :func:`allocate`, but no part exceeds its cap; returns (parts, unallocated).

    Parts whose proportional share would exceed their cap are fixed at the cap and the rest of
    the money is re-split among the uncapped parts by their weights, repeatedly (water-filling).
    When every part is capped, what cannot be placed is returned as ``unallocated`` (so
    ``sum(parts) + unallocated == total`` always). A cap of ``None`` means no cap.

    Example
    -------
    >>> allocate_capped(Decimal("100"), [1, 1], [Decimal("10"), None])
    ([Decimal('10.00'), Decimal('90.00')], Decimal('0.00'))
    """
    if len(caps) != len(weights):
        raise ValueError("allocate_capped needs one cap per weight")
    money_total = to_money(total)
    parts = [ZERO] * len(weights)
    open_positions = list(range(len(weights)))
    remaining = money_total
    while open_positions and remaining > 0:
        open_weights = [Decimal(weights[index]) for index in open_positions]
        if sum(open_weights, Decimal(0)) == 0:
            break
        shares = allocate(remaining, open_weights)
        over = [
            position
            for position, share in zip(open_positions, shares, strict=True)
            if (cap := caps[position]) is not None and share > to_money(cap) - parts[position]
        ]
        if not over:
            for position, share in zip(open_positions, shares, strict=True):
                parts[position] += share
            remaining = ZERO
            break
        for position in over:
            cap = caps[position]
            assert cap is not None
            room = max(to_money(cap) - parts[position], ZERO)
            parts[position] += room
            remaining -= room
        open_positions = [index for index in open_positions if index not in over]
    return parts, remaining
