from easypay.errors import Conflict, InvalidInput


class IdempotencyKeyMissing(InvalidInput):
    status = 400
    code = "IdempotencyKeyMissing"
    message = "Send an Idempotency-Key header (1 to 255 visible characters) with this request."


class IdempotencyKeyReused(Conflict):
    code = "IdempotencyKeyReused"
    message = "This Idempotency-Key was already used for a different request."


class IdempotencyInProgress(Conflict):
    code = "IdempotencyInProgress"
    message = "A request with this Idempotency-Key is still being processed. Retry shortly."
