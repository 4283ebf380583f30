"""Webhooks: EasyPay's own signed merchant notifications (Standard Webhooks), sent from the
outbox with retries, every attempt logged."""
