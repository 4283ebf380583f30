"""The route class of every page: CSRF before any unsafe handler runs, and errors as pages.

Pages never answer with the API's JSON errors or a stack trace: a signed-out visitor is sent to
/signin, a bad CSRF token is a 403 page, a domain error a friendly page in the visitor's language.
The request's database transaction has already been rolled back when these are caught.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from easypay.errors import EasyPayError, Forbidden, NotFound, is_transient
from easypay.web.csrf import CsrfRejected
from easypay.web.i18n import error_text, translate
from easypay.web.rendering import redirect, render, signin_url
from easypay.web.visitor import SignInRequired, check_csrf, get_visitor

log = logging.getLogger("easypay.web")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def error_page(request: Request, status: int, title_key: str, message: str) -> Response:
    lang = (await get_visitor(request)).lang
    return await render(
        request,
        "error.html",
        {"status": status, "title": translate(title_key, lang), "message": message},
        status_code=status,
    )


async def _domain_error_page(request: Request, error: EasyPayError) -> Response:
    lang = (await get_visitor(request)).lang
    title = "error.title"
    if isinstance(error, Forbidden):
        title = "error.forbidden_title"
    elif isinstance(error, NotFound):
        title = "error.not_found_title"
    return await error_page(request, error.status, title, error_text(error, lang))


async def _unavailable_page(request: Request) -> Response:
    """503 + Retry-After: the database is away or asked for a retry, nothing was done, the
    visitor may send the form again. Plain text when even the page cannot be drawn."""
    try:
        lang = (await get_visitor(request)).lang
        page = await error_page(request, 503, "error.title", translate("error.unavailable", lang))
    except Exception:  # noqa: BLE001 - the visitor or the template needed the database too
        page = PlainTextResponse("잠시 후 다시 시도해 주세요. / Try again in a moment.", 503)
    page.headers["Retry-After"] = "1"
    return page


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                if request.method not in SAFE_METHODS:
                    await check_csrf(request)
                return await handle(request)
            except SignInRequired:
                return await redirect(request, signin_url(request))
            except CsrfRejected:
                lang = (await get_visitor(request)).lang
                return await error_page(
                    request, 403, "error.csrf_title", translate("error.csrf", lang)
                )
            except EasyPayError as error:
                return await _domain_error_page(request, error)
            except RequestValidationError:  # a malformed path or query: no such page
                lang = (await get_visitor(request)).lang
                return await error_page(
                    request, 404, "error.not_found_title", translate("error.not_found", lang)
                )
            except HTTPException:
                raise
            except Exception as error:
                if is_transient(error):
                    log.warning("database unavailable", extra={"path": request.url.path})
                    return await _unavailable_page(request)
                log.exception("page failed", extra={"path": request.url.path})
                lang = (await get_visitor(request)).lang
                return await error_page(
                    request, 500, "error.title", translate("error.internal", lang)
                )
            finally:
                # Files of a multipart post (pages take none, but anyone may send them) are
                # spooled to disk by request.form(): close them now, not at garbage collection.
                await request.close()

        return route_handler


def page_router() -> APIRouter:
    return APIRouter(include_in_schema=False, route_class=WebRoute)
