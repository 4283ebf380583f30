"""The transfer rules, one module per use case: `person` (send, receive, decline, cancel,
return), `bank` (to a bank account), `requests` (money requests and dutch pay)."""
