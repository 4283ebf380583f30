"""Payments (결제): merchants get paid online through the KakaoPay-compatible API and the hosted
checkout."""
