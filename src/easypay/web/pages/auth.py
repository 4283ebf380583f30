"""Sign up, sign in (password, or certificate PIN), sign out, and the language switch."""

from __future__ import annotations

import contextlib
import re

from fastapi import Request, Response

from easypay.certificate import signin as certificate_signin
from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError
from easypay.identity import service as identity
from easypay.web.forms import parse_date, read_form
from easypay.web.i18n import LANGUAGES, error_text, translate
from easypay.web.rendering import (
    clear_session_cookie,
    redirect,
    render,
    safe_next,
    set_language_cookie,
    set_session_cookie,
    with_notice,
)
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, Visitor, settings_of

router = page_router()


def _client(request: Request) -> tuple[str, str]:
    address = request.client.host if request.client else ""
    return request.headers.get("user-agent", ""), address


async def _signed_in(request: Request, visitor: Visitor, token: str, target: str) -> Response:
    visitor.stale_session = False  # the new cookie replaces it
    response = await redirect(request, target)
    set_session_cookie(request, response, token)
    return response


# --- sign in ----------------------------------------------------------------------------------


@router.get("/signin")
async def signin_page(request: Request, visitor: CurrentVisitor) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if visitor.signed_in:
        return await redirect(request, next_url)
    return await render(request, "auth/signin.html", {"form": {}, "next": next_url})


@router.post("/signin")
async def signin(request: Request, visitor: CurrentVisitor) -> Response:
    form = await read_form(request)
    next_url = safe_next(form.get("next"))
    phone, password = form.get("phone", ""), form.get("password", "")
    context = {"form": {"phone": phone}, "next": next_url}
    if not phone or not password:
        missing = translate("field.phone" if not phone else "field.password", visitor.lang)
        error = translate("field.missing", visitor.lang, field=missing)
        return await render(request, "auth/signin.html", {**context, "error": error}, 422)
    user_agent, address = _client(request)
    try:
        principal, token = await identity.sign_in(
            database_of(request), settings_of(request), phone, password, "web", user_agent, address
        )
    except EasyPayError as failure:
        error = error_text(failure, visitor.lang)
        return await render(
            request, "auth/signin.html", {**context, "error": error}, failure.status
        )
    target = next_url if principal.user.pin_hash else "/pin/set"
    return await _signed_in(request, visitor, token, target)


# --- sign in with a certificate (server-held key: phone + certificate PIN) -----------------------

_TRIES_LEFT = re.compile(r"(\d+) tries left")
_CERTIFICATE_ERRORS = {
    "CertificateLocked": "cert_signin.error.locked",
    "CertificateSuspended": "cert_signin.error.suspended",
    "CertificateExpired": "cert_signin.error.expired",
    "CertificateNotCurrent": "cert_signin.error.not_current",
    "SigninChallengeExpired": "cert_signin.error.retry",
    "SigninChallengeUsed": "cert_signin.error.retry",
    "SigninChallengeNotFound": "cert_signin.error.retry",
}


def _certificate_error(failure: EasyPayError, lang: str) -> str:
    if failure.code == "WrongCertificatePin":
        found = _TRIES_LEFT.search(failure.detail)
        return translate("cert_signin.error.wrong_pin", lang, left=found.group(1) if found else 0)
    key = _CERTIFICATE_ERRORS.get(failure.code)
    return translate(key, lang) if key else error_text(failure, lang)


@router.get("/signin/certificate")
async def signin_with_certificate_page(request: Request, visitor: CurrentVisitor) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if visitor.signed_in:
        return await redirect(request, next_url)
    context = {"form": {}, "next": next_url}
    return await render(request, "auth/signin_certificate.html", context)


@router.post("/signin/certificate")
async def signin_with_certificate(request: Request, visitor: CurrentVisitor) -> Response:
    """Both steps at once on the server: the challenge, then EasyPay signs it with the key the
    certificate PIN opens (certificate/signin.py)."""
    form = await read_form(request)
    next_url = safe_next(form.get("next"))
    phone, pin = form.get("phone", "").strip(), form.get("pin", "").strip()
    context = {"form": {"phone": phone}, "next": next_url}
    template = "auth/signin_certificate.html"
    if not phone:
        missing = translate(
            "field.missing", visitor.lang, field=translate("field.phone", visitor.lang)
        )
        return await render(request, template, {**context, "error": missing}, 422)
    if not (len(pin) == 6 and pin.isascii() and pin.isdigit()):
        error = translate("cert_signin.pin_missing", visitor.lang)
        return await render(request, template, {**context, "error": error}, 422)
    database, settings = database_of(request), settings_of(request)
    user_agent, address = _client(request)
    try:
        issued = await certificate_signin.create_challenge(database, settings, phone, address)
        principal, token = await certificate_signin.open_session(
            database,
            settings,
            issued.challenge_id,
            pin=pin,
            kind="web",
            user_agent=user_agent,
            ip_address=address,
        )
    except EasyPayError as failure:
        error = _certificate_error(failure, visitor.lang)
        return await render(request, template, {**context, "error": error}, failure.status)
    target = next_url if principal.user.pin_hash else "/pin/set"
    return await _signed_in(request, visitor, token, target)


# --- sign up ----------------------------------------------------------------------------------


@router.get("/signup")
async def signup_page(request: Request, visitor: CurrentVisitor) -> Response:
    if visitor.signed_in:
        return await redirect(request, "/")
    return await render(request, "auth/signup.html", {"form": {}})


@router.post("/signup")
async def signup(request: Request, visitor: CurrentVisitor) -> Response:
    form = await read_form(request)
    lang = visitor.lang
    kept = {key: form.get(key, "") for key in ("phone", "name", "birth_date")}

    async def again(error: str, status: int) -> Response:
        return await render(request, "auth/signup.html", {"form": kept, "error": error}, status)

    labels = {
        "phone": "field.phone",
        "name": "field.name",
        "birth_date": "field.birth_date",
        "password": "field.password",
    }
    for field, label in labels.items():
        if not form.get(field):
            return await again(translate("field.missing", lang, field=translate(label, lang)), 422)
    birth_date = parse_date(form["birth_date"])
    if birth_date is None:
        return await again(translate("field.bad_date", lang), 422)
    if form["password"] != form.get("password_confirm", ""):
        return await again(translate("signup.password_mismatch", lang), 422)
    database = database_of(request)
    user_agent, address = _client(request)
    try:
        # Committed before signing in: sign_in reads the user in its own transaction.
        async with database.transaction() as session:
            user = await identity.sign_up(
                session, form["phone"], form["name"], birth_date, form["password"]
            )
            if lang != user.language:
                await identity.update_settings(session, user, None, lang)
    except EasyPayError as failure:
        return await again(error_text(failure, lang), failure.status)
    try:
        _, token = await identity.sign_in(
            database,
            settings_of(request),
            form["phone"],
            form["password"],
            "web",
            user_agent,
            address,
        )
    except EasyPayError:  # signed up, but signing in must wait (e.g. rate limit)
        return await redirect(request, "/signin")
    return await _signed_in(request, visitor, token, "/pin/set")


# --- sign out and language --------------------------------------------------------------------


@router.post("/signout")
async def signout(request: Request, visitor: CurrentVisitor, db: DbSession) -> Response:
    if visitor.principal is not None:
        principal = visitor.principal
        # Already revoked elsewhere? Signing out is done either way.
        with contextlib.suppress(EasyPayError):
            await identity.revoke_session(db, principal.user, principal.session.id)
    response = await redirect(request, with_notice("/signin", "signed_out"))
    clear_session_cookie(request, response)
    return response


@router.post("/lang")
async def switch_language(request: Request, visitor: CurrentVisitor, db: DbSession) -> Response:
    form = await read_form(request)
    lang = form.get("lang", "")
    if lang not in LANGUAGES:
        lang = "en" if visitor.lang == "ko" else "ko"
    if visitor.principal is not None:
        await identity.update_settings(db, visitor.principal.user, None, lang)
    response = await redirect(request, safe_next(form.get("next")))
    set_language_cookie(request, response, lang)
    return response
