"""What `easypay settlement run` does, as a function returning a JSON-ready dict."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import clock
from easypay.money.banks import mask_account
from easypay.money.gateway import BankGateway
from easypay.settlement import service


def yesterday() -> date:
    """The last business day that has ended (Korea time)."""
    return service.business_date_of(clock.now()) - timedelta(days=1)


async def run_settlement(
    database: Database, bank: BankGateway, settings: Settings, business_date: date | None
) -> dict[str, Any]:
    """Settle `business_date` (default: yesterday, KST) and pay every payable statement."""
    day = business_date or yesterday()
    report = await service.run(database, bank, settings, [day])
    return {
        "business_date": day.isoformat(),
        "statements_written": len(report.built),
        "payouts_reconciled": report.reconciled,
        "statements": [
            {
                "settlement_id": settlement.id,
                "merchant_id": settlement.merchant_id,
                "business_date": settlement.business_date,
                "status": settlement.status,
                "net_amount": settlement.net_amount,
                "account": mask_account(settlement.account_number)
                if settlement.account_number
                else "",
                "bank_tran_id": settlement.bank_tran_id,
                "bank_result_code": settlement.bank_result_code,
                "bank_message": settlement.bank_message,
            }
            for settlement in report.payouts
        ],
    }


async def run_with_settings(settings: Settings, business_date: date | None) -> dict[str, Any]:
    """The command's entry: its own database connection and bank gateway."""
    from easypay.money.open_banking import OpenBankingGateway

    database = Database(settings.database_url)
    bank = OpenBankingGateway(
        settings.bank_url, settings.bank_api_token, settings.bank_timeout_seconds
    )
    try:
        return await run_settlement(database, bank, settings, business_date)
    finally:
        await bank.aclose()
        await database.dispose()
