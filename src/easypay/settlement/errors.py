"""Settlement refusals."""

from __future__ import annotations

from easypay.errors import InvalidInput, NotFound


class SettlementNotFound(NotFound):
    code = "SettlementNotFound"
    message = "No such settlement statement."


class BusinessDayNotOver(InvalidInput):
    code = "BusinessDayNotOver"
    message = "Only a business day that has ended (Korea time) can be settled."
