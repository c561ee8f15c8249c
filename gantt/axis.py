"""Plan times on a Plotly axis.

Day plans have *inclusive* finish dates (a one-day task starts and finishes on the same date), so
a bar ends at the start of the day after its finish. Minute plans use naive local date-times with
exclusive finishes; period plans (PSPLIB) use integer periods with exclusive finishes and a
linear axis.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from wbs.plan import PlanTime

MS_PER_DAY = 86_400_000
AxisValue = str | int


def is_period(value: PlanTime) -> bool:
    return isinstance(value, int)


def axis_type(sample: PlanTime | None) -> str:
    """The Plotly axis type for plan times like ``sample``: "date" or "linear"."""
    return "linear" if sample is not None and is_period(sample) else "date"


def axis_value(value: PlanTime) -> AxisValue:
    """Compact axis value: ``2027-01-04``, ``2027-01-04 08:00`` or a period number."""
    if isinstance(value, datetime):
        if value.second or value.microsecond:
            return value.isoformat(sep=" ")
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


def bar_end(finish: PlanTime) -> PlanTime:
    """Where a bar that finishes at ``finish`` ends on the axis (exclusive)."""
    if isinstance(finish, datetime) or not isinstance(finish, date):
        return finish
    return finish + timedelta(days=1)


def span_length(start: PlanTime, end: PlanTime) -> int:
    """The length from ``start`` to ``end`` in axis units (milliseconds for dates)."""
    if isinstance(start, int) and isinstance(end, int):
        return end - start
    if isinstance(start, datetime) and isinstance(end, datetime):
        return round((end - start).total_seconds() * 1000)
    if isinstance(start, date) and isinstance(end, date):
        start_day = start.date() if isinstance(start, datetime) else start
        end_day = end.date() if isinstance(end, datetime) else end
        return (end_day - start_day).days * MS_PER_DAY
    raise TypeError(f"cannot measure from {start!r} to {end!r}")


def bar_span(start: PlanTime, finish: PlanTime, *, milestone: bool) -> tuple[AxisValue, int]:
    """A horizontal bar's ``base`` and length for a task from ``start`` to ``finish``."""
    if milestone:
        return axis_value(start), 0
    return axis_value(start), max(0, span_length(start, bar_end(finish)))


def later(first: PlanTime, second: PlanTime) -> PlanTime:
    return second if _key(second) > _key(first) else first


def earlier(first: PlanTime, second: PlanTime) -> PlanTime:
    return second if _key(second) < _key(first) else first


def _key(value: PlanTime) -> tuple[int, float]:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return (1, value.timestamp())
        return (1, (value - datetime(1970, 1, 1)).total_seconds())
    if isinstance(value, date):
        return (1, float((value - date(1970, 1, 1)).days * 86_400))
    return (0, float(value))


def padded_range(times: list[PlanTime]) -> list[AxisValue] | None:
    """An explicit axis range around ``times`` with a small margin (None when empty).

    Pages draw only the rows in view, so the time axis must not autorange on what is drawn.
    """
    if not times:
        return None
    first, last = times[0], times[0]
    for value in times[1:]:
        first, last = earlier(first, value), later(last, value)
    if isinstance(first, int) and isinstance(last, int):
        return [first - 1, last + 1]
    if isinstance(first, date) and isinstance(last, date):
        span = _key(last)[1] - _key(first)[1]
        margin = timedelta(seconds=max(86_400.0, span * 0.03))
        low, high = first - margin, last + margin
        if not isinstance(first, datetime):
            low = first - timedelta(days=margin.days or 1)
        if not isinstance(last, datetime):
            high = last + timedelta(days=margin.days or 1)
        return [axis_value(low), axis_value(high)]
    return None
