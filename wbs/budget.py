"""Pursuit budgets: top-down split to the cent, caps, and bottom-up roll-up of the WBS.

Top-down (:func:`split_budget`):

1. the pursuit budget is split across the work packages by their weights with
   :func:`wbs.money.allocate_capped`, so no package exceeds its cap (a fraction of the budget);
2. each package's amount is split across the cost categories by the package's category weights
   with :func:`wbs.money.allocate` (a package with no category weights books to ``other``);
3. a category over its bid-wide cap is cut back to the cap (the cap is re-split over that
   category's lines in proportion to their amounts).

Whatever the caps keep out of the lines is the **reserve**, so always
``sum(all lines) + reserve == pursuit budget`` to the cent, and no amount is negative.

Bottom-up (:func:`roll_up`): every WBS node's budget by category is its own lines plus its
children's roll-ups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from wbs.money import ZERO, allocate, allocate_capped, to_money

FALLBACK_CATEGORY = "other"


@dataclass(frozen=True, slots=True)
class WorkPackageWeights:
    """A work package's share of the budget and its category mix."""

    id: str
    weight: Decimal | int
    category_weights: Mapping[str, Decimal | int] = field(default_factory=dict)


@dataclass(slots=True)
class BudgetSplit:
    """The result of a top-down split; amounts are cent-exact Decimals."""

    total: Decimal
    lines: dict[str, dict[str, Decimal]]  # package id -> category -> amount
    reserve: Decimal  # kept out of the lines by the caps
    category_caps: dict[str, Decimal]  # category -> cap amount
    work_package_caps: dict[str, Decimal]  # package id -> cap amount

    def package_total(self, package_id: str) -> Decimal:
        return sum(self.lines.get(package_id, {}).values(), ZERO)

    def category_total(self, category: str) -> Decimal:
        return sum((lines.get(category, ZERO) for lines in self.lines.values()), ZERO)


def cap_amounts(total: Decimal, fractions: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Caps given as fractions of ``total`` as money (rounded down to the cent never over)."""
    caps: dict[str, Decimal] = {}
    for key, fraction in fractions.items():
        amount = to_money(total * fraction)
        caps[key] = amount if amount <= total * fraction else amount - Decimal("0.01")
    return caps


def split_budget(
    pursuit_budget: Decimal,
    packages: Sequence[WorkPackageWeights],
    category_caps: Mapping[str, Decimal] | None = None,
    work_package_caps: Mapping[str, Decimal] | None = None,
) -> BudgetSplit:
    """Split ``pursuit_budget`` over ``packages`` and categories; caps are money amounts.

    Raises
    ------
    ValueError
        A negative budget, weight or cap; duplicate package ids.

    Example
    -------
    >>> split = split_budget(Decimal("100"), [WorkPackageWeights("a", 1, {"travel": 1}),
    ...                                       WorkPackageWeights("b", 2, {"travel": 1})])
    >>> split.lines
    {'a': {'travel': Decimal('33.33')}, 'b': {'travel': Decimal('66.67')}}
    """
    total = to_money(pursuit_budget)
    if total < 0:
        raise ValueError(f"the pursuit budget is negative: {pursuit_budget}")
    ids = [package.id for package in packages]
    if len(set(ids)) != len(ids):
        raise ValueError("work package ids must be unique")
    category_caps = {key: to_money(value) for key, value in (category_caps or {}).items()}
    work_package_caps = {key: to_money(value) for key, value in (work_package_caps or {}).items()}
    if any(cap < 0 for cap in [*category_caps.values(), *work_package_caps.values()]):
        raise ValueError("caps must not be negative")
    if not packages:
        return BudgetSplit(total, {}, total, category_caps, work_package_caps)
    package_amounts, reserve = allocate_capped(
        total,
        [package.weight for package in packages],
        [work_package_caps.get(package.id) for package in packages],
    )
    lines = {
        package.id: _split_categories(amount, package.category_weights)
        for package, amount in zip(packages, package_amounts, strict=True)
    }
    for category, cap in category_caps.items():
        reserve += _apply_category_cap(lines, category, cap)
    return BudgetSplit(total, lines, reserve, category_caps, work_package_caps)


def _split_categories(
    amount: Decimal, category_weights: Mapping[str, Decimal | int]
) -> dict[str, Decimal]:
    categories = sorted(key for key, weight in category_weights.items() if weight > 0)
    if not categories:
        return {FALLBACK_CATEGORY: amount}
    parts = allocate(amount, [category_weights[key] for key in categories])
    return dict(zip(categories, parts, strict=True))


def _apply_category_cap(
    lines: dict[str, dict[str, Decimal]], category: str, cap: Decimal
) -> Decimal:
    """Cut ``category`` back to ``cap``; returns the amount freed."""
    holders = [package for package, amounts in lines.items() if category in amounts]
    current = sum((lines[package][category] for package in holders), ZERO)
    if current <= cap:
        return ZERO
    capped = allocate(cap, [lines[package][category] for package in holders])
    for package, amount in zip(holders, capped, strict=True):
        lines[package][category] = amount
    return current - cap


def roll_up(
    parents: Mapping[str, str | None],
    lines: Mapping[str, Mapping[str, Decimal]],
) -> dict[str, dict[str, Decimal]]:
    """Every node's budget by category: its own lines plus all its descendants' lines.

    ``parents`` maps every node id to its parent id (None at the top); ``lines`` holds the
    nodes' own budget lines (usually only on work packages). Raises ``ValueError`` for a
    parent cycle or a line on an unknown node.
    """
    unknown = sorted(set(lines) - set(parents))
    if unknown:
        raise ValueError(f"budget lines on unknown nodes: {', '.join(unknown)}")
    totals: dict[str, dict[str, Decimal]] = {node: {} for node in parents}
    for node, own in lines.items():
        for ancestor in _self_and_ancestors(node, parents):
            bucket = totals[ancestor]
            for category, amount in own.items():
                bucket[category] = bucket.get(category, ZERO) + amount
    return totals


def _self_and_ancestors(node: str, parents: Mapping[str, str | None]) -> list[str]:
    chain: list[str] = []
    current: str | None = node
    while current is not None:
        if current in chain:
            raise ValueError(f"parent cycle through {current!r}")
        chain.append(current)
        current = parents.get(current)
    return chain


def node_total(rolled: Mapping[str, Mapping[str, Decimal]], node: str) -> Decimal:
    """The all-category total of one node of a :func:`roll_up`."""
    return sum(rolled.get(node, {}).values(), ZERO)
