"""Sandboxes of the outside world: HTTP apps that speak the real wire formats."""
