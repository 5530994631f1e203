"""The pieces of `make soak` (scripts/soak.py): backends, clients, faults, reloads, checks."""
