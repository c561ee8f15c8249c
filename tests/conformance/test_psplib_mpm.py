"""PSPLIB: the precedence-only project duration equals the file's MPM-Time, all 2,040 files.

Oracle: the ``MPM-Time`` column of PROJECT INFORMATION in every j30/j60/j90/j120 ``.sm``
instance of PSPLIB (Kolisch & Sprecher 1996), read from ``KAMPMO_DATA/psplib``.
"""

from __future__ import annotations

import pytest

from wbs.formats.psplib import read_psplib

pytestmark = pytest.mark.conformance

SETS = {"j30": 480, "j60": 480, "j90": 480, "j120": 600}


def test_psplib_mpm_time(kampmo_data, conformance_report) -> None:
    from wbs.cpm import schedule

    files = [path for name in SETS for path in sorted((kampmo_data / "psplib" / name).glob("*.sm"))]
    assert len(files) == sum(SETS.values()), "the PSPLIB sets are incomplete"
    disagreements = []
    for path in files:
        plan = read_psplib(path)
        result = schedule(plan)
        if result.duration != plan.extra["mpm_time"]:
            disagreements.append(f"{path.name}: {result.duration} != {plan.extra['mpm_time']}")
    agreed = len(files) - len(disagreements)
    conformance_report(f"PSPLIB MPM-Time: {agreed}/{len(files)} agree")
    assert not disagreements, disagreements[:10]
