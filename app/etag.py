"""Optimistic locking over HTTP: ``ETag: W/"<version>"`` out, ``If-Match`` required in.

Every row has a ``version`` (SQLAlchemy ``version_id_col``). Reads set the ETag; a write to an
existing resource calls ``check_if_match`` first: no header -> 428, a different version -> 412.
The database re-checks the version in the UPDATE itself, so two writers racing past the header
check still cannot both win (the loser's ``StaleDataError`` becomes a 412 too).
"""

from __future__ import annotations

from typing import Annotated, Protocol, TypeVar

from fastapi import Header, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.errors import PreconditionFailed, PreconditionRequired


class Versioned(Protocol):
    version: int


def etag_of(row: Versioned) -> str:
    return f'W/"{row.version}"'


def set_etag(response: Response, row: Versioned) -> None:
    response.headers["ETag"] = etag_of(row)


Read = TypeVar("Read", bound=BaseModel)


def committed(session: Session, response: Response, row: Versioned, read: type[Read]) -> Read:
    """Commit the request's write and answer ``row`` as ``read``, with its new ETag."""
    session.commit()
    set_etag(response, row)
    return read.model_validate(row)


def _versions(if_match: str) -> set[str]:
    tags = set()
    for raw in if_match.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.add(tag.strip('"'))
    return tags


def check_if_match(if_match: str | None, row: Versioned) -> None:
    """Refuse a write whose If-Match is missing (428) or does not name the row's version (412)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("this write needs an If-Match header with the resource's ETag")
    tags = _versions(if_match)
    if "*" in tags or str(row.version) in tags:
        return
    raise PreconditionFailed(
        f"stale ETag: the resource is now at {etag_of(row)}; reload it and retry",
        current_etag=etag_of(row),
    )


IfMatch = Annotated[str | None, Header(alias="If-Match")]
