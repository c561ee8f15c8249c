from __future__ import annotations

from typing import Literal

from app.schemas import Code, CountryCode, Id, Input, Name, ORMModel

OrgUnitKind = Literal["group", "subsidiary", "region", "department"]


class OrgUnitCreate(Input):
    code: Code
    name: Name
    name_en: Name | None = None
    kind: OrgUnitKind = "subsidiary"
    parent_id: Id | None = None
    holidays_country: CountryCode | None = None


class OrgUnitUpdate(Input):
    code: Code | None = None
    name: Name | None = None
    name_en: Name | None = None
    kind: OrgUnitKind | None = None
    parent_id: Id | None = None
    holidays_country: CountryCode | None = None


class OrgUnitRead(ORMModel):
    id: int
    code: str
    name: str
    name_en: str | None
    kind: str
    parent_id: int | None
    holidays_country: str | None
    version: int


class PersonCreate(Input):
    name: Name
    name_en: Name | None = None
    email: Name | None = None
    title: Name | None = None
    org_unit_id: Id | None = None


class PersonUpdate(Input):
    name: Name | None = None
    name_en: Name | None = None
    email: Name | None = None
    title: Name | None = None
    org_unit_id: Id | None = None


class PersonRead(ORMModel):
    id: int
    name: str
    name_en: str | None
    email: str | None
    title: str | None
    org_unit_id: int | None
    version: int
