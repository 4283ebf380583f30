"""Webhook API bodies: the endpoint, the events and their delivery attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

EventState = Literal["pending", "delivered", "failed"]


class WebhookEndpointUpdate(BaseModel):
    url: str = Field(
        max_length=2000,
        description="Where events are POSTed: https:// (http:// only for localhost/127.0.0.1), "
        "at most 255 characters.",
        examples=["https://shop.example.com/hooks/easypay"],
    )


class WebhookEndpointRead(BaseModel):
    url: str = Field(description="Where events go; empty when webhooks are off.", examples=[""])
    enabled: bool = Field(description="Whether events are sent.", examples=[True])
    secret: str | None = Field(
        None,
        description="The signing secret, only in the answer that made it (keep it: it is never "
        "shown again). Verify `webhook-signature` with it, per Standard Webhooks.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookAttemptRead(BaseModel):
    number: int = Field(description="1 for the first try.", examples=[1])
    attempted_at: datetime = Field(description="When the POST was sent.")
    status_code: int | None = Field(
        description="The receiver's HTTP status; null when no answer came (timeout, refused).",
        examples=[500],
    )
    error: str = Field(description="Why it failed; empty when delivered.", examples=["HTTP 500"])
    duration_ms: int = Field(description="How long the POST took.", examples=[84])


class WebhookEventRead(BaseModel):
    msg_id: str = Field(
        description="The `webhook-id` header: the same on every retry; dedupe by it.",
        examples=["msg_5f0c3b9a1d2e4f6a7b8c9d0e"],
    )
    type: str = Field(description="What happened.", examples=["payment.approved"])
    state: EventState = Field(description="pending, delivered or failed.", examples=["delivered"])
    attempts: int = Field(description="How many POSTs were made.", examples=[1])
    url: str = Field(description="Where it was (or will be) sent.")
    created_at: datetime = Field(description="When the event happened.")
    next_attempt_at: datetime | None = Field(description="The next try, while pending.")
    delivered_at: datetime | None = Field(description="When a 2xx answer came.")
    payload: dict[str, Any] = Field(description="The exact body that is signed and sent.")


class WebhookEventDetail(WebhookEventRead):
    attempt_log: list[WebhookAttemptRead] = Field(description="Every try, oldest first.")
