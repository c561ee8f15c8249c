"""Request and response bodies of the costs API (money as decimal strings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.schemas import CurrencyCode, Id, Input, ORMModel
from wbs import limits

CostCategory = Literal[
    "travel",
    "client_entertainment",
    "presales_labour",
    "samples_materials",
    "bid_fees_bonds",
    "other",
]
EntryKind = Literal["actual", "commitment"]
EntryStatus = Literal["approved", "pending_approval", "rejected"]
CapKind = Literal["category", "work_package", "entertainment_entry"]
EntryDate = Annotated[dt.date, Field(ge=limits.PLAN_DATE_MIN, le=limits.PLAN_DATE_MAX)]
PositiveMoney = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=2, allow_inf_nan=False)
]
FreeText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Payee = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Rate = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=8, allow_inf_nan=False)]


class CostEntryCreate(Input):
    task_id: Id
    category: CostCategory
    kind: EntryKind = "actual"
    entry_date: EntryDate
    amount: PositiveMoney
    currency: CurrencyCode | None = None  # default: the bid's currency
    payee: Payee | None = None
    description: FreeText | None = None
    receipt_ref: Reference | None = None


class CostEntryReverse(Input):
    entry_date: EntryDate | None = None  # default: today
    description: FreeText | None = None


class CostEntryRead(ORMModel):
    id: int
    bid_id: int
    task_id: int
    kind: EntryKind
    category: CostCategory
    entry_date: dt.date
    amount: Decimal
    currency: str
    exchange_rate: Decimal
    amount_bid_currency: Decimal
    payee: str | None
    description: str | None
    receipt_ref: str | None
    entered_by_id: int | None
    status: EntryStatus
    approval_reasons: str | None
    decided_by_id: int | None
    decided_at: dt.datetime | None
    reverses_id: int | None
    reversed_by_id: int | None = None
    created_at: dt.datetime
    version: int


class ExchangeRateCreate(Input):
    base: CurrencyCode
    quote: CurrencyCode
    rate: Rate
    effective_date: EntryDate


class ExchangeRateRead(ORMModel):
    id: int
    base: str
    quote: str
    rate: Decimal
    effective_date: dt.date


class SpendingCapCreate(Input):
    kind: CapKind
    category: CostCategory | None = None
    task_id: Id | None = None
    amount: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2, allow_inf_nan=False)]


class SpendingCapRead(ORMModel):
    id: int
    bid_id: int
    kind: CapKind
    category: str | None
    task_id: int | None
    amount: Decimal
    version: int
