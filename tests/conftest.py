"""Shared fixtures: where the external oracles live, and whether CI demands them."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def data_root() -> Path | None:
    configured = os.environ.get("KAMPMO_DATA")
    candidates = [Path(configured)] if configured else [REPO_ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def kampmo_data() -> Path:
    """The external test data folder; absent locally means skip, absent in CI means fail."""
    root = data_root()
    if root is None:
        if in_ci():
            pytest.fail("external data (KAMPMO_DATA or ../shared/data) is missing in CI")
        pytest.skip("external data not found: set KAMPMO_DATA or provide ../shared/data")
    return root


_CONFORMANCE_LINES: list[str] = []


@pytest.fixture(scope="session")
def conformance_report() -> Callable[[str], None]:
    """Record a line of conformance counts; printed in the run's summary, pass or fail."""
    return _CONFORMANCE_LINES.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _CONFORMANCE_LINES:
        return
    terminalreporter.section("conformance against external oracles")
    for line in _CONFORMANCE_LINES:
        terminalreporter.write_line(line)
