"""Plan files in and out: MS Project XML (MSPDI), PSPLIB, kampmo's JSON plan, CSV and XLSX.

``read_plan`` picks the reader from the file name or, failing that, from the content. Readers
are imported lazily so that ``kampmo schedule`` loads only the one it needs.
"""

from __future__ import annotations

from pathlib import Path

from wbs.formats.errors import FormatError
from wbs.plan import Plan

__all__ = ["FormatError", "read_plan"]


def _sniff(content: bytes) -> str:
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "mspdi"
    if head.startswith(b"{"):
        return "json"
    if b"PRECEDENCE RELATIONS" in content[:8192] or head[:1].isdigit():
        return "psplib"
    raise FormatError("unknown plan format: expected MSPDI XML, PSPLIB .sm/.rcp or JSON")


_EXTENSIONS = {".xml": "mspdi", ".sm": "psplib", ".rcp": "psplib", ".json": "json"}


def read_plan(path_or_bytes: str | Path | bytes, filename: str | None = None) -> Plan:
    """Read any supported plan file.

    Parameters
    ----------
    path_or_bytes:
        A file path, or the file's bytes (an upload).
    filename:
        The original file name for bytes (its extension picks the reader).

    Raises
    ------
    FormatError
        When the file cannot be read or is not a valid plan; the message says why.
    """
    if isinstance(path_or_bytes, bytes):
        content = path_or_bytes
        name = filename or ""
    else:
        path = Path(path_or_bytes)
        name = filename or path.name
        try:
            content = path.read_bytes()
        except OSError as error:
            raise FormatError(f"cannot read {path}: {error.strerror or error}") from error
    kind = _EXTENSIONS.get(Path(name).suffix.lower()) or _sniff(content)
    stem = Path(name).stem or None
    if kind == "psplib":
        from wbs.formats.psplib import read_psplib

        return read_psplib(content, name=stem)
    if kind == "mspdi":
        from wbs.formats.mspdi import read_mspdi

        return read_mspdi(content)
    from wbs.formats.jsonplan import read_json_plan

    return read_json_plan(content)
