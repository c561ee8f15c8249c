"""Plan files in and out: MS Project XML (MSPDI), PSPLIB, kampmo's JSON plan, CSV and XLSX;
through MPXJ (optional, on Java) MS Project .mpp/.mpt/.mpx and Primavera XER/P6 XML.

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
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: MS Project .mpp/.mpt
        return "mpxj"
    if head.startswith(b"ERMHDR") or head.startswith(b"MPX"):  # Primavera XER, MPX
        return "mpxj"
    if head.startswith(b"<"):
        if b"APIBusinessObjects" in content[:8192]:  # Primavera P6 XML (PMXML)
            return "mpxj"
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
    suffix = Path(name).suffix.lower()
    from wbs.formats.mpxj import MPXJ_EXTENSIONS

    kind = "mpxj" if suffix in MPXJ_EXTENSIONS else _EXTENSIONS.get(suffix) or _sniff(content)
    if kind == "mspdi" and b"APIBusinessObjects" in content[:8192]:
        kind = "mpxj"  # a Primavera P6 XML file saved as .xml
    stem = Path(name).stem or None
    if kind == "mpxj":
        from wbs.formats.mpxj import read_with_mpxj

        if suffix not in MPXJ_EXTENSIONS:
            suffix = ".xml" if content.lstrip()[:1] == b"<" else ".mpp"
        return read_with_mpxj(content, f"plan{suffix}")
    if kind == "psplib":
        from wbs.formats.psplib import read_psplib

        return read_psplib(content, name=stem)
    if kind == "mspdi":
        from wbs.formats.mspdi import read_mspdi

        return read_mspdi(content)
    from wbs.formats.jsonplan import read_json_plan

    return read_json_plan(content)
