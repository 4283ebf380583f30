"""Page routes: the web app's routers, one per area (web/pages/), under one router for app.py."""

from fastapi import APIRouter

from easypay.web.pages import (
    accounts,
    admin,
    admin_institutions,
    admin_merchants,
    auth,
    cards,
    certificates,
    checkout,
    demo_bank,
    demo_shop,
    docs,
    history,
    inbox,
    me,
    merchant,
    merchant_settlements,
    merchant_webhooks,
    pay_code,
    pin,
    requests,
    transfers,
    wallet,
)

router = APIRouter(include_in_schema=False)
for pages in (
    auth,
    pin,
    wallet,
    transfers,
    requests,
    inbox,
    accounts,
    history,
    me,
    admin,
    docs,
    checkout,
    demo_shop,
    demo_bank,
    cards,
    pay_code,
    merchant,
    merchant_settlements,
    merchant_webhooks,
    admin_merchants,
    certificates,
    admin_institutions,
):
    router.include_router(pages.router)
