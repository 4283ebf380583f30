"""The sandbox card issuer: an HTTP app with its own tables, like the sandbox bank."""
