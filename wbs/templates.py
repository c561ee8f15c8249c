"""WBS templates: loading the JSON data files, ``extends`` inheritance, validation.

A template file (``wbs/templates/<id>.json``) is a *delta* on the templates it ``extends``
(a single id or a list, applied in order; the common ancestors are applied once, like a
method-resolution order). A delta may carry:

- ``elements``: new elements, appended (or placed right ``after`` an existing code);
  an element whose code already exists replaces it;
- ``remove``: codes to drop; their successors inherit their predecessors, so the network stays
  connected (dependencies are bridged, not lost);
- ``override``: ``{code: {field: value}}`` partial changes of inherited elements;
- ``add_links``: extra dependencies ``{"from", "to", "type", "lag_days"}``;
- the settings ``reference_value``, ``max_scale``, ``max_repeat``, ``tier_factors``, ``caps``
  (a later template overrides an earlier one key by key).

An element: ``code`` (stable key such as ``execution.solution_design``), ``parent`` (a summary's
code or null), bilingual ``name_zh``/``name_en``, ``kind`` (summary/task/milestone), ``role``
(the KAM role responsible), ``duration_days``, ``difficulty`` 1-5, ``depends_on``
(``{"code", "type": FS|SS|FF|SF, "lag_days"}``), ``cost_weights`` (category -> integer weight),
``budget_weight`` (the element's share of the pursuit budget), ``gate`` (a gate milestone or
review), optional ``repeat`` (``product_lines`` or ``regions``: one copy each), ``scaling``
(``value_exponent``, ``per_product_line``, ``per_region``), ``consulted``/``informed`` roles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import networkx as nx

from wbs.plan import LinkType

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
KAM_ROLES = ("sales_rep", "presales_consultant", "project_manager", "executive_sponsor", "pmo")
COST_CATEGORIES = (
    "travel",
    "client_entertainment",
    "presales_labour",
    "samples_materials",
    "bid_fees_bonds",
    "other",
)
ELEMENT_KINDS = ("summary", "task", "milestone")
REPEAT_DIMENSIONS = ("product_lines", "regions")
DEFAULT_TEMPLATE = "kam-standard"


class TemplateError(ValueError):
    """A template cannot be found, resolved or is invalid; ``problems`` lists every finding."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems = list(problems)
        detail = "; ".join(self.problems)
        super().__init__(f"{message}: {detail}" if detail else message)


@dataclass(frozen=True, slots=True)
class ElementDependency:
    code: str
    type: LinkType = LinkType.FS
    lag_days: int = 0


@dataclass(frozen=True, slots=True)
class Scaling:
    """How an element's duration grows: ``(value / reference) ** value_exponent`` (clamped to
    ``[1/max_scale, max_scale]``) times ``1 + per_product_line * (lines - 1)`` times
    ``1 + per_region * (regions - 1)``."""

    value_exponent: Decimal = Decimal(0)
    per_product_line: Decimal = Decimal(0)
    per_region: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class TemplateElement:
    code: str
    name_zh: str
    name_en: str
    parent: str | None = None
    kind: str = "task"
    role: str = "project_manager"
    duration_days: int = 1
    difficulty: int = 3
    depends_on: tuple[ElementDependency, ...] = ()
    cost_weights: Mapping[str, int] = field(default_factory=dict)
    budget_weight: int = 1
    gate: bool = False
    repeat: str | None = None
    scaling: Scaling = Scaling()
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    name_zh: str
    name_en: str
    elements: tuple[TemplateElement, ...]
    description: str = ""
    lineage: tuple[str, ...] = ()  # the template ids applied, base first
    reference_value: Decimal = Decimal(5_000_000)
    max_scale: Decimal = Decimal(2)
    max_repeat: int = 6
    tier_factors: Mapping[str, Decimal] = field(default_factory=dict)
    category_caps: Mapping[str, Decimal] = field(default_factory=dict)  # fraction of budget
    work_package_caps: Mapping[str, Decimal] = field(default_factory=dict)  # fraction of budget

    def element(self, code: str) -> TemplateElement:
        for element in self.elements:
            if element.code == code:
                return element
        raise KeyError(code)


# -- loading ---------------------------------------------------------------------------------


def template_ids(directory: Path = TEMPLATE_DIR) -> list[str]:
    """The ids of the template files in ``directory``, sorted."""
    return sorted(path.stem for path in directory.glob("*.json"))


def load_sources(directory: Path = TEMPLATE_DIR) -> dict[str, dict[str, Any]]:
    """Every template file in ``directory`` as raw JSON data, by id."""
    sources: dict[str, dict[str, Any]] = {}
    for template_id in template_ids(directory):
        text = (directory / f"{template_id}.json").read_text(encoding="utf-8")
        data = json.loads(text)
        if not isinstance(data, dict):
            raise TemplateError(f"template file {template_id}.json is not a JSON object")
        sources[template_id] = data
    return sources


def load_template(
    template_id: str, sources: Mapping[str, Mapping[str, Any]] | None = None
) -> Template:
    """The resolved, validated template ``template_id`` (from the data files by default).

    Raises
    ------
    TemplateError
        Unknown id, an ``extends`` cycle, or a validation problem (all listed).

    Example
    -------
    >>> len(load_template("kam-standard").elements) > 30
    True
    """
    raw_sources = load_sources() if sources is None else sources
    return resolve_sources(template_id, raw_sources)[0]


def _lineage(template_id: str, sources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    order: list[str] = []

    def visit(current: str, path: tuple[str, ...]) -> None:
        if current in path:
            raise TemplateError("extends cycle", [" -> ".join((*path, current))])
        if current not in sources:
            raise TemplateError(f"unknown template {current!r}")
        if current in order:
            return
        for parent in _parents(sources[current]):
            visit(parent, (*path, current))
        order.append(current)

    visit(template_id, ())
    return order


def _parents(data: Mapping[str, Any]) -> list[str]:
    extends = data.get("extends")
    if extends is None:
        return []
    if isinstance(extends, str):
        return [extends]
    return [str(parent) for parent in extends]


# -- merging deltas --------------------------------------------------------------------------


def _merge(deltas: list[Mapping[str, Any]]) -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    settings: dict[str, Any] = {"caps": {"categories": {}, "work_packages": {}}}
    for delta in deltas:
        for key in ("reference_value", "max_scale", "max_repeat", "tier_factors"):
            if key in delta:
                settings[key] = delta[key]
        for cap_kind in ("categories", "work_packages"):
            settings["caps"][cap_kind].update(dict(delta.get("caps", {}).get(cap_kind, {})))
        for code in delta.get("remove", []):
            elements = _remove_element(elements, str(code))
        for new in delta.get("elements", []):
            elements = _add_element(elements, dict(new))
        for code, changes in dict(delta.get("override", {})).items():
            _override(elements, str(code), dict(changes))
        for link in delta.get("add_links", []):
            _add_link(elements, dict(link))
    settings["elements"] = elements
    return settings


def _find(elements: list[dict[str, Any]], code: str) -> dict[str, Any]:
    for element in elements:
        if element.get("code") == code:
            return element
    raise TemplateError(f"no element {code!r} to change")


def _remove_element(elements: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    removed = _find(elements, code)
    inherited = [dict(dep) for dep in removed.get("depends_on", [])]
    kept = [element for element in elements if element.get("code") != code]
    for element in kept:
        deps = [dict(dep) for dep in element.get("depends_on", [])]
        if any(dep.get("code") == code for dep in deps):
            deps = [dep for dep in deps if dep.get("code") != code]
            known = {dep.get("code") for dep in deps}
            deps += [dep for dep in inherited if dep.get("code") not in known]
            element["depends_on"] = deps
        if element.get("parent") == code:
            element["parent"] = removed.get("parent")
    return kept


def _add_element(elements: list[dict[str, Any]], new: dict[str, Any]) -> list[dict[str, Any]]:
    after = new.pop("after", None)
    code = new.get("code")
    for index, element in enumerate(elements):
        if element.get("code") == code:
            return [*elements[:index], new, *elements[index + 1 :]]
    if after is None:
        return [*elements, new]
    anchor = elements.index(_find(elements, str(after)))
    return [*elements[: anchor + 1], new, *elements[anchor + 1 :]]


def _override(elements: list[dict[str, Any]], code: str, changes: dict[str, Any]) -> None:
    _find(elements, code).update(changes)


def _add_link(elements: list[dict[str, Any]], link: dict[str, Any]) -> None:
    successor = _find(elements, str(link.get("to")))
    dependency = {
        "code": link.get("from"),
        "type": link.get("type", "FS"),
        "lag_days": link.get("lag_days", 0),
    }
    successor["depends_on"] = [*successor.get("depends_on", []), dependency]


# -- building typed data ---------------------------------------------------------------------


def _decimal(value: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise TemplateError(f"{label} is not a number: {value!r}") from error
    if not number.is_finite():
        raise TemplateError(f"{label} is not finite: {value!r}")
    return number


def _element(data: Mapping[str, Any]) -> TemplateElement:
    code = str(data.get("code", ""))
    scaling = dict(data.get("scaling", {}))
    try:
        depends_on = tuple(
            ElementDependency(
                code=str(dep["code"]),
                type=LinkType(str(dep.get("type", "FS"))),
                lag_days=int(dep.get("lag_days", 0)),
            )
            for dep in data.get("depends_on", [])
        )
        return TemplateElement(
            code=code,
            name_zh=str(data.get("name_zh", "")),
            name_en=str(data.get("name_en", "")),
            parent=None if data.get("parent") is None else str(data["parent"]),
            kind=str(data.get("kind", "task")),
            role=str(data.get("role", "project_manager")),
            duration_days=int(data.get("duration_days", 1)),
            difficulty=int(data.get("difficulty", 3)),
            depends_on=depends_on,
            cost_weights={str(k): int(v) for k, v in dict(data.get("cost_weights", {})).items()},
            budget_weight=int(data.get("budget_weight", 1)),
            gate=bool(data.get("gate", False)),
            repeat=None if data.get("repeat") is None else str(data["repeat"]),
            scaling=Scaling(
                value_exponent=_decimal(scaling.get("value_exponent", 0), f"{code} scaling"),
                per_product_line=_decimal(scaling.get("per_product_line", 0), f"{code} scaling"),
                per_region=_decimal(scaling.get("per_region", 0), f"{code} scaling"),
            ),
            consulted=tuple(str(role) for role in data.get("consulted", [])),
            informed=tuple(str(role) for role in data.get("informed", [])),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise TemplateError(f"element {code!r} is malformed", [str(error)]) from error


def _build(template_id: str, lineage: list[str], merged: Mapping[str, Any]) -> Template:
    caps = merged["caps"]
    return Template(
        id=template_id,
        name_zh=str(merged.get("name_zh", template_id)),
        name_en=str(merged.get("name_en", template_id)),
        description=str(merged.get("description", "")),
        lineage=tuple(lineage),
        elements=tuple(_element(element) for element in merged["elements"]),
        reference_value=_decimal(merged.get("reference_value", 5_000_000), "reference_value"),
        max_scale=_decimal(merged.get("max_scale", 2), "max_scale"),
        max_repeat=int(merged.get("max_repeat", 6)),
        tier_factors={
            str(k): _decimal(v, f"tier factor {k}")
            for k, v in dict(merged.get("tier_factors", {})).items()
        },
        category_caps={
            str(k): _decimal(v, f"cap {k}") for k, v in dict(caps["categories"]).items()
        },
        work_package_caps={
            str(k): _decimal(v, f"cap {k}") for k, v in dict(caps["work_packages"]).items()
        },
    )


def resolve_sources(
    template_id: str, sources: Mapping[str, Mapping[str, Any]]
) -> tuple[Template, dict[str, Any]]:
    """Resolve ``template_id`` against ``sources``; returns the template and its merged JSON.

    Raises ``TemplateError`` for anything wrong, malformed JSON shapes included.
    """
    try:
        lineage = _lineage(template_id, sources)
        merged = _merge([sources[ancestor] for ancestor in lineage])
        own = sources[template_id]
        for key in ("name_zh", "name_en", "description"):
            if key in own:
                merged[key] = own[key]
        template = _build(template_id, lineage, merged)
    except TemplateError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError) as error:
        raise TemplateError(f"template {template_id!r} is malformed", [repr(error)]) from error
    problems = validate(template)
    if problems:
        raise TemplateError(f"template {template_id!r} is invalid", problems)
    return template, merged


# -- validation ------------------------------------------------------------------------------


def validate(template: Template) -> list[str]:
    """Every problem found in ``template`` (empty when it is valid)."""
    problems: list[str] = []
    codes = [element.code for element in template.elements]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        problems.append(f"duplicate codes: {', '.join(duplicates)}")
    by_code = {element.code: element for element in template.elements}
    for element in template.elements:
        problems += _element_problems(element, by_code)
    problems += _cycle_problems(template)
    if not any(element.kind != "summary" for element in template.elements):
        problems.append("the template has no tasks or milestones")
    for category, fraction in template.category_caps.items():
        if category not in COST_CATEGORIES or not Decimal(0) <= fraction <= 1:
            problems.append(f"cap for {category!r} must be a known category and within 0..1")
    for code, fraction in template.work_package_caps.items():
        if code not in by_code or not Decimal(0) <= fraction <= 1:
            problems.append(f"work-package cap for {code!r} must name an element, within 0..1")
    if template.max_scale < 1 or template.max_repeat < 1 or template.reference_value <= 0:
        problems.append("max_scale and max_repeat must be >= 1, reference_value > 0")
    return problems


def _element_problems(
    element: TemplateElement, by_code: Mapping[str, TemplateElement]
) -> list[str]:
    code = element.code
    problems: list[str] = []
    if not code:
        problems.append("an element has no code")
    if not element.name_zh or not element.name_en:
        problems.append(f"{code}: needs both name_zh and name_en")
    if element.kind not in ELEMENT_KINDS:
        problems.append(f"{code}: kind {element.kind!r} is not one of {ELEMENT_KINDS}")
    if element.role not in KAM_ROLES:
        problems.append(f"{code}: role {element.role!r} is not a KAM role")
    for role in (*element.consulted, *element.informed):
        if role not in KAM_ROLES:
            problems.append(f"{code}: consulted/informed role {role!r} is not a KAM role")
    if not 1 <= element.difficulty <= 5:
        problems.append(f"{code}: difficulty must be 1-5")
    if element.duration_days < 0 or (element.kind == "milestone") != (
        element.duration_days == 0 and element.kind != "summary"
    ):
        problems.append(f"{code}: a milestone has duration 0 and a task a positive duration")
    if element.parent is not None:
        parent = by_code.get(element.parent)
        if parent is None or parent.kind != "summary":
            problems.append(f"{code}: parent {element.parent!r} is not a summary element")
    for dependency in element.depends_on:
        if dependency.code not in by_code:
            problems.append(f"{code}: depends on unknown element {dependency.code!r}")
    for category, weight in element.cost_weights.items():
        if category not in COST_CATEGORIES or weight < 0:
            problems.append(f"{code}: cost weight {category!r} unknown or negative")
    if element.budget_weight < 0:
        problems.append(f"{code}: budget_weight is negative")
    if element.repeat is not None and element.repeat not in REPEAT_DIMENSIONS:
        problems.append(f"{code}: repeat must be one of {REPEAT_DIMENSIONS}")
    return problems


def _cycle_problems(template: Template) -> list[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for element in template.elements:
        graph.add_node(element.code)
        for dependency in element.depends_on:
            graph.add_edge(dependency.code, element.code)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return []
    return ["dependency cycle: " + " -> ".join(str(edge[0]) for edge in cycle)]


def template_summary(template: Template) -> dict[str, Any]:
    """A short description for listings: id, names, lineage, element count."""
    return {
        "id": template.id,
        "name_zh": template.name_zh,
        "name_en": template.name_en,
        "description": template.description,
        "extends": list(template.lineage[:-1]),
        "elements": len(template.elements),
    }
