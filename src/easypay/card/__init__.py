"""Cards (카드): a user registers cards with a card issuer; payments authorise, capture and
cancel on them through the issuer's HTTP API."""
