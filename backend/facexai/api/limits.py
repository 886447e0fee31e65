"""Uploads stay in memory and under the size cap.

``BodyLimit`` is a pure ASGI middleware: it refuses a request whose Content-Length is over
the cap before reading it, and counts the bytes of one without a Content-Length, so an
oversized upload is never buffered whole. Starlette's multipart parser spools file parts
over 1 MiB to a temporary file; :func:`keep_uploads_in_memory` raises its threshold above
the cap, so a photo never touches the disk.
"""

from __future__ import annotations

import json

from starlette.formparsers import MultiPartParser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facexai.core.errors import UploadTooLarge

#: room for the multipart envelope around the file itself
ENVELOPE_BYTES = 64 * 1024


def keep_uploads_in_memory(max_upload_bytes: int) -> None:
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, max_upload_bytes + ENVELOPE_BYTES)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await self._refuse(send, int(length))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body_bytes:
                await self._refuse(send, size)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay_receive() -> Message:
            return replay.pop() if replay else await receive()

        await self.app(scope, replay_receive, send)

    async def _refuse(self, send: Send, size: int) -> None:
        error = UploadTooLarge.over(size, self.max_body_bytes - ENVELOPE_BYTES)
        body = json.dumps({"code": error.code, "detail": error.detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
