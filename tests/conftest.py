"""Shared fixtures: where the external oracles live, and whether CI demands them."""

from __future__ import annotations

import os
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
