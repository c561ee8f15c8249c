"""``create_app()``: the FastAPI application with every domain's router.

Every ``app/<domain>/router.py`` that defines ``router`` is included (discovered with pkgutil,
in sorted order), so a new domain needs no change here.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
from collections.abc import Collection

from fastapi import FastAPI
from sqlalchemy import Engine

import app as app_package
from app import models_registry
from app.db import make_engine, make_session_factory
from app.errors import install_error_handlers
from app.guards import refusal
from app.limits import RequestLimits
from app.settings import Settings, get_settings

log = logging.getLogger("kampmo")


def discover_routers() -> list[str]:
    """Module names of every ``app.<domain>.router`` that exists, sorted."""
    names = []
    for module in sorted(pkgutil.iter_modules(app_package.__path__), key=lambda m: m.name):
        name = f"app.{module.name}.router"
        if module.ispkg and importlib.util.find_spec(name) is not None:
            names.append(name)
    return names


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    domains: Collection[str] | None = None,
) -> FastAPI:
    """The kampmo service over ``settings.database_url`` (or an explicit ``engine``).

    ``domains`` limits the routers to those ``app.<domain>`` packages (default: all).
    """
    settings = settings or get_settings()
    models_registry.load_all_models()
    application = FastAPI(
        title="kampmo",
        version="0.1.0",
        description="Project management for key-account (KAM) sales bids: WBS, CPM, Gantt, costs.",
        openapi_url="/openapi.json",
    )
    application.state.settings = settings
    application.state.engine = engine or make_engine(
        settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    application.state.session_factory = make_session_factory(application.state.engine)
    install_error_handlers(application)
    application.state.refusal_before_validation = refusal
    application.add_middleware(RequestLimits, max_body_bytes=settings.max_body_bytes)
    for name in discover_routers():
        if domains is not None and name.split(".")[1] not in domains:
            continue
        module = importlib.import_module(name)
        router = getattr(module, "router", None)
        if router is None:
            continue
        application.include_router(router)
    return application
