"""The POS API: a store's terminal charges the buyer's one-time payment code, reads a POS
payment by its request id, and cancels it. Authenticated by the merchant's key; errors are
EasyPay's `{"error", "detail"}` (this API is EasyPay's own, not KakaoPay's wire)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.encoders import jsonable_encoder

from easypay.card.dependencies import Issuer
from easypay.db import DbSession, database_of
from easypay.errors import InvalidInput, error_responses
from easypay.idempotency import service as idempotency
from easypay.idempotency.errors import IdempotencyInProgress, IdempotencyKeyReused
from easypay.kit.crypto import sha256_hex
from easypay.ledger.errors import InsufficientFunds
from easypay.models import Merchant
from easypay.money.dependencies import Bank
from easypay.money.errors import BankUnavailable, ChargePending
from easypay.payment import pos, repository
from easypay.payment.errors import AuthenticationFailed
from easypay.payment.pos_errors import (
    BuyerUnavailable,
    CardIssuerDown,
    MerchantKeyInvalid,
    PaymentCodeExpired,
    PaymentCodeNotFound,
    PaymentCodeUsed,
    PaymentDeclined,
    PosCancelRefused,
    PosNotEnabled,
    PosPaymentNotFound,
    PosRequestIdReused,
)
from easypay.payment.pos_schemas import (
    REQUEST_ID_PATTERN,
    PosCancelCreate,
    PosCancelRead,
    PosPaymentCreate,
    PosPaymentRead,
    action_of,
)
from easypay.payment.wire import authenticate

router = APIRouter(prefix="/api/v1/pos", tags=["in-store payments (POS)"])
CANCEL_ENDPOINT = "POST /api/v1/pos/payments/{pos_request_id}/cancel"


async def _merchant(request: Request) -> Merchant:
    """`Authorization: SECRET_KEY <secret key>` (or `KakaoAK <admin key>`) → the merchant."""
    scheme = request.headers.get("authorization", "").partition(" ")[0]
    try:
        merchant = await authenticate(request, "current" if scheme == "SECRET_KEY" else "legacy")
    except AuthenticationFailed as error:
        raise MerchantKeyInvalid() from error
    request.state.idempotency_scope = f"merchant:{merchant.id}"
    return merchant


MerchantKey = Annotated[Merchant, Depends(_merchant)]
RequestId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=REQUEST_ID_PATTERN,
        description="The POS request id of the payment.",
    ),
]


@router.post(
    "/payments",
    status_code=201,
    summary="Charge a scanned payment code",
    description="Charges the buyer's one-time code (valid 3 minutes, single use). A retry "
    "with the same `pos_request_id` returns the first answer and never charges twice; the "
    "same id with another code or amount is a 409. A short wallet is auto-charged from the "
    "buyer's bank when the buyer allows it; otherwise the payment is declined (402).",
    responses=error_responses(
        MerchantKeyInvalid,
        PaymentCodeNotFound,
        PaymentCodeExpired,
        PaymentCodeUsed,
        CardIssuerDown,
        PosRequestIdReused,
        PosNotEnabled,
        BuyerUnavailable,
        PaymentDeclined,
        ChargePending,
        BankUnavailable,
        InvalidInput,
    ),
)
async def charge(
    body: PosPaymentCreate, request: Request, merchant: MerchantKey, bank: Bank, issuer: Issuer
) -> PosPaymentRead:
    database = database_of(request)
    payment = await pos.charge(
        database,
        bank,
        issuer,
        request.app.state.settings,
        merchant,
        pos.ChargeRequest(
            code=body.code,
            amount=body.amount,
            pos_request_id=body.pos_request_id,
            item_name=body.item_name,
            tax_free_amount=body.tax_free_amount,
        ),
    )
    async with database.transaction() as session:
        actions = await repository.actions_of(session, payment.id)
    return PosPaymentRead.of(payment, actions)


@router.get(
    "/payments/{pos_request_id}",
    summary="A POS payment by its request id",
    responses=error_responses(MerchantKeyInvalid, PosPaymentNotFound),
)
async def read(pos_request_id: RequestId, merchant: MerchantKey, db: DbSession) -> PosPaymentRead:
    payment, actions = await pos.find(db, merchant, pos_request_id)
    return PosPaymentRead.of(payment, actions)


@router.post(
    "/payments/{pos_request_id}/cancel",
    summary="Cancel all or part of a POS payment",
    description="Gives `amount` (all that remains when left out) back to the buyer's Pay "
    "Money. A retry with the same `cancel_request_id` returns the first answer and never "
    "cancels twice; the same id with a different request is a 409.",
    responses=error_responses(
        MerchantKeyInvalid,
        PosPaymentNotFound,
        PosCancelRefused,
        IdempotencyKeyReused,
        IdempotencyInProgress,
        InsufficientFunds,
        InvalidInput,
    ),
)
async def cancel(
    pos_request_id: RequestId, body: PosCancelCreate, request: Request, merchant: MerchantKey
) -> PosCancelRead:
    database = database_of(request)
    asked = f"{pos_request_id}\n{body.amount}\n{body.tax_free_amount}"
    # A replay of a finished cancel is answered by the app's Replay handler.
    claim = await idempotency.begin(
        database,
        f"merchant:{merchant.id}",
        CANCEL_ENDPOINT,
        body.cancel_request_id,
        sha256_hex(asked),
    )
    try:
        async with database.transaction() as session:
            payment, action = await pos.cancel(
                session, merchant, pos_request_id, body.amount, body.tax_free_amount
            )
            actions = await repository.actions_of(session, payment.id)
            answer = PosCancelRead.model_validate(
                {
                    **PosPaymentRead.of(payment, actions).model_dump(),
                    "cancel": action_of(action),
                }
            )
            await claim.finish(session, 200, jsonable_encoder(answer))
    except BaseException:
        await claim.abandon()
        raise
    return answer
