"""Templates and responses: every page goes through `render` or `redirect`, which add the
visitor's language, CSRF token and pending cookies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from easypay.identity.dependencies import SESSION_COOKIE
from easypay.kit.money import format_krw
from easypay.kit.phone import display_phone
from easypay.money.banks import BANK_NAMES, mask_account
from easypay.web import csrf
from easypay.web.i18n import MESSAGES, code_label, translator
from easypay.web.visitor import LANG_COOKIE, Visitor, get_visitor, settings_of

TEMPLATES_DIR = Path(__file__).parent / "templates"
KST = timezone(timedelta(hours=9), "KST")
ONE_YEAR = 365 * 24 * 3600

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
)


def _won(amount: int | None) -> str:
    return format_krw(amount or 0)


def _phone(e164: str) -> str:
    try:
        return display_phone(e164)
    except Exception:  # noqa: BLE001 - a number we cannot format is shown as stored
        return e164


def to_kst(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(KST)


def _when(moment: datetime | None, fmt: str = "%Y.%m.%d %H:%M") -> str:
    return to_kst(moment).strftime(fmt) if moment else ""


def _day(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = to_kst(moment).date()
    return moment.strftime("%Y.%m.%d")


templates.env.filters["won"] = _won
templates.env.filters["phone"] = _phone
templates.env.filters["when"] = _when
templates.env.filters["day"] = _day
templates.env.filters["masked"] = mask_account
templates.env.filters["bank_name"] = lambda code: BANK_NAMES.get(code, code)
templates.env.globals["CSRF_FIELD"] = csrf.CSRF_FIELD


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def safe_next(value: str | None) -> str:
    """A local path to go back to after signing in; anything else becomes the home page."""
    if (
        not value
        or len(value) > 300
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(ord(c) < 32 for c in value)
    ):
        return "/"
    return value


def with_notice(path: str, notice: str) -> str:
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}{urlencode({'notice': notice})}"


def _finish(request: Request, response: Response, visitor: Visitor) -> None:
    settings = settings_of(request)
    if visitor.csrf_nonce_is_new and visitor.csrf_nonce:
        response.set_cookie(
            csrf.CSRF_COOKIE,
            visitor.csrf_nonce,
            httponly=True,
            samesite="lax",
            secure=settings.cookies_secure,
            path="/",
        )
        visitor.csrf_nonce_is_new = False
    if visitor.stale_session:
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=settings.cookies_secure, httponly=True, samesite="lax"
        )
        visitor.stale_session = False


async def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    visitor = await get_visitor(request)
    settings = settings_of(request)
    notice_key = f"notice.{request.query_params.get('notice', '')}"
    values: dict[str, Any] = {
        "lang": visitor.lang,
        "t": translator(visitor.lang),
        "code_label": lambda code: code_label(code, visitor.lang),
        "visitor": visitor,
        "user": visitor.principal.user if visitor.principal else None,
        "csrf_token": visitor.csrf_token(settings.server_secret),
        "path": request.url.path,
        "notice": notice_key if notice_key in MESSAGES else None,
        "error": None,
    }
    values.update(context or {})
    response: HTMLResponse = templates.TemplateResponse(
        request, name, values, status_code=status_code
    )
    response.headers["cache-control"] = "no-store"
    _finish(request, response, visitor)
    return response


async def redirect(request: Request, url: str) -> Response:
    """See other (303) for forms; htmx requests get an HX-Redirect instead."""
    response: Response
    if is_htmx(request):
        response = Response(status_code=200, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    _finish(request, response, await get_visitor(request))
    return response


def signin_url(request: Request) -> str:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET" or target == "/":
        return "/signin"
    return "/signin?next=" + quote(safe_next(target), safe="/")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = settings_of(request)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure,
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    settings = settings_of(request)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.cookies_secure, httponly=True, samesite="lax"
    )


def set_language_cookie(request: Request, response: Response, lang: str) -> None:
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="lax",
        secure=settings_of(request).cookies_secure,
        path="/",
    )
