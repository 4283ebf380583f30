"""The web app's strings for the newer areas, one module per area (merged into i18n.MESSAGES)."""
