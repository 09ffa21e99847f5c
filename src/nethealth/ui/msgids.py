"""The two pieces of the translation machinery that everything else may import: the source
language and the marker of strings to translate (extracted by scripts/i18n.py, translated where
shown). A leaf module, so formatting and i18n need not import each other."""

from __future__ import annotations

DEFAULT = "en"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it: it is translated where shown."""
    return message
