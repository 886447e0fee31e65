"""Security headers on every answer of ``facexai serve``: the web app's, the API's and the docs'.

The compose stack's nginx (frontend/nginx.conf) sends the same values for everything it answers itself
(the web app's files, its 429) and in place of the backend's on the API paths; tests/test_security_headers.py
checks that both say the same.

- ``Content-Security-Policy``: the web app needs only itself: its scripts, styles and fonts from its own
  origin, its requests to the API beside it (``connect-src 'self'``), and images as ``data:`` URLs (the
  service's base64 PNGs) and ``blob:`` URLs (the photo shown as chosen, the saved overlays). The camera's
  preview is a ``MediaStream`` set as ``srcObject``, which no fetch directive governs; the camera itself is
  the Permissions-Policy's. No inline script or style, no ``eval``, no plug-ins, never framed
  (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers).
- ``/docs`` and ``/redoc`` (FastAPI's Swagger UI and ReDoc) load their scripts, styles and fonts from
  public CDNs and Swagger UI starts from one inline script: they get :data:`DOCS_POLICY`, which allows
  those CDNs and that script by its hash (:data:`SWAGGER_INIT_SHA256`; the test says the new one when a
  FastAPI upgrade changes the script), and ReDoc's inline styles and search worker. Nothing else does.
- ``Permissions-Policy``: the camera for the app itself only (``camera=(self)``: "Use the camera"), every
  other powerful feature off.
- ``Referrer-Policy: no-referrer``: no page of the app tells another site anything, the docs' CDNs included.
- ``X-Content-Type-Options: nosniff``: a file is only what its Content-Type says.
- ``Cross-Origin-Opener-Policy: same-origin``: no other site's window keeps a handle on the app's.

No ``Strict-Transport-Security``: the service and the stack speak plain HTTP; HTTPS (and HSTS) belong to
whatever terminates TLS in front of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: the inline script FastAPI's /docs page starts Swagger UI with (``swagger_ui_parameters`` change it)
SWAGGER_INIT_SHA256 = "sha256-j8SaXne87U2VMpyMoUFgvGSgdewzd5d5jACoTkrqCy4="

APP_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' https://cdn.jsdelivr.net '{SWAGGER_INIT_SHA256}'",
        "style-src 'self' https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "font-src 'self' https://fonts.gstatic.com",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS_POLICY = ", ".join(
    ["camera=(self)"]
    + [
        f"{feature}=()"
        for feature in (
            "microphone",
            "geolocation",
            "payment",
            "usb",
            "serial",
            "hid",
            "midi",
            "display-capture",
            "accelerometer",
            "gyroscope",
            "magnetometer",
        )
    ]
)

#: every answer's headers but the Content-Security-Policy
HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _encoded(policy: str) -> list[tuple[bytes, bytes]]:
    headers = {"Content-Security-Policy": policy, **HEADERS}
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class SecurityHeaders:
    """Pure ASGI middleware (streams pass through untouched): the headers above on every HTTP response
    (the docs' policy on ``docs_paths``, the app's on every other path), where the response has not set
    them itself."""

    def __init__(self, app: ASGIApp, docs_paths: Iterable[str | None] = ()) -> None:
        self.app = app
        self.docs_paths = frozenset(path for path in docs_paths if path)
        self.app_headers, self.docs_headers = _encoded(APP_POLICY), _encoded(DOCS_POLICY)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if scope["path"] in self.docs_paths else self.app_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [(name, value) for name, value in extra if name not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)
