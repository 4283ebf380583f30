"""The merchant behind a dashboard page: the approved merchant the signed-in user runs.

Resolved on the request's session, so a page may change the merchant it gets. A pending,
rejected or suspended merchant has no dashboard (403); /merchant itself sends such a visitor to
/merchant/apply, which shows where their application stands.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from easypay.db import DbSession
from easypay.merchant import repository
from easypay.merchant.errors import NoMerchantAccount
from easypay.models import Merchant
from easypay.web.i18n import translate
from easypay.web.visitor import CurrentVisitor, WebPrincipal


async def _merchant(principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession) -> Merchant:
    merchant = await repository.active_merchant_of(db, principal.user.id)
    if merchant is None:  # the error page shows the detail: in the visitor's language
        raise NoMerchantAccount(translate("merchant.error.NoMerchantAccount", visitor.lang))
    return merchant


WebMerchant = Annotated[Merchant, Depends(_merchant)]
