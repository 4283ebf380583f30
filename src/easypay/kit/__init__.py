"""Small shared helpers. Imports no service package."""
