"""FastAPI application: the read-only JSON/CSV API v1 (see docs/api.md)."""
