"""Forms of the networking blades, one module per family (field shape only;
Azure's rules live in networking/services)."""
