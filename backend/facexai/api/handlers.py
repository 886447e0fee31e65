"""Every error leaves the service as JSON ``{"code": ..., "detail": ...}``, FastAPI's own included."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from facexai.api.schemas import ErrorResponse
from facexai.core.errors import FacexaiError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "upload_too_large",
    415: "unsupported_type",
    422: "validation_error",
    503: "models_not_ready",
}

#: the OpenAPI entry of 503 on every route that runs models
UNAVAILABLE: dict[str, object] = {
    "model": ErrorResponse,
    "description": "models_not_ready; busy: every analysis slot and queue place is taken (with Retry-After); or "
    "store_unavailable: the shared analysis store (Redis) does not answer (with Retry-After)",
    "headers": {
        "Retry-After": {
            "description": "with busy and store_unavailable: seconds after which a retry may succeed",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def error_response(status: int, code: str, detail: object, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"code": code, "detail": detail}, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FacexaiError)
    async def domain_error(_: Request, exc: FacexaiError) -> JSONResponse:
        headers = None if exc.retry_after_s is None else {"Retry-After": str(exc.retry_after_s)}
        return error_response(exc.status_code, exc.code, exc.detail, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return error_response(422, "validation_error", errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return error_response(exc.status_code, code, exc.detail, exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # the photo is never logged: only the route and the exception type and message
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", f"internal error ({type(exc).__name__})")
