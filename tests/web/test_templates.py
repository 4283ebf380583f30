"""What the CSP demands of every page (no inline script or style) and the static files the
pages need (vendored, served by the app)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from easypay.web.i18n import MESSAGES
from easypay.web.rendering import templates

WEB = Path(__file__).resolve().parents[2] / "src" / "easypay" / "web"


class TestTemplates:
    pytestmark = pytest.mark.no_database

    def test_every_template_compiles(self) -> None:
        for path in (WEB / "templates").rglob("*.html"):
            templates.env.get_template(str(path.relative_to(WEB / "templates")))

    def test_no_inline_scripts_or_styles(self) -> None:
        for path in (WEB / "templates").rglob("*.html"):
            html = path.read_text()
            assert " style=" not in html, path
            assert "<style" not in html, path
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
            assert not re.search(r"\bon[a-z]+=", html), path  # no onclick= and the like

    def test_strings_carry_no_markup(self) -> None:
        for key, pair in MESSAGES.items():
            for text in pair:
                assert "<" not in text, key


class TestStatic:
    @pytest.mark.parametrize(
        "path",
        [
            "/static/vendor/htmx.min.js",
            "/static/js/app.js",
            "/static/css/app.css",
            "/static/vendor/swagger-ui-bundle.js",
            "/static/vendor/swagger-ui.css",
            "/static/favicon.svg",
        ],
    )
    async def test_assets_are_served(self, client: httpx.AsyncClient, path: str) -> None:
        response = await client.get(path)
        assert response.status_code == 200
        assert len(response.content) > 100

    async def test_api_docs_use_only_vendored_assets(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/docs")
        assert response.status_code == 200
        assert "/static/vendor/swagger-ui-bundle.js" in response.text
        assert "/static/vendor/swagger-ui.css" in response.text
        assert "/openapi.json" in response.text
        assert "cdn" not in response.text.lower()
        assert (await client.get("/openapi.json")).status_code == 200

    async def test_pages_get_the_strict_csp(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/signin")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "style-src 'self'" in csp
        assert response.headers["cache-control"] == "no-store"


class TestUnexpectedErrors:
    async def test_a_bug_is_a_friendly_page_not_a_trace(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from easypay.web.pages import wallet
        from tests.web.helpers import sign_up_with_pin

        await sign_up_with_pin(client)

        async def broken(*_: object) -> None:
            raise RuntimeError("secret internals")

        monkeypatch.setattr(wallet.money, "balance", broken)
        response = await client.get("/")
        assert response.status_code == 500
        assert "일시적인 오류가 발생했습니다" in response.text
        assert "secret internals" not in response.text
        assert "Traceback" not in response.text
