"""Networking blades, one module per resource family (see networking/services)."""
