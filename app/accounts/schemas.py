from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from app.schemas import Id, Input, Name, ORMModel, ShortText
from wbs import limits
from wbs.account_match import credit_code_problem

Tier = Literal["strategic", "key", "growth", "standard"]
DecisionRole = Literal["decision_maker", "influencer", "gatekeeper", "user"]
Stance = Literal["champion", "supporter", "neutral", "skeptic", "opponent"]


def _valid_credit_code(code: str) -> str:
    problem = credit_code_problem(code)
    if problem is not None:
        raise ValueError(problem)
    return code


# 统一社会信用代码: 18 characters from digits and upper-case letters except I, O, S, V, Z, the
# last one the GB 32100-2015 check character
CreditCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
    AfterValidator(_valid_credit_code),
]
Influence = Annotated[int, Field(ge=1, le=5)]


class AccountCreate(Input):
    name: Name
    name_en: Name | None = None
    credit_code: CreditCode | None = None
    industry: ShortText | None = None
    tier: Tier = "standard"
    region: ShortText | None = None
    parent_group: Name | None = None


class AccountUpdate(Input):
    name: Name | None = None
    name_en: Name | None = None
    credit_code: CreditCode | None = None
    industry: ShortText | None = None
    tier: Tier | None = None
    region: ShortText | None = None
    parent_group: Name | None = None


class AccountRead(ORMModel):
    id: int
    name: str
    name_en: str | None
    credit_code: str | None
    industry: str | None
    tier: str
    region: str | None
    parent_group: str | None
    version: int


class StakeholderCreate(Input):
    name: Name
    name_en: Name | None = None
    title: Name | None = None
    decision_role: DecisionRole
    influence: Influence = 3
    stance: Stance = "neutral"
    reports_to_id: Id | None = None


class StakeholderUpdate(Input):
    name: Name | None = None
    name_en: Name | None = None
    title: Name | None = None
    decision_role: DecisionRole | None = None
    influence: Influence | None = None
    stance: Stance | None = None
    reports_to_id: Id | None = None


class StakeholderRead(ORMModel):
    id: int
    account_id: int
    name: str
    name_en: str | None
    title: str | None
    decision_role: str
    influence: int
    stance: str
    reports_to_id: int | None = None
    last_contact_date: dt.date | None = None
    version: int


def _printable(value: str) -> str:
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
        raise ValueError("control characters are not allowed")
    return value


Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_printable)
]
Strength = Annotated[int, Field(ge=1, le=3)]
LinkKind = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Channel = Literal[
    "meeting", "visit", "call", "video", "email", "wechat", "dinner", "event", "other"
]
QuotePolicyName = Literal["refuse", "arbitrate"]
Decision = Literal["allow", "reject", "merge_into"]


class InfluenceLinkCreate(Input):
    source_id: Id
    target_id: Id
    strength: Strength = 2
    kind: LinkKind = "influences"


class InfluenceLinkUpdate(Input):
    strength: Strength | None = None
    kind: LinkKind | None = None


class InfluenceLinkRead(ORMModel):
    id: int
    account_id: int
    source_id: int
    target_id: int
    strength: int
    kind: str
    version: int


class CoverageCreate(Input):
    person_id: Id
    strength: Strength = 2


class CoverageUpdate(Input):
    strength: Strength


class CoverageRead(ORMModel):
    id: int
    stakeholder_id: int
    person_id: int
    person_name: str | None = None
    strength: int
    version: int


class ContactCreate(Input):
    person_id: Id | None = Field(
        default=None, description="our person who met the stakeholder; default: the caller"
    )
    contact_date: dt.date = Field(ge=limits.PLAN_DATE_MIN, le=limits.PLAN_DATE_MAX)
    channel: Channel = "meeting"
    note: Note | None = None


class ContactRead(ORMModel):
    id: int
    stakeholder_id: int
    person_id: int | None
    contact_date: dt.date
    channel: str
    note: str | None
    logged_by_id: int | None
    version: int


QuoteScope = Literal["account", "account_and_product_line"]


class QuotePolicyRead(BaseModel):
    policy: QuotePolicyName
    scope: QuoteScope = "account"
    version: int


class QuotePolicyUpdate(Input):
    policy: QuotePolicyName | None = None
    scope: QuoteScope | None = None


class ArbitrationDecision(Input):
    decision: Decision
    target_bid: Id | None = None
    reason: Note | None = None


class ArbitrationRead(ORMModel):
    id: int
    bid_id: int
    conflicting_bid_id: int | None
    status: str
    decision: str | None
    target_bid_id: int | None
    reason: str | None
    decided_by_id: int | None
    decided_at: dt.datetime | None
    version: int


class DuplicateGroup(BaseModel):
    account_ids: list[int]
    accounts: list[AccountRead]
    keys: list[str]


class HealthReasonRead(BaseModel):
    code: str
    message_zh: str
    message_en: str
    points: int
    bid_id: int | None = None
    stakeholder_id: int | None = None
    task_id: int | None = None


class AccountHealthRead(BaseModel):
    account_id: int
    account_name: str
    account_name_en: str | None = None
    tier: str | None = None
    score: int
    level: Literal["healthy", "watch", "at_risk"]
    as_of: dt.date
    contact_days: int
    reasons: list[HealthReasonRead]
    details: dict[str, Any] = Field(default_factory=dict)
