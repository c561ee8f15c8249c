"""Every text a request body may carry fits the column it is stored in.

SQLite stores a string of any length in a ``VARCHAR(100)``; PostgreSQL refuses it with a
database error, which would be a 500 instead of the 422 the input schema owes the caller. So
each request model's string ``max_length`` must be at most the length of the column it lands
in. Request models are paired with their table by name (``CalendarCreate`` -> ``Calendar``) or
in ``STORED_IN``; a new request model that is neither fails ``test_every_request_model_is_paired``.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing
from collections.abc import Iterator
from typing import Any

import app as app_package
from app.db import Base
from app.schemas import Input

# request model -> (table's model, {field: column} where the names differ); None: not stored
STORED_IN: dict[str, tuple[str, dict[str, str]] | None] = {
    "AcceptRequest": None,  # a leveling proposal's moves: dates and ids
    "AppraisalAdjustmentCreate": ("AppraisalAdjustment", {}),
    "AppraisalPolicyUpdate": ("AppraisalPolicy", {}),
    "AppraisalSettingUpdate": ("AppraisalSetting", {}),
    "AppraisalWeightsIn": ("AppraisalSetting", {}),
    "BidImport": ("Bid", {}),
    "CompetitorIn": ("CloseOutCompetitor", {}),
    "ImportedCloseOut": ("BidClosure", {}),
    "ReasonCodeUpdate": ("CloseOutReasonCode", {}),
    "StageOverride": ("GateReview", {"reason": "override_reason"}),
    "TemplateWeightsUpdate": None,  # the weights: decimals
    "ArbitrationDecision": ("QuoteArbitration", {}),
    "ChecklistUpdate": None,  # ticks of gate items (codes from the template)
    "CloseOut": ("BidClosure", {}),
    "ContactCreate": ("ContactLog", {}),
    "CostEntryReverse": ("CostEntry", {}),
    "CorrelationGroup": None,  # a bid's risk_correlations (JSON): task ids and a coefficient
    "CostControlParams": None,  # a job's report parameters (jobs.params JSON): ids and codes
    "CoverageCreate": ("StakeholderCoverage", {}),
    "CoverageUpdate": ("StakeholderCoverage", {}),
    "DecomposeOptions": None,  # options of one decomposition
    "ExceptionIn": ("CalendarException", {}),
    "ExchangeRateCreate": ("ExchangeRateRow", {}),
    "GateReviewCreate": ("GateReview", {}),
    "ImportParams": None,  # a job's import target: two ids
    "MoveToApply": None,
    "PasswordChange": None,  # only its argon2 hash is stored (users.password_hash)
    "PortfolioRiskParams": None,  # a job's iterations and seed (jobs.params JSON): numbers
    "ProposalRequest": None,
    "RestoreRequest": None,
    "ScheduleRead": None,
    "TokenCreate": ("ApiToken", {}),
    "WinProbabilityOverride": ("Bid", {"reason": "win_probability_reason"}),
}


def _request_models() -> list[type[Input]]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)

    def below(cls: type[Input]) -> Iterator[type[Input]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted(set(below(Input)), key=lambda cls: cls.__name__)


def _tables() -> dict[str, Any]:
    return {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}


def _table_of(model: type[Input]) -> tuple[str, dict[str, str]] | None:
    if model.__name__ in STORED_IN:
        return STORED_IN[model.__name__]
    for suffix in ("Create", "Update"):
        if model.__name__.endswith(suffix):
            return model.__name__.removesuffix(suffix), {}
    raise KeyError(model.__name__)


def _max_length(annotation: Any, metadata: list[Any]) -> int | None:
    """The largest ``max_length`` a field's constraints allow (in unions and ``Annotated``)."""
    found = [getattr(meta, "max_length", None) for meta in metadata]
    for arg in (annotation, *typing.get_args(annotation)):
        found += [getattr(meta, "max_length", None) for meta in getattr(arg, "__metadata__", ())]
    lengths = [length for length in found if isinstance(length, int)]
    return max(lengths) if lengths else None


def test_every_request_model_is_paired() -> None:
    models = _request_models()
    tables = _tables()
    unpaired = []
    for model in models:
        try:
            target = _table_of(model)
        except KeyError:
            unpaired.append(model.__name__)
            continue
        if target is not None and target[0] not in tables:
            unpaired.append(f"{model.__name__} -> {target[0]} (no such table model)")
    assert not unpaired, "pair these request models with a table in STORED_IN: " + ", ".join(
        unpaired
    )


def test_every_text_fits_its_column() -> None:
    models = _request_models()
    tables = _tables()
    checked, too_long = 0, []
    for model in models:
        target = _table_of(model)
        if target is None:
            continue
        table, renamed = tables[target[0]].__table__, target[1]
        for name, field in model.model_fields.items():
            limit = _max_length(field.annotation, field.metadata)
            column = table.columns.get(renamed.get(name, name))
            length = getattr(getattr(column, "type", None), "length", None)
            if limit is None or length is None:
                continue
            checked += 1
            if limit > length:
                too_long.append(
                    f"{model.__name__}.{name}: up to {limit} characters, {column} holds {length}"
                )
    assert checked >= 40, checked
    assert not too_long, "\n".join(too_long)
