"""The WBS decomposer: a bid's facts + a template -> a scheduled, budgeted, staffed plan.

``decompose(request, template)`` is deterministic (same input, same output) and pure.

How the plan is made
--------------------
- **Tree and codes.** Template stages become summaries numbered ``1``..``8``; their elements
  ``1.1``, ``1.2``... An element with ``repeat`` (per product line or per region) gets one task per
  value; with more than one value they sit under a summary of the element (``7.2.1``, ``7.2.2``).
  Repeats are limited to the template's ``max_repeat`` values.
- **Durations** (working days): ``duration_days`` x size factor x tier factor x calibration
  ratio, rounded half up, at least 1 for tasks. Size factor (per element ``scaling``):
  ``clamp((bid_value / reference_value) ** value_exponent, 1/max_scale, max_scale)
  * (1 + per_product_line * (lines - 1)) * (1 + per_region * (regions - 1))`` (a per-line
  copy counts one line, a per-region copy one region).
- **Dependencies** from the template; between repeated elements copies pair up by position when
  they repeat over the same dimension, otherwise every copy links to every copy.
- **Owners**: the element's KAM role, filled from the team; within a role the least-loaded
  person so far (in working days, ties by team order) gets the next task. A role missing from
  the team falls back along ``ROLE_FALLBACK`` (a warning says so).
- **Budget**: :func:`wbs.budget.split_budget` over every task with a budget weight (template
  ``budget_weight`` x calibration cost ratio), category weights from the template, category and
  work-package caps as template fractions of the pursuit budget.
- **Deadline**: the submission milestone (``execution.submission``) carries ``deadline`` =
  the submission deadline; stages after submission (presentation, negotiation, contract,
  close-out) run on past it, so ``Plan.finish_deadline`` is left empty and the deadline is kept
  in ``Plan.extra["submission_deadline"]``. The plan is scheduled forward (ASAP) from the start
  date with ``wbs.cpm.schedule``. With ``fit_to_deadline`` the work before submission is
  stretched (at most ``max_stretch`` times) so that submission lands on the deadline; when the
  template durations already overrun it, nothing is compressed and the submission milestone
  shows the negative total float that says by how many working days it cannot be met.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import networkx as nx

from wbs.budget import BudgetSplit, WorkPackageWeights, cap_amounts, split_budget
from wbs.cpm import TimeAxis
from wbs.cpm import schedule as cpm_schedule
from wbs.money import to_money
from wbs.plan import CalendarSpec, Link, Plan, PlanTime, Task
from wbs.result import Schedule
from wbs.templates import ElementDependency, Template, TemplateElement

SUBMISSION_CODE = "execution.submission"
ROLE_FALLBACK: dict[str, tuple[str, ...]] = {
    "sales_rep": ("project_manager",),
    "presales_consultant": ("project_manager", "sales_rep"),
    "project_manager": ("sales_rep", "pmo"),
    "executive_sponsor": ("project_manager", "sales_rep"),
    "pmo": ("project_manager",),
}
Scheduler = Callable[[Plan], Schedule]


@dataclass(frozen=True, slots=True)
class ElementCalibration:
    """Calibrated ratios actual/planned for one template element (see ``wbs.calibration``)."""

    duration_ratio: Decimal = Decimal(1)
    cost_ratio: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class DecomposeRequest:
    """The facts of a bid the decomposer needs."""

    kind: str  # cross_sell | new_customer
    bid_value: Decimal
    start_date: date
    submission_deadline: date
    pursuit_budget: Decimal
    procurement: str = "tender"  # tender | negotiated
    account_tier: str = "standard"  # strategic | key | growth | standard
    product_lines: Sequence[str] = ()
    regions: Sequence[str] = ()
    team: Mapping[str, Sequence[str]] = field(default_factory=dict)  # role -> person ids
    calibration: Mapping[str, ElementCalibration] = field(default_factory=dict)
    name: str = "bid"
    calendar: str | None = None
    calendars: Mapping[str, CalendarSpec] = field(default_factory=dict)
    fit_to_deadline: bool = True
    max_stretch: Decimal = Decimal(2)


@dataclass(frozen=True, slots=True)
class BudgetLineOut:
    task_id: str
    category: str
    amount: Decimal


@dataclass(slots=True)
class Decomposition:
    template_id: str
    plan: Plan
    budget: BudgetSplit
    budget_lines: list[BudgetLineOut]
    schedule: Schedule | None
    submission_task_id: str | None
    submission_float_days: int | None  # negative: the deadline cannot be met by that many days
    warnings: list[str] = field(default_factory=list)

    @property
    def meets_deadline(self) -> bool | None:
        if self.submission_float_days is None:
            return None
        return self.submission_float_days >= 0


def template_id_for(kind: str, procurement: str) -> str:
    """The template for a bid kind and procurement type, e.g. ``kam-new-customer-tender``."""
    return f"kam-{kind.replace('_', '-')}-{procurement}"


def as_bid_plan(plan: Plan, *, status_date: date | None, submission_deadline: date | None) -> Plan:
    """``plan`` under a bid's scheduling rules: the one rule set behind a bid's saved schedule
    and the decomposer's fit-to-deadline (``app.tasks.scheduling``), so that what a
    decomposition promises is what the saved schedule then shows.

    - The bid's status date is the plan's (progress; unstarted work starts no earlier).
    - The submission deadline caps the **submission milestone** (the tasks decomposed from
      ``execution.submission``, by ``task.extra["template_code"]``; its own earlier deadline,
      if any, stays) and through the links what drives it. Work after submission (bid
      opening, award, contract, close-out) floats against the project finish, or against a
      deadline of its own. A plan without a submission milestone (an imported plan) is all
      submission work: the deadline caps the project finish.

    The tasks are not changed; those whose deadline differs are copies.
    """
    tasks = plan.tasks
    finish_deadline = submission_deadline
    if submission_deadline is not None:
        capped = {
            task.id
            for task in tasks
            if task.extra.get("template_code") == SUBMISSION_CODE and not task.is_summary
        }
        if capped:
            finish_deadline = None
            tasks = [
                replace(task, deadline=_earlier(task.deadline, submission_deadline))
                if task.id in capped
                else task
                for task in tasks
            ]
    return replace(plan, tasks=tasks, status_date=status_date, finish_deadline=finish_deadline)


def _earlier(own: PlanTime | None, deadline: date) -> PlanTime:
    if type(own) is date and own < deadline:
        return own
    return deadline


def deadline_slack(plan: Plan, schedule: Schedule, task_id: str, deadline: date) -> int:
    """Working days from the task's early finish to ``deadline`` (negative: it is missed)."""
    return (
        TimeAxis(plan).index(deadline, finish=True) - schedule.by_id()[task_id].early_finish_index
    )


def decompose(
    request: DecomposeRequest, template: Template, scheduler: Scheduler | None = None
) -> Decomposition:
    """Decompose a bid into a WBS from ``template``; see the module docstring for the rules.

    Raises
    ------
    ValueError
        A negative budget or value, or a deadline before the start date.
    """
    if request.submission_deadline < request.start_date:
        raise ValueError("the submission deadline is before the start date")
    if request.bid_value < 0:
        raise ValueError("the bid value is negative")
    builder = _Builder(request, template)
    plan = builder.build()
    budget = _budget(request, template, builder)
    budget_lines = _apply_budget(plan, budget)
    warnings = list(builder.warnings)
    scheduler = scheduler or cpm_schedule
    schedule = scheduler(plan)
    submission = builder.submission_id
    if request.fit_to_deadline and submission is not None:
        schedule = _fit_to_deadline(plan, schedule, submission, request, scheduler)
    float_days = None
    if submission is not None:
        float_days = deadline_slack(plan, schedule, submission, request.submission_deadline)
        if float_days < 0:
            warnings.append(
                f"the submission deadline {request.submission_deadline.isoformat()} cannot be "
                f"met: {-float_days} working days short"
            )
    warnings += schedule.warnings
    return Decomposition(
        template.id, plan, budget, budget_lines, schedule, submission, float_days, warnings
    )


# -- building the tree -----------------------------------------------------------------------


class _Builder:
    def __init__(self, request: DecomposeRequest, template: Template) -> None:
        self.request = request
        self.template = template
        self.warnings: list[str] = []
        self.tasks: list[Task] = []
        self.copies: dict[str, list[tuple[str, int, str]]] = {}  # code -> (id, index, value)
        self.package_weights: dict[str, Decimal] = {}
        self.element_of: dict[str, TemplateElement] = {}
        self.load: dict[str, int] = {}
        self.submission_id: str | None = None

    def build(self) -> Plan:
        children: dict[str | None, list[TemplateElement]] = {}
        for element in self.template.elements:
            children.setdefault(element.parent, []).append(element)
        self._add_level(children, None, None, "")
        plan = Plan(
            name=self.request.name,
            start=self.request.start_date,
            tasks=self.tasks,
            links=self._links(),
            unit="day",
            calendar=self.request.calendar,
            calendars=dict(self.request.calendars),
            extra={
                "template_id": self.template.id,
                "submission_deadline": self.request.submission_deadline.isoformat(),
            },
        )
        return plan

    def _add_level(
        self,
        children: Mapping[str | None, list[TemplateElement]],
        parent_code: str | None,
        parent_id: str | None,
        prefix: str,
    ) -> None:
        for position, element in enumerate(children.get(parent_code, []), start=1):
            wbs_code = f"{prefix}{position}"
            values = self._repeat_values(element)
            if element.kind == "summary":
                self._add_summary(element, element.code, parent_id, wbs_code, "")
                self.copies[element.code] = [(element.code, 0, "")]
                self._add_level(children, element.code, element.code, f"{wbs_code}.")
            elif len(values) > 1:
                self._add_summary(element, element.code, parent_id, wbs_code, "")
                self.copies[element.code] = [
                    (
                        self._add_task(
                            element, f"{element.code}[{i}]", element.code, f"{wbs_code}.{i}", value
                        ),
                        i,
                        value,
                    )
                    for i, value in enumerate(values, start=1)
                ]
            else:
                value = values[0] if values else ""
                task_id = self._add_task(element, element.code, parent_id, wbs_code, value)
                self.copies[element.code] = [(task_id, 1, value)]

    def _repeat_values(self, element: TemplateElement) -> list[str]:
        if element.repeat is None:
            return []
        source = (
            self.request.product_lines
            if element.repeat == "product_lines"
            else self.request.regions
        )
        values = list(dict.fromkeys(source))
        if len(values) > self.template.max_repeat:
            self.warnings.append(
                f"{element.code}: {len(values)} {element.repeat}, planned for the first "
                f"{self.template.max_repeat} only"
            )
        return values[: self.template.max_repeat]

    def _add_summary(
        self,
        element: TemplateElement,
        task_id: str,
        parent_id: str | None,
        wbs_code: str,
        value: str,
    ) -> None:
        task = Task(
            id=task_id,
            name=element.name_zh,
            duration=0,
            parent=parent_id,
            is_summary=True,
            wbs_code=wbs_code,
            role=element.role,
            extra=self._extra(element, value),
        )
        self.tasks.append(task)
        self.element_of[task_id] = element

    def _add_task(
        self,
        element: TemplateElement,
        task_id: str,
        parent_id: str | None,
        wbs_code: str,
        value: str,
    ) -> str:
        duration = 0 if element.kind == "milestone" else self._duration(element)
        name = f"{element.name_zh}（{value}）" if value else element.name_zh
        task = Task(
            id=task_id,
            name=name,
            duration=duration,
            parent=parent_id,
            milestone=element.kind == "milestone",
            wbs_code=wbs_code,
            role=element.role,
            owner=self._owner(element.role, duration),
            extra=self._extra(element, value),
        )
        if element.code == SUBMISSION_CODE:
            task.deadline = self.request.submission_deadline
            self.submission_id = task_id
        self.tasks.append(task)
        self.element_of[task_id] = element
        weight = self._budget_weight(element)
        if weight > 0 and element.kind == "task":
            self.package_weights[task_id] = weight
        return task_id

    def _extra(self, element: TemplateElement, value: str) -> dict[str, object]:
        name_en = f"{element.name_en} ({value})" if value else element.name_en
        return {
            "template_code": element.code,
            "name_zh": element.name_zh,
            "name_en": name_en,
            "difficulty": element.difficulty,
            "gate": element.gate,
            "repeat_value": value or None,
            "consulted": list(element.consulted),
            "informed": list(element.informed),
        }

    def _duration(self, element: TemplateElement) -> int:
        scaling = element.scaling
        request = self.request
        factor = Decimal(1)
        if scaling.value_exponent and request.bid_value > 0:
            ratio = request.bid_value / self.template.reference_value
            size = ratio**scaling.value_exponent
            limit = self.template.max_scale
            factor *= min(max(size, 1 / limit), limit)
        lines = 1 if element.repeat == "product_lines" else max(len(request.product_lines), 1)
        regions = 1 if element.repeat == "regions" else max(len(request.regions), 1)
        factor *= 1 + scaling.per_product_line * (lines - 1)
        factor *= 1 + scaling.per_region * (regions - 1)
        factor *= self.template.tier_factors.get(request.account_tier, Decimal(1))
        calibration = request.calibration.get(element.code)
        if calibration is not None:
            factor *= calibration.duration_ratio
        days = (element.duration_days * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return max(int(days), 1)

    def _budget_weight(self, element: TemplateElement) -> Decimal:
        weight = Decimal(element.budget_weight)
        calibration = self.request.calibration.get(element.code)
        if calibration is not None:
            weight *= calibration.cost_ratio
        return weight

    def _owner(self, role: str, duration: int) -> str | None:
        for candidate in (role, *ROLE_FALLBACK.get(role, ())):
            people = list(self.request.team.get(candidate, ()))
            if not people:
                continue
            if candidate != role:
                self._warn(f"no {role} in the team: {candidate} stands in")
            person = min(people, key=lambda pid: (self.load.get(pid, 0), people.index(pid)))
            self.load[person] = self.load.get(person, 0) + duration
            return person
        if self.request.team:
            self._warn(f"no {role} in the team and no stand-in: left unassigned")
        return None

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _links(self) -> list[Link]:
        links: list[Link] = []
        for element in self.template.elements:
            if element.kind == "summary":
                continue
            for dependency in element.depends_on:
                links += self._pair(dependency.code, element, dependency)
        return links

    def _pair(
        self, predecessor_code: str, element: TemplateElement, dependency: ElementDependency
    ) -> list[Link]:
        predecessors = self.copies.get(predecessor_code, [])
        successors = self.copies.get(element.code, [])
        predecessor_element = self.template.element(predecessor_code)
        same_dimension = (
            element.repeat is not None
            and predecessor_element.repeat == element.repeat
            and len(predecessors) == len(successors)
        )
        pairs = (
            zip(predecessors, successors, strict=True)
            if same_dimension
            else ((p, s) for s in successors for p in predecessors)
        )
        return [
            Link(predecessor[0], successor[0], dependency.type, dependency.lag_days)
            for predecessor, successor in pairs
        ]


# -- budget ----------------------------------------------------------------------------------


def _budget(request: DecomposeRequest, template: Template, builder: _Builder) -> BudgetSplit:
    total = to_money(request.pursuit_budget)
    packages = [
        WorkPackageWeights(
            id=task_id,
            weight=weight,
            category_weights=dict(builder.element_of[task_id].cost_weights),
        )
        for task_id, weight in builder.package_weights.items()
    ]
    category_caps = cap_amounts(total, template.category_caps)
    work_package_fractions = {
        task_id: template.work_package_caps[builder.element_of[task_id].code]
        for task_id in builder.package_weights
        if builder.element_of[task_id].code in template.work_package_caps
    }
    return split_budget(total, packages, category_caps, cap_amounts(total, work_package_fractions))


def _apply_budget(plan: Plan, budget: BudgetSplit) -> list[BudgetLineOut]:
    lines: list[BudgetLineOut] = []
    by_id = plan.task_index()
    for task_id, categories in budget.lines.items():
        by_id[task_id].budget = budget.package_total(task_id)
        by_id[task_id].extra["budget_lines"] = {
            category: str(amount) for category, amount in categories.items()
        }
        lines += [
            BudgetLineOut(task_id, category, amount) for category, amount in categories.items()
        ]
    return lines


# -- fitting to the deadline -----------------------------------------------------------------


def _fit_to_deadline(
    plan: Plan,
    schedule: Schedule,
    submission: str,
    request: DecomposeRequest,
    scheduler: Scheduler,
) -> Schedule:
    slack = deadline_slack(plan, schedule, submission, request.submission_deadline)
    path_days = schedule.by_id()[submission].early_finish_index
    if slack <= 0 or path_days <= 0:
        return schedule
    before = _predecessors_of(plan, submission)
    factor = min(Decimal(path_days + slack) / path_days, request.max_stretch)
    for task in plan.tasks:
        if task.id in before and not task.is_summary and task.duration > 0:
            stretched = (task.duration * factor).quantize(Decimal(1), rounding=ROUND_FLOOR)
            task.duration = int(stretched)
    schedule = scheduler(plan)
    slack = deadline_slack(plan, schedule, submission, request.submission_deadline)
    if slack <= 0 or factor >= request.max_stretch:
        return schedule
    chain = _driving_chain(schedule, submission)
    candidates = [plan.task_index()[task_id] for task_id in chain if task_id in before]
    candidates = [task for task in candidates if task.duration > 0 and not task.is_summary]
    if not candidates:
        return schedule
    longest = max(candidates, key=lambda task: (task.duration, task.id))
    longest.duration += slack
    return scheduler(plan)


def _predecessors_of(plan: Plan, task_id: str) -> set[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from((link.predecessor, link.successor) for link in plan.links)
    if task_id not in graph:
        return set()
    return set(nx.ancestors(graph, task_id))


def _driving_chain(schedule: Schedule, task_id: str) -> list[str]:
    by_id = schedule.by_id()
    chain: list[str] = []
    current: str | None = task_id
    while current is not None and current not in chain:
        chain.append(current)
        current = by_id[current].driving_predecessor if current in by_id else None
    return chain
