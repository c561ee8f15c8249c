"""PSPLIB single-mode RCPSP files (``.sm``) and Patterson / RanGen files (``.rcp``).

Both become a period plan (``unit="period"``, start 0): one task per job, ``id`` = the job
number as a string, finish-to-start links with lag 0, one resource per renewable resource
(``"R1"``, ``"R2"``, ...) with its constant capacity, and each task's non-zero demands in
``task.resources``. The ``.sm`` header values (``horizon``, ``MPM-Time``, release and due
dates) are kept in ``plan.extra``.

Example
-------
>>> plan = read_psplib("j301_1.sm")  # doctest: +SKIP
>>> plan.extra["mpm_time"], len(plan.tasks)  # doctest: +SKIP
(38, 32)
"""

from __future__ import annotations

from pathlib import Path

from wbs.formats.errors import FormatError
from wbs.plan import Link, Plan, Resource, Task

_SEPARATOR = "*" * 10


def _load_text(path_or_text: str | Path | bytes) -> tuple[str, str]:
    """Return ``(text, name)``: a path is read, anything with a newline is the text itself."""
    if isinstance(path_or_text, bytes):
        return path_or_text.decode("latin-1"), "psplib"
    if isinstance(path_or_text, str) and "\n" in path_or_text:
        return path_or_text, "psplib"
    path = Path(path_or_text)
    try:
        return path.read_text(encoding="latin-1"), path.stem
    except OSError as error:
        raise FormatError(f"{path}: cannot read: {error.strerror or error}") from error


def read_psplib(path_or_text: str | Path | bytes, name: str | None = None) -> Plan:
    """Read a PSPLIB ``.sm`` or Patterson ``.rcp`` file into a period plan.

    Parameters
    ----------
    path_or_text:
        A file path, or the file's content (``bytes``, or a ``str`` holding newlines).
    name:
        The plan name; defaults to the file stem.

    Raises
    ------
    FormatError
        When the content is neither format or is inconsistent (names the section).
    """
    text, default_name = _load_text(path_or_text)
    plan_name = name or default_name
    if "PRECEDENCE RELATIONS" in text:
        return _read_sm(text, plan_name)
    return _read_rcp(text, plan_name)


def _int(word: str, where: str) -> int:
    try:
        return int(word)
    except ValueError:
        raise FormatError(f"PSPLIB {where}: expected an integer, found {word!r}") from None


def _header_value(line: str) -> str:
    return line.split(":", 1)[1].strip() if ":" in line else ""


def _sections(text: str) -> dict[str, list[str]]:
    """Split an ``.sm`` file into its titled sections (title -> the lines that follow)."""
    sections: dict[str, list[str]] = {"HEADER": []}
    current = "HEADER"
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(_SEPARATOR):
            continue
        title = line.rstrip(":").strip().upper()
        if title in {
            "PROJECT INFORMATION",
            "PRECEDENCE RELATIONS",
            "REQUESTS/DURATIONS",
            "RESOURCEAVAILABILITIES",
            "RESOURCE AVAILABILITIES",
            "RESOURCES",
        }:
            current = title.replace("RESOURCE AVAILABILITIES", "RESOURCEAVAILABILITIES")
            sections[current] = []
            continue
        sections[current].append(line)
    return sections


def _read_sm(text: str, name: str) -> Plan:
    sections = _sections(text)
    extra: dict[str, object] = {"format": "psplib-sm"}
    for line in sections["HEADER"]:
        key = line.split(":", 1)[0].strip().lower()
        if key.startswith("horizon"):
            extra["horizon"] = _int(_header_value(line), "horizon")
        elif key.startswith("file with basedata"):
            extra["basedata"] = _header_value(line)
    renewable = 0
    for line in sections.get("RESOURCES", []):
        if "renewable" in line and "non" not in line:
            renewable = _int(_header_value(line).split()[0], "renewable resources")
    info = sections.get("PROJECT INFORMATION", [])
    if len(info) >= 2:
        values = info[1].split()
        if len(values) >= 6:
            extra["release_date"] = _int(values[2], "rel.date")
            extra["due_date"] = _int(values[3], "duedate")
            extra["tardiness_cost"] = _int(values[4], "tardcost")
            extra["mpm_time"] = _int(values[5], "MPM-Time")

    precedence = sections.get("PRECEDENCE RELATIONS")
    requests = sections.get("REQUESTS/DURATIONS")
    availability = sections.get("RESOURCEAVAILABILITIES")
    if not precedence or not requests or not availability:
        raise FormatError("PSPLIB .sm: missing PRECEDENCE, REQUESTS/DURATIONS or AVAILABILITIES")

    capacities = [_int(word, "resource availability") for word in availability[-1].split()]
    resource_count = renewable or len(capacities)
    resource_ids = [f"R{number}" for number in range(1, resource_count + 1)]

    tasks: list[Task] = []
    for line in requests:
        words = line.split()
        if not words or not words[0].isdigit():
            continue  # the column titles and the dashed rule
        if len(words) < 3 + resource_count:
            raise FormatError(f"PSPLIB REQUESTS/DURATIONS: short line {line!r}")
        job = words[0]
        try:
            numbers = [int(word) for word in words[2 : 3 + resource_count]]
        except ValueError:
            raise FormatError(f"PSPLIB REQUESTS/DURATIONS: job {job}: not a number") from None
        usage = {
            rid: amount for rid, amount in zip(resource_ids, numbers[1:], strict=True) if amount
        }
        tasks.append(Task(id=job, name=f"job {job}", duration=numbers[0], resources=usage))

    links: list[Link] = []
    for line in precedence:
        words = line.split()
        if not words or not words[0].isdigit():
            continue
        count = _int(words[2], f"job {words[0]} #successors")
        if len(words) != 3 + count:
            raise FormatError(
                f"PSPLIB PRECEDENCE RELATIONS: job {words[0]} lists {count} successors"
            )
        job = words[0]
        links += [Link(job, successor) for successor in words[3:]]

    resources = [
        Resource(id=resource_id, name=resource_id, capacity=capacity)
        for resource_id, capacity in zip(resource_ids, capacities[:resource_count], strict=True)
    ]
    return _checked(Plan(name, 0, tasks, links, resources, unit="period", extra=extra))


def _read_rcp(text: str, name: str) -> Plan:
    words = text.split()
    if len(words) < 2:
        raise FormatError("neither a PSPLIB .sm nor a .rcp file (too short)")
    position = 0

    def take() -> int:
        nonlocal position
        if position >= len(words):
            raise FormatError(".rcp: the file ends early")
        value = _int(words[position], f".rcp word {position + 1}")
        position += 1
        return value

    activity_count, resource_count = take(), take()
    if activity_count <= 0 or resource_count < 0:
        raise FormatError(".rcp: bad header counts")
    resource_ids = [f"R{number}" for number in range(1, resource_count + 1)]
    resources = [Resource(id=rid, name=rid, capacity=take()) for rid in resource_ids]
    tasks: list[Task] = []
    links: list[Link] = []
    for number in range(1, activity_count + 1):
        job = str(number)
        duration = take()
        usage = {rid: amount for rid in resource_ids if (amount := take())}
        successor_count = take()
        for _ in range(successor_count):
            links.append(Link(predecessor=job, successor=str(take())))
        tasks.append(Task(id=job, name=f"job {job}", duration=duration, resources=usage))
    if position != len(words):
        raise FormatError(".rcp: unexpected data after the last activity")
    extra: dict[str, object] = {
        "format": "rcp",
        "horizon": sum(task.duration for task in tasks),
    }
    return _checked(Plan(name, 0, tasks, links, resources, unit="period", extra=extra))


def _checked(plan: Plan) -> Plan:
    known = {task.id for task in plan.tasks}
    if len(known) != len(plan.tasks):
        raise FormatError("PSPLIB: duplicate job numbers")
    for link in plan.links:
        if link.successor not in known:
            raise FormatError(
                f"PSPLIB: job {link.predecessor} names unknown successor {link.successor}"
            )
    if any(task.duration < 0 for task in plan.tasks):
        raise FormatError("PSPLIB: negative duration")
    return plan
