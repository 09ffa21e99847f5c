"""FastAPI application: the JSON/CSV API v1 (see docs/api.md)."""
