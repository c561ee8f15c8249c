"""Imports every ``app.<domain>.models`` module so ``Base.metadata`` holds every table.

Alembic's ``env.py`` and the tests import this; a new domain folder with a ``models.py`` is
picked up with no change here.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import app
from app.db import Base


def load_all_models() -> list[str]:
    """Import every domain's models module; returns their names, sorted."""
    loaded = []
    for module in sorted(pkgutil.iter_modules(app.__path__), key=lambda m: m.name):
        if not module.ispkg:
            continue
        name = f"app.{module.name}.models"
        if importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name)
        loaded.append(name)
    return loaded


load_all_models()
metadata = Base.metadata
