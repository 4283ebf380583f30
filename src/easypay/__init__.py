"""EasyPay: a self-hostable easy-payment platform on one double-entry ledger."""

__version__ = "0.1.0"
