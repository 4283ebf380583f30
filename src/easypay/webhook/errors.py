"""Refusals of the webhook API and pages."""

from __future__ import annotations

from easypay.errors import Conflict, EasyPayError, InvalidInput, NotFound, Unauthorized


class WebhookError(EasyPayError):
    code = "WebhookError"


class MerchantKeyRequired(WebhookError, Unauthorized):
    code = "MerchantKeyRequired"
    message = "Send the merchant's key: `Authorization: SECRET_KEY <secret key>`."


class InvalidWebhookUrl(WebhookError, InvalidInput):
    code = "InvalidWebhookUrl"
    message = (
        "The webhook URL must be https:// (http:// only for localhost), at most 255 characters."
    )


class WebhooksOff(WebhookError, Conflict):
    code = "WebhooksOff"
    message = "Webhooks are off for this merchant: set a URL first."


class WebhookEventNotFound(WebhookError, NotFound):
    code = "WebhookEventNotFound"
    message = "No such webhook event."
