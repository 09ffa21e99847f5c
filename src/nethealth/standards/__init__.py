"""Open standards: a safe scanner of the open standards a domain uses (docs/standards.md)."""
