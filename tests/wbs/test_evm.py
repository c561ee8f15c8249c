"""Earned value management: a published worked example, hand-computed cases, identities."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wbs.evm import (
    DatedCost,
    EacMethod,
    EvElement,
    EvTechnique,
    ProgressPoint,
    WeightedMilestone,
    earned_value,
    evm,
    planned_value,
    time_phased,
)

D = Decimal
MONDAY = date(2027, 1, 4)


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def fence() -> list[EvElement]:
    """The four-sided fence of the published example (see ``test_published_fence_example``)."""
    return [
        EvElement(
            "side-1", D(1000), day(0), day(0), percent_complete=D(100),
            actual_costs=(DatedCost(day(0), D(1000)),),
        ),
        EvElement(
            "side-2", D(1000), day(1), day(1), percent_complete=D(100),
            actual_costs=(DatedCost(day(1), D(1200)),),
        ),
        EvElement(
            "side-3", D(1000), day(2), day(2), percent_complete=D(50),
            actual_costs=(DatedCost(day(2), D(600)),),
        ),
        EvElement("side-4", D(1000), day(3), day(3)),
    ]  # fmt: skip


def test_published_fence_example() -> None:
    """R. Mulcahy, *PMP Exam Prep*, p. 210, "Earned Value Exercise" (reproduced at
    https://studylib.net/doc/5898152/earned-value-exercise).

    A fence of four sides, one side a day, $1,000 per side, built one after the other. Status at
    the end of day 3: side 1 complete ($1,000 spent), side 2 complete ($1,200 spent), side 3 50 %
    done ($600 spent), side 4 not started. Published answers: PV 3,000; EV 2,500; AC 2,800;
    BAC 4,000; CV -300; CPI .893; SV -500; SPI .833; EAC (BAC/CPI) 4,479; ETC 1,679; VAC -479.
    The source divides by the CPI already rounded to .893 (4,000 / .893 = 4,479.28); with the
    exact CPI = 2,500/2,800 the figures are EAC 4,480, ETC 1,680, VAC -480, which we check too.
    """
    figures = evm(fence(), day(2), eac_method=EacMethod.BAC_OVER_CPI)
    assert figures.pv == D(3000)
    assert figures.ev == D(2500)
    assert figures.ac == D(2800)
    assert figures.bac == D(4000)
    assert figures.cv == D(-300)
    assert figures.sv == D(-500)
    assert figures.cpi is not None and round(figures.cpi, 3) == D("0.893")
    assert figures.spi is not None and round(figures.spi, 3) == D("0.833")
    assert figures.eac is not None and figures.etc is not None and figures.vac is not None
    # published, computed from the rounded CPI and shown in whole dollars
    assert abs(figures.eac - D(4000) / D("0.893")) <= 1
    assert abs(figures.etc - D(1679)) <= 1
    assert abs(figures.vac - D(-479)) <= 1
    # exact (hand-computed: 4,000 x 2,800 / 2,500)
    assert figures.eac == D("4480.00")
    assert figures.etc == D("1680.00")
    assert figures.vac == D("-480.00")


def test_fence_other_eac_formulas_and_tcpi() -> None:
    """Hand-computed from the fence numbers: BAC 4,000, EV 2,500, AC 2,800, CPI 25/28, SPI 5/6.

    AC+(BAC-EV) = 2,800 + 1,500 = 4,300. AC+(BAC-EV)/(CPI*SPI) = 2,800 + 1,500 x 168/125
    = 4,816. TCPI to BAC = 1,500 / 1,200 = 1.25; to EAC (BAC/CPI) = 1,500 / 1,680 = 0.892857...
    """
    figures = evm(fence(), day(2))
    assert figures.eac_by_method[EacMethod.AC_PLUS_REMAINING_BUDGET] == D("4300.00")
    assert figures.eac_by_method[EacMethod.AC_PLUS_REMAINING_OVER_CPI_SPI] == D("4816.00")
    assert figures.eac_by_method[EacMethod.AC_PLUS_BOTTOM_UP_ETC] is None
    assert figures.tcpi_bac == D("1.25")
    assert figures.tcpi_eac is not None and round(figures.tcpi_eac, 6) == D("0.892857")


def test_fence_earned_schedule() -> None:
    """Lipke's earned schedule, ES = C + (EV - PV_C) / (PV_{C+1} - PV_C), by hand on the fence:
    cumulative PV per day 1,000 / 2,000 / 3,000 / 4,000; EV 2,500 -> C = 2,
    ES = 2 + 500/1,000 = 2.5 days; AT = 3; SPI(t) = 2.5/3 = 0.8333; SV(t) = -0.5 day."""
    figures = evm(fence(), day(2))
    assert figures.earned_schedule_days == D("2.5")
    assert figures.actual_time_days == 3
    assert figures.spi_t is not None and round(figures.spi_t, 4) == D("0.8333")
    assert figures.sv_t_days == D("-0.5")


def test_bottom_up_etc() -> None:
    """The tutorialspoint EVM example (https://www.tutorialspoint.com/earn_value_management/
    evm_example.htm): one task baselined at 8 h x $100 = $800, 11 h spent ($1,100), 1 h to go:
    EAC = AC + ETC = $1,200 and VAC = -$400."""
    task = EvElement(
        "t", D(800), day(0), day(0), percent_complete=D(90),
        actual_costs=(DatedCost(day(0), D(1100)),), estimate_to_complete=D(100),
    )  # fmt: skip
    figures = evm([task], day(0), eac_method=EacMethod.AC_PLUS_BOTTOM_UP_ETC)
    assert figures.eac == D("1200.00")
    assert figures.vac == D("-400.00")
    assert figures.etc == D("100.00")


def test_linear_spread_over_working_days() -> None:
    """$1,200 over Mon..Fri of one week and Mon of the next (6 working days, weekend skipped):
    $200 a day, so $600 by Wednesday, nothing added on the weekend, all by the last Monday."""
    element = EvElement("e", D(1200), day(0), day(7))
    assert planned_value(element, day(-1)) == 0
    assert planned_value(element, day(2)) == D("600.00")
    assert planned_value(element, day(5)) == planned_value(element, day(4)) == D(1000)
    assert planned_value(element, day(7)) == D(1200)


def test_spread_is_cent_exact() -> None:
    """$1,000 over 6 days is 166.666...: by Wednesday three days, 500.00 or 500.01 depending
    on where the largest remainder puts the 4 spare cents, and exactly 1,000 at the end."""
    element = EvElement("e", D(1000), day(0), day(7))
    assert D("500.00") <= planned_value(element, day(2)) <= D("500.01")
    assert planned_value(element, day(7)) == D(1000)


def test_milestone_plans_on_its_date() -> None:
    milestone = EvElement("m", D(300), day(5), day(5))  # a Saturday: no working day
    assert planned_value(milestone, day(4)) == 0
    assert planned_value(milestone, day(5)) == D(300)


@pytest.mark.parametrize(
    ("technique", "percent", "started", "expected"),
    [
        (EvTechnique.PERCENT_COMPLETE, D(40), True, D(400)),
        (EvTechnique.ZERO_HUNDRED, D(99), True, D(0)),
        (EvTechnique.ZERO_HUNDRED, D(100), True, D(1000)),
        (EvTechnique.FIFTY_FIFTY, D(0), False, D(0)),
        (EvTechnique.FIFTY_FIFTY, D(0), True, D(500)),
        (EvTechnique.FIFTY_FIFTY, D(10), False, D(500)),
        (EvTechnique.FIFTY_FIFTY, D(100), True, D(1000)),
    ],
)
def test_ev_techniques(
    technique: EvTechnique, percent: Decimal, started: bool, expected: Decimal
) -> None:
    element = EvElement(
        "e", D(1000), day(0), day(4), technique=technique, percent_complete=percent,
        actual_start=day(0) if started else None,
    )  # fmt: skip
    assert earned_value(element, day(2), day(2)) == expected


def test_weighted_milestones() -> None:
    """Weights 1, 2 and 3 of $600: the first two achieved earn (1 + 2) / 6 x 600 = 300."""
    element = EvElement(
        "e", D(600), day(0), day(9), technique=EvTechnique.WEIGHTED_MILESTONES,
        milestones=(
            WeightedMilestone("kick-off", D(1), day(0)),
            WeightedMilestone("draft", D(2), day(3)),
            WeightedMilestone("final", D(3)),
        ),
    )  # fmt: skip
    assert earned_value(element, day(2), day(7)) == D(100)
    assert earned_value(element, day(7), day(7)) == D(300)
    with pytest.raises(ValueError, match="positive total weight"):
        earned_value(
            EvElement("x", D(1), day(0), day(0), technique=EvTechnique.WEIGHTED_MILESTONES),
            day(0),
            day(0),
        )


def test_undefined_indices_are_none() -> None:
    figures = evm([EvElement("e", D(1000), day(7), day(9))], day(0))
    assert figures.pv == 0 and figures.ac == 0
    assert figures.spi is None and figures.cpi is None
    assert figures.eac_by_method[EacMethod.BAC_OVER_CPI] is None
    assert figures.eac is None and figures.etc is None and figures.vac is None


def test_time_phased_series() -> None:
    """The fence as a weekly S-curve: Sunday 2027-01-10 has PV 4,000; the status date (day 3,
    Wednesday) carries EV 2,500 and AC 2,800; the week end after it has no EV/AC."""
    series = time_phased(fence(), day(2))
    assert [point.on for point in series] == [day(2), day(6)]
    status, week_end = series
    assert (status.pv, status.ev, status.ac) == (D(3000), D(2500), D(2800))
    assert (week_end.pv, week_end.ev, week_end.ac) == (D(4000), None, None)


def test_time_phased_uses_progress_history() -> None:
    """EV at past week ends comes from the progress reported by then."""
    element = EvElement(
        "e", D(1000), day(0), day(18), percent_complete=D(80),
        progress=(ProgressPoint(day(4), D(20)), ProgressPoint(day(11), D(50))),
        actual_costs=(DatedCost(day(3), D(150)), DatedCost(day(10), D(400))),
    )  # fmt: skip
    series = time_phased([element], day(16))
    evs = [(point.on, point.ev, point.ac) for point in series if point.ev is not None]
    assert evs == [
        (day(6), D(200), D(150)),
        (day(13), D(500), D(550)),
        (day(16), D(800), D(550)),
    ]


money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def projects(draw: st.DrawFn) -> tuple[list[EvElement], date]:
    count = draw(st.integers(min_value=1, max_value=6))
    elements = []
    for index in range(count):
        start = draw(st.integers(min_value=0, max_value=30))
        length = draw(st.integers(min_value=0, max_value=20))
        cost_day = draw(st.integers(min_value=0, max_value=60))
        elements.append(
            EvElement(
                f"e{index}",
                draw(money),
                day(start),
                day(start + length),
                technique=draw(st.sampled_from(list(EvTechnique)[:3])),
                percent_complete=Decimal(draw(st.integers(min_value=0, max_value=100))),
                actual_start=day(start) if draw(st.booleans()) else None,
                actual_costs=(DatedCost(day(cost_day), draw(money)),),
            )
        )
    return elements, day(draw(st.integers(min_value=0, max_value=60)))


@settings(max_examples=60, deadline=None)
@given(projects())
def test_identities(project: tuple[list[EvElement], date]) -> None:
    elements, status_date = project
    figures = evm(elements, status_date)
    assert figures.ev <= figures.bac
    assert figures.sv == figures.ev - figures.pv
    assert figures.cv == figures.ev - figures.ac
    if figures.ac:
        assert figures.cpi == figures.ev / figures.ac
    if figures.pv:
        assert figures.spi == figures.ev / figures.pv
    if figures.cpi:
        assert figures.eac is not None and abs(figures.eac - figures.bac / figures.cpi) <= D(
            "0.005"
        )
        assert figures.etc == figures.eac - figures.ac
        assert figures.vac == figures.bac - figures.eac
    assert figures.eac_by_method[EacMethod.AC_PLUS_REMAINING_BUDGET] == (
        figures.ac + figures.bac - figures.ev
    )


@settings(max_examples=60, deadline=None)
@given(projects())
def test_pv_at_completion_is_bac(project: tuple[list[EvElement], date]) -> None:
    elements, _ = project
    finish = max(element.planned_finish for element in elements)
    figures = evm(elements, finish)
    assert figures.pv == figures.bac
    series = time_phased(elements, finish)
    assert series[-1].pv == figures.bac
    pvs = [point.pv for point in series]
    assert pvs == sorted(pvs)


@settings(max_examples=60, deadline=None)
@given(projects())
def test_earned_schedule_matches_its_definition(project: tuple[list[EvElement], date]) -> None:
    """ES = C + (EV - PV_C) / (PV_{C+1} - PV_C), recomputed here day by day from
    ``planned_value`` over the working days from the first planned start."""
    elements, status_date = project
    figures = evm(elements, status_date)
    first = min(element.planned_start for element in elements)
    last = max(max(element.planned_finish for element in elements), status_date)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    cumulative = [D(0)] + [sum((planned_value(e, d) for e in elements), D(0)) for d in days]
    done = max(k for k, value in enumerate(cumulative) if value <= figures.ev)
    if done == len(days):
        expected = D(done)
    else:
        step = cumulative[done + 1] - cumulative[done]
        expected = done + (figures.ev - cumulative[done]) / step
    assert figures.earned_schedule_days == expected
    assert figures.actual_time_days == len([d for d in days if d <= status_date])


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[EvElement], date]:
    elements, status_date = draw(projects())
    with_history = []
    for element in elements:
        reports = draw(
            st.lists(
                st.builds(
                    ProgressPoint,
                    st.integers(min_value=0, max_value=60).map(day),
                    st.integers(min_value=0, max_value=100).map(Decimal),
                ),
                max_size=3,
            )
        )
        finish = draw(st.none() | st.integers(min_value=0, max_value=60).map(day))
        with_history.append(replace(element, progress=tuple(reports), actual_finish=finish))
    return with_history, status_date


@settings(max_examples=60, deadline=None)
@given(histories())
def test_series_matches_point_by_point_definitions(project: tuple[list[EvElement], date]) -> None:
    elements, status_date = project
    for point in time_phased(elements, status_date):
        assert point.pv == sum((planned_value(e, point.on) for e in elements), D(0))
        if point.on > status_date:
            assert point.ev is None and point.ac is None
            continue
        assert point.ev == sum((earned_value(e, point.on, status_date) for e in elements), D(0))
        assert point.ac == sum(
            (c.amount for e in elements for c in e.actual_costs if c.on <= point.on), D(0)
        )
