"""The service's limits: the request body size (with the ``Server-Timing`` header, as one
pure ASGI middleware) and the limits of a plan that becomes a bid (``check_plan_limits``).

A body over the limit is refused with 413 problem+json, whether it announces its length
(``Content-Length``) or streams in chunks (counted as it arrives). The value limits themselves
(dates, durations, lags, text lengths, control characters, money) are stated once in
``wbs/limits.py``; the request schemas and the plan importer both use them.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import Invalid
from app.settings import get_settings
from wbs.limits import LimitError, PlanLimits, check_plan
from wbs.plan import Plan


def check_plan_limits(plan: Plan) -> None:
    """``wbs.limits.check_plan`` with the service's per-bid settings; 422 naming the field."""
    settings = get_settings()
    limits = PlanLimits(
        tasks_per_bid=settings.max_tasks_per_bid,
        links_per_task=settings.max_links_per_task,
        wbs_depth=settings.max_wbs_depth,
    )
    try:
        check_plan(plan, limits)
    except LimitError as error:
        raise Invalid.field(error.field, error.message) from error


class RequestLimits:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def _too_large(self, scope: Scope, send: Send) -> None:
        body = json.dumps(
            {
                "type": "https://kampmo.dev/problems/payload-too-large",
                "title": "Payload too large",
                "status": 413,
                "detail": f"request body over {self.max_body_bytes} bytes",
                "instance": scope.get("path", ""),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await self._too_large(scope, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413, f"request body over {self.max_body_bytes} bytes")
            return message

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed_ms = (time.perf_counter() - started) * 1000
                headers: list[Any] = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={elapsed_ms:.2f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, limited_receive, timed_send)
