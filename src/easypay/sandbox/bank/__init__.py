"""The sandbox bank: an open-banking-shaped HTTP API with its own tables."""
