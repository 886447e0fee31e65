"""``X-Facexai-Replica``: which replica answered, on every response (and declared on every route's responses).

Behind a load balancer with several replicas (docker compose's ``--scale backend=3``) it tells which
process served a request; a follow-up may be served by another replica than its upload when the
analyses live in Redis (``FACEXAI_REDIS_URL``).
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Facexai-Replica"

#: the header's OpenAPI entry, on every response of every route
DECLARATION: dict[str, Any] = {
    "description": "the replica that answered: its host name, or FACEXAI_REPLICA_NAME",
    "required": True,
    "schema": {"type": "string"},
}


class ReplicaHeader:
    """Pure ASGI middleware (streams pass through untouched): adds the header to every HTTP response."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.header = (HEADER.lower().encode("latin-1"), name.encode("latin-1", "replace"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self.header]
            await send(message)

        await self.app(scope, receive, send_with_header)


def declare_replica_header(schema: dict[str, Any]) -> dict[str, Any]:
    """Every documented response of every operation names the header (the generated client types it)."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {})[HEADER] = dict(DECLARATION)
    return schema
