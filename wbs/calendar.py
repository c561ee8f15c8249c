"""Working calendars: which days and minutes are working time, and the index arithmetic on them.

A ``WorkCalendar`` maps moments to *working-time indices* and back. An index counts working
units (days for ``unit="day"``, minutes for ``unit="minute"``) from an internal epoch; callers
subtract the index of their project start to get offsets. Conversions are O(1) from a date to an
index and O(log n) (bisect) from an index to a date, over per-year lookup tables that are built
lazily for the years a plan actually touches.

Conventions
-----------
- ``index_at(moment)``: the number of working units strictly before ``moment``. A ``date`` means
  the start of that day (00:00). Every moment inside a non-working gap has the same index as
  the start of the next working period.
- ``start_at(i)``: the moment the working unit ``i`` begins. For day calendars the working date
  itself; for minute calendars a start at the end of a period moves to the start of the next one.
- ``finish_at(i)``: the moment working unit ``i - 1`` ends. For day calendars the last working
  date occupied (inclusive, as MS Project shows dates); for minute calendars a finish stays at
  the end of its period (17:00, not 08:00 the next day).

Holidays: ``holidays_country`` adds the statutory holidays of the ``holidays`` package and, where
the package knows them, the make-up working days (China's 调休, ``weekend_workdays``). Years the
package does not cover fall back to the weekly pattern plus the spec's own exceptions, and
``warnings`` says which years did so; nothing raises.

Example
-------
>>> from datetime import date
>>> calendar = WorkCalendar.named("standard")
>>> friday = calendar.index_at(date(2027, 1, 8))
>>> calendar.start_at(friday + 1)
datetime.date(2027, 1, 11)
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from wbs.plan import CalendarSpec, TimeUnit

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Intervals = tuple[tuple[int, int], ...]
FULL_DAY: Intervals = ((480, 720), (780, 1020))  # 08:00-12:00, 13:00-17:00
STANDARD_WEEK: dict[int, Intervals] = dict.fromkeys(range(5), FULL_DAY)
# Countries whose make-up working days are announced year by year: the data ends with the
# last announced year, even though the package computes holidays further ahead.
ANNUALLY_ANNOUNCED = frozenset({"CN"})


class CalendarError(ValueError):
    """A calendar name or specification that cannot be used."""


class _Year:
    """One calendar year: working units per day and their prefix sums."""

    __slots__ = ("first_ordinal", "intervals", "prefix", "start_count")

    def __init__(
        self,
        first_ordinal: int,
        intervals: list[Intervals],
        unit: TimeUnit,
        prefix: list[int] | None = None,
    ) -> None:
        self.first_ordinal = first_ordinal
        self.intervals = intervals
        self.prefix = prefix if prefix is not None else _prefix_sums(intervals, unit)
        self.start_count = 0

    @property
    def total(self) -> int:
        return self.prefix[-1]


def _prefix_sums(intervals: list[Intervals], unit: TimeUnit) -> list[int]:
    """Working units before each day of a year (and the year's total, last)."""
    prefix = [0]
    for day in intervals:
        units = (1 if day else 0) if unit == "day" else sum(end - start for start, end in day)
        prefix.append(prefix[-1] + units)
    return prefix


class WorkCalendar:
    """Working time of one calendar, in days or minutes.

    Parameters
    ----------
    weekly:
        Weekday (0 = Monday) to working intervals in minutes after midnight.
    unit:
        ``"day"`` or ``"minute"``.
    exceptions:
        Dates whose intervals replace the weekly pattern (``()`` = holiday).
    holidays_country:
        ISO country code for statutory holidays from the ``holidays`` package.
    """

    def __init__(
        self,
        weekly: dict[int, Intervals],
        unit: TimeUnit = "day",
        exceptions: dict[date, Intervals] | None = None,
        holidays_country: str | None = None,
        name: str = "",
    ) -> None:
        if unit not in ("day", "minute"):
            raise CalendarError(f"a calendar counts days or minutes, not {unit!r}")
        self.name = name
        self.unit: TimeUnit = unit
        self.weekly = {day: tuple(intervals) for day, intervals in weekly.items()}
        self.exceptions = dict(exceptions or {})
        self.holidays_country = holidays_country.upper() if holidays_country else None
        self.warnings: list[str] = []
        self._years: dict[int, _Year] = {}
        self._year_starts: list[int] = []  # start_count per year, ascending with the years
        self._year_keys: list[int] = []
        self._ordinal_table: npt.NDArray[np.int64] | None = None
        self._date_table: npt.NDArray[np.datetime64] | None = None
        self._working_dates: list[date] | None = None
        # year -> (working intervals per day, prefix sums, fell back to no holiday data);
        # shared with the calendars ``fresh`` makes from this one
        # per year: working intervals of each day, their prefix sums, and the fallback
        # warning of the year (None when the country's data covered it)
        self._tables: dict[int, tuple[list[Intervals], list[int], str | None]] = {}
        if not any(self.weekly.values()) and not any(self.exceptions.values()):
            raise CalendarError(f"calendar {name or '(unnamed)'} has no working time at all")

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_spec(
        cls,
        spec: CalendarSpec,
        unit: TimeUnit = "day",
        specs: dict[str, CalendarSpec] | None = None,
    ) -> WorkCalendar:
        """A calendar from plain data; ``specs`` resolves ``spec.base`` for derived calendars."""
        weekly: dict[int, Intervals] = {}
        exceptions: dict[date, Intervals] = {}
        country = spec.holidays_country
        chain = [spec]
        seen = {spec.name}
        while chain[-1].base and specs and chain[-1].base in specs:
            base = specs[chain[-1].base]
            if base.name in seen:
                break
            seen.add(base.name)
            chain.append(base)
        for layer in reversed(chain):  # base first, so the derived calendar overrides it
            weekly.update(layer.weekly)
            exceptions.update(layer.exceptions)
            country = layer.holidays_country or country
        if not weekly and spec.base:  # an unresolved base: MS Project's default week
            weekly = dict(STANDARD_WEEK)
        return cls(weekly, unit, exceptions, country, spec.name)

    @classmethod
    def named(cls, name: str | None, unit: TimeUnit = "day") -> WorkCalendar:
        """A built-in calendar: None or "standard" = Mon-Fri, 08:00-12:00 and 13:00-17:00;
        an ISO country code ("CN", "US", "DE", ...) = the same week plus that country's
        statutory holidays and make-up working days."""
        if name is None or name.lower() in ("standard", "default", ""):
            return cls(STANDARD_WEEK, unit, name="standard")
        if name.lower() in ("24h", "24x7", "continuous"):
            return cls(dict.fromkeys(range(7), ((0, 1440),)), unit, name=name)
        code = name.upper()
        if not _known_country(code):
            raise CalendarError(f"unknown calendar {name!r}: use 'standard' or a country code")
        return cls(STANDARD_WEEK, unit, holidays_country=code, name=code)

    # ------------------------------------------------------------------ year tables

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is not None:
            return found
        if not self._years:
            return self._add_year(year, 0)
        low, high = min(self._years), max(self._years)
        while year > high:
            previous = self._years[high]
            high += 1
            self._add_year(high, previous.start_count + previous.total)
        while year < low:
            low -= 1
            built = self._add_year(low, 0)
            built.start_count = self._years[low + 1].start_count - built.total
            self._reindex()
        return self._years[year]

    def fresh(self) -> WorkCalendar:
        """This calendar as if newly built: no years touched yet, so its ``warnings`` will
        name only the years the next computation touches; the year tables already built
        (holidays looked up, prefix sums) are shared, not rebuilt."""
        twin = WorkCalendar(
            self.weekly, self.unit, self.exceptions, self.holidays_country, self.name
        )
        twin._tables = self._tables
        return twin

    def _add_year(self, year: int, start_count: int) -> _Year:
        first = date(year, 1, 1)
        tables = self._tables.get(year)
        if tables is None:
            tables = self._tables[year] = self._year_tables(year)
        intervals, prefix, fallback_warning = tables
        if fallback_warning is not None:
            self.warnings.append(fallback_warning)
        built = _Year(first.toordinal(), intervals, self.unit, prefix)
        built.start_count = start_count
        self._years[year] = built
        self._reindex()
        return built

    def _year_tables(self, year: int) -> tuple[list[Intervals], list[int], str | None]:
        first = date(year, 1, 1)
        days = (date(year + 1, 1, 1) - first).days
        holidays, workdays, fallback_warning = self._holidays_of(year)
        intervals: list[Intervals] = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            if day in self.exceptions:
                intervals.append(self.exceptions[day])
            elif day in holidays:
                intervals.append(())
            elif day in workdays:
                intervals.append(self.weekly.get(0) or FULL_DAY)
            else:
                intervals.append(self.weekly.get(day.weekday(), ()))
        return intervals, _prefix_sums(intervals, self.unit), fallback_warning

    def _holidays_of(self, year: int) -> tuple[set[date], set[date], str | None]:
        """The year's holidays, make-up working days, and the warning when data is missing.

        For a country whose arrangement is announced year by year (China: the State Council
        publishes the bridging holidays and 调休 make-up working days each winter), a year past
        the last announced one keeps the statutory holidays the law fixes (13 days in China)
        and warns that the arrangement is still to come; a year the package does not know at
        all falls back to the weekly pattern.
        """
        if self._country_covers(year):
            holidays, workdays = self._country_days(year)
            return holidays, workdays, None
        code = self.holidays_country
        if (
            code in ANNUALLY_ANNOUNCED
            and _statutory_years(code)[0] <= year <= _statutory_years(code)[1]
        ):
            warning = (
                f"calendar {self.name}: the {year} {code} holiday arrangement (bridging days, "
                "make-up working days) is not published yet; using the statutory holidays only "
                "— add the arrangement to the calendar's exceptions once it is announced"
            )
            return _statutory_days(code, year), set(), warning
        warning = (
            f"calendar {self.name}: no {code} holiday data for {year}; "
            "using weekends and the calendar's own exceptions only"
        )
        return set(), set(), warning

    def _country_covers(self, year: int) -> bool:
        """Whether the holidays package has this calendar's country for ``year`` (True
        when the calendar has no country: nothing to fall back from)."""
        if self.holidays_country is None:
            return True
        first, last = _covered_years(self.holidays_country)
        return first <= year <= last

    def _reindex(self) -> None:
        self._ordinal_table = None
        self._date_table = None
        self._working_dates = None
        self._year_keys = sorted(self._years)
        self._year_starts = [self._years[year].start_count for year in self._year_keys]

    def _country_days(self, year: int) -> tuple[set[date], set[date]]:
        if self.holidays_country is None:
            return set(), set()
        import holidays

        country = holidays.country_holidays(self.holidays_country, years=year)
        workdays = set(getattr(country, "weekend_workdays", ()) or ())
        return set(country), {day for day in workdays if day.year == year}

    def years_without_holiday_data(self) -> list[int]:
        """Years touched so far without the country's full data (statutory holidays only, or
        weekends and exceptions only)."""
        if self.holidays_country is None:
            return []
        first, last = _covered_years(self.holidays_country)
        return [year for year in self._year_keys if not first <= year <= last]

    # ------------------------------------------------------------------ queries

    def intervals_on(self, day: date) -> Intervals:
        """The working intervals of ``day`` (``()`` when it is not a working day)."""
        year = self._year(day.year)
        return year.intervals[day.toordinal() - year.first_ordinal]

    def is_working_day(self, day: date) -> bool:
        return bool(self.intervals_on(day))

    def index_at(self, moment: date | datetime) -> int:
        """Working units strictly before ``moment`` (a date means its 00:00)."""
        if isinstance(moment, datetime):
            day, minute = moment.date(), moment.hour * 60 + moment.minute
            if moment.second or moment.microsecond:
                minute += 1
        else:
            day, minute = moment, 0
        year = self._year(day.year)
        position = day.toordinal() - year.first_ordinal
        count = year.start_count + year.prefix[position]
        if minute == 0:
            return count
        intervals = year.intervals[position]
        if self.unit == "day":
            return count + (1 if intervals else 0)
        return count + sum(max(0, min(end, minute) - start) for start, end in intervals)

    def _locate(self, count: int, finish: bool) -> tuple[date, int]:
        """The day holding working unit ``count`` (or ``count - 1`` when ``finish``) and the
        offset of that unit inside the day."""
        target = count - 1 if finish else count
        self._cover(target)
        slot = bisect_right(self._year_starts, target) - 1
        year = self._years[self._year_keys[slot]]
        rest = target - year.start_count
        position = bisect_right(year.prefix, rest) - 1
        return date.fromordinal(year.first_ordinal + position), rest - year.prefix[position]

    def _cover(self, count: int) -> None:
        if not self._years:
            self._year(2000)
        while count < self._year_starts[0]:
            self._year(self._year_keys[0] - 1)
        while count >= self._year_starts[-1] + self._years[self._year_keys[-1]].total:
            self._year(self._year_keys[-1] + 1)

    def start_at(self, index: int) -> date | datetime:
        """The moment working unit ``index`` starts (a date for day calendars)."""
        day, offset = self._locate(index, finish=False)
        if self.unit == "day":
            return day
        return _clock(day, self.intervals_on(day), offset, finish=False)

    def finish_at(self, index: int) -> date | datetime:
        """The moment working unit ``index - 1`` ends (for days: that unit's date)."""
        day, offset = self._locate(index, finish=True)
        if self.unit == "day":
            return day
        return _clock(day, self.intervals_on(day), offset, finish=True)

    def start_moment(self, index: int) -> datetime:
        """``start_at`` as a datetime for both units (a working day starts at its 00:00)."""
        moment = self.start_at(index)
        return moment if isinstance(moment, datetime) else datetime.combine(moment, time())

    def finish_moment(self, index: int) -> datetime:
        """``finish_at`` as a datetime for both units (a working day ends at the next 00:00)."""
        moment = self.finish_at(index)
        if isinstance(moment, datetime):
            return moment
        return datetime.combine(moment + timedelta(days=1), time())

    def add(self, moment: date | datetime, units: int) -> date | datetime:
        """The start of the working unit ``units`` after ``moment``."""
        return self.start_at(self.index_at(moment) + units)

    def count(self, first: date | datetime, last: date | datetime) -> int:
        """Working units from ``first`` (inclusive) to ``last`` (exclusive)."""
        return self.index_at(last) - self.index_at(first)

    # ------------------------------------------------------------------ vectorised

    def working_dates(self, first_index: int, last_index: int) -> list[date]:
        """The dates of working units ``first_index..last_index`` (day unit), without NumPy:
        ``dates_of`` for a range, as plain dates."""
        if self.unit != "day":
            raise CalendarError("working_dates is for day calendars")
        self._cover(first_index)
        self._cover(last_index)
        if self._working_dates is None:
            dates: list[date] = []
            for key in self._year_keys:
                year = self._years[key]
                first = date(key, 1, 1)
                dates.extend(
                    first + timedelta(days=position)
                    for position, day in enumerate(year.intervals)
                    if day
                )
            self._working_dates = dates
        base = self._year_starts[0]
        return self._working_dates[first_index - base : last_index - base + 1]

    def working_day_ordinals(self, first_index: int, last_index: int) -> npt.NDArray[np.int64]:
        """Ordinals of the working days holding units ``first_index..last_index`` (day unit)."""
        import numpy as np

        if self.unit != "day":
            raise CalendarError("working_day_ordinals is for day calendars")
        self._cover(first_index)
        self._cover(last_index)
        if self._ordinal_table is None:
            ordinals: list[int] = []
            for key in self._year_keys:
                year = self._years[key]
                first = year.first_ordinal
                ordinals.extend(
                    first + position for position, day in enumerate(year.intervals) if day
                )
            self._ordinal_table = np.asarray(ordinals, dtype=np.int64)
        base = self._year_starts[0]
        return self._ordinal_table[first_index - base : last_index - base + 1]

    def dates_of(
        self, indices: npt.NDArray[np.int64], *, finish: bool = False
    ) -> npt.NDArray[np.datetime64]:
        """Vectorised ``start_at`` / ``finish_at`` for day calendars, as ``datetime64[D]``."""
        import numpy as np

        if indices.size == 0:
            return np.empty(0, dtype="datetime64[D]")
        shift = 1 if finish else 0
        self.working_day_ordinals(int(indices.min()) - shift, int(indices.max()) - shift)
        if self._date_table is None:  # the ordinal table as dates, cached with it
            assert self._ordinal_table is not None
            epoch = date(1970, 1, 1).toordinal()
            self._date_table = (self._ordinal_table - epoch).astype("datetime64[D]")
        return self._date_table[indices - (self._year_starts[0] + shift)]


def _clock(day: date, intervals: Intervals, offset: int, *, finish: bool) -> datetime:
    """The moment ``offset`` working minutes into ``day`` (end of that minute if ``finish``)."""
    passed = 0
    for start, end in intervals:
        length = end - start
        if finish and offset < passed + length:
            return datetime.combine(day, time()) + timedelta(minutes=start + offset - passed + 1)
        if not finish and offset < passed + length:
            return datetime.combine(day, time()) + timedelta(minutes=start + offset - passed)
        passed += length
    raise AssertionError("offset beyond the day's working time")  # pragma: no cover


def _known_country(code: str) -> bool:
    """Whether the ``holidays`` package has ``code``; loads only that country's module."""
    first, last = _covered_years(code)
    return first <= last


_COVERAGE: dict[str, tuple[int, int]] = {}


def _covered_years(code: str) -> tuple[int, int]:
    """First and last year the ``holidays`` package has data for ``code``."""
    if code in _COVERAGE:
        return _COVERAGE[code]
    import holidays

    try:
        country: Any = holidays.country_holidays(code)
    except NotImplementedError:
        _COVERAGE[code] = (1, 0)
        return _COVERAGE[code]
    first, last = int(country.start_year), int(country.end_year)
    if code in ANNUALLY_ANNOUNCED:
        announced = getattr(country, "special_public_holidays", None) or {}
        if announced:
            last = min(last, max(int(year) for year in announced))
    _COVERAGE[code] = (first, last)
    return first, last


@cache
def _statutory_years(code: str) -> tuple[int, int]:
    """The years the ``holidays`` package computes ``code``'s holidays by rule."""
    import holidays

    country: Any = holidays.country_holidays(code)
    return int(country.start_year), int(country.end_year)


def _statutory_days(code: str, year: int) -> set[date]:
    """The holidays the law fixes, without the package's guesses at bridging days (the
    entries it marks "observed", which only the annual announcement settles)."""
    import holidays

    country = holidays.country_holidays(code, years=year, language="en_US")
    return {
        day
        for day, names in country.items()
        if not all("observed" in name.lower() for name in names.split("; "))
    }


def union_warnings(calendars: Iterable[WorkCalendar]) -> list[str]:
    """The calendars' fallback warnings, each once, in order."""
    seen: dict[str, None] = {}
    for calendar in calendars:
        for warning in calendar.warnings:
            seen.setdefault(warning, None)
    return list(seen)


__all__ = ["CalendarError", "WorkCalendar", "union_warnings"]
