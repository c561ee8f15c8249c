"""MS Project binary (.mpp/.mpt), MPX and Primavera (XER, P6 XML) files through MPXJ.

MPXJ (PyPI ``mpxj``, LGPL) is the maintained open-source reader of these formats; it runs on a
Java runtime through JPype. It is an optional extra (``pip install 'kampmo[mpp]'``, installed by
``make install``/``make run`` when ``java`` is on the PATH). A file is read with MPXJ's
``UniversalProjectReader`` and written to MSPDI in memory by its ``MSPDIWriter``; kampmo's own
MSPDI reader then reads that, so every format lands in the same ``Plan`` with the same rules.

Without MPXJ or Java, ``FormatError`` says how to enable it.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from wbs.formats.errors import FormatError
from wbs.plan import Plan

# file name endings MPXJ reads and kampmo's own readers do not
MPXJ_EXTENSIONS = frozenset({".mpp", ".mpt", ".mpx", ".xer", ".pmxml", ".pp", ".planner"})
ENABLE_HINT = (
    "reading {what} needs MPXJ on a Java runtime: install Java 11+ (Debian: "
    "apt-get install default-jre-headless) and the extra: pip install 'kampmo[mpp]' "
    "(make install does both when java is present); or save the plan from MS Project "
    "as XML (MSPDI) and import that"
)
_LOCK = threading.Lock()


def mpxj_available() -> bool:
    """True when the ``mpxj`` and ``jpype`` packages are installed and a JVM can be found."""
    try:
        import jpype
        import mpxj  # noqa: F401
    except ImportError:
        return False
    try:
        return bool(jpype.isJVMStarted() or jpype.getDefaultJVMPath())
    except Exception:  # JVMNotFoundException and friends
        return False


def _jvm() -> Any:
    """Start the JVM once per process (MPXJ's jars are on the class path once imported)."""
    try:
        import jpype
        import mpxj  # noqa: F401 - adds MPXJ's jars to the class path
    except ImportError:
        raise FormatError(ENABLE_HINT.format(what="this file")) from None
    with _LOCK:
        if not jpype.isJVMStarted():
            try:
                jpype.startJVM(
                    "-Djava.awt.headless=true",
                    "-Dlog4j2.loggerContextFactory="
                    "org.apache.logging.log4j.simple.SimpleLoggerContextFactory",
                    convertStrings=True,
                )
            except Exception as error:
                raise FormatError(
                    ENABLE_HINT.format(what="this file") + f" ({type(error).__name__}: {error})"
                ) from None
    return jpype


def to_mspdi(content: bytes, suffix: str = ".mpp") -> bytes:
    """The file's content converted to MSPDI XML by MPXJ.

    Raises
    ------
    FormatError
        When MPXJ is missing or cannot read the file.
    """
    jpype = _jvm()
    reader_module = jpype.JPackage("org").mpxj.reader
    writer_module = jpype.JPackage("org").mpxj.mspdi
    handle, name = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        try:
            project = reader_module.UniversalProjectReader().read(name)
        except Exception as error:  # org.mpxj.MPXJException and the JVM's own
            raise FormatError(f"MPXJ cannot read the file: {error}") from None
        if project is None:
            raise FormatError("MPXJ does not recognise this file as a project plan")
        out = jpype.JClass("java.io.ByteArrayOutputStream")()
        writer_module.MSPDIWriter().write(project, out)
        return bytes(out.toByteArray())
    finally:
        Path(name).unlink(missing_ok=True)


def read_with_mpxj(content: bytes, filename: str = "plan.mpp") -> Plan:
    """Read an .mpp/.mpx/.xer/P6 XML file into a minute plan (see ``read_mspdi``)."""
    from wbs.formats.mspdi import read_mspdi

    suffix = Path(filename).suffix.lower() or ".mpp"
    plan = read_mspdi(to_mspdi(content, suffix))
    plan.extra["format"] = suffix.lstrip(".")
    plan.extra["read_by"] = "mpxj"
    return plan
