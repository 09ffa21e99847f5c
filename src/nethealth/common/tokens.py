"""Bearer tokens of named people (curators, reviewers): parsed from a `name=token,…` setting
and checked in constant time. Any write API of an area may use them; the curators' tokens
(`curator_tokens`) open every curated dataset (shutdown events, communities)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from nethealth.errors import ConfigError
from nethealth.settings import Settings

MIN_TOKEN_LENGTH = 16


def parse_name_tokens(text: str, setting: str) -> dict[str, str]:
    """{token: name} from `name=token,name=token`; each token at least MIN_TOKEN_LENGTH
    characters (a ConfigError naming `setting` otherwise)."""
    out: dict[str, str] = {}
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        name, sep, token = item.partition("=")
        if not sep or not name.strip() or len(token.strip()) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"{setting} must be name=token pairs separated by commas, each token at least "
                f"{MIN_TOKEN_LENGTH} characters",
                hint="e.g. alice=$(openssl rand -hex 24),bob=$(openssl rand -hex 24)",
            )
        out[token.strip()] = name.strip()
    return out


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value (None if absent)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def name_for(token: str, tokens: Mapping[str, str]) -> str | None:
    """Whose token this is (every known token compared in constant time)."""
    given = token.encode()
    found = None
    for known, name in tokens.items():
        if hmac.compare_digest(given, known.encode()):
            found = name
    return found


def curator_tokens(settings: Settings) -> dict[str, str]:
    """{token: curator name} of NETHEALTH_SHUTDOWNS_CURATORS (name=token pairs) and
    NETHEALTH_SHUTDOWNS_API_TOKEN (curator "api"); empty means curation over the API is closed.
    A malformed pair or a token shorter than MIN_TOKEN_LENGTH is a ConfigError naming the
    setting and the curator, never the token (messages end up in logs)."""
    curators: dict[str, str] = {}
    for item in (p.strip() for p in settings.shutdowns_curators.split(",")):
        if not item:
            continue
        name, sep, token = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(
                "NETHEALTH_SHUTDOWNS_CURATORS must be name=token pairs separated by commas",
                hint="e.g. alice=$(openssl rand -hex 24),bob=$(openssl rand -hex 24)",
            )
        if len(token.strip()) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"NETHEALTH_SHUTDOWNS_CURATORS: the token of {name.strip()!r} is "
                f"{len(token.strip())} characters long; a curation token needs at least "
                f"{MIN_TOKEN_LENGTH}",
                hint="e.g. alice=$(openssl rand -hex 24),bob=$(openssl rand -hex 24)",
            )
        curators[token.strip()] = name.strip()
    single = settings.shutdowns_api_token.strip()
    if single:
        if len(single) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"NETHEALTH_SHUTDOWNS_API_TOKEN is {len(single)} characters long; a curation "
                f"token needs at least {MIN_TOKEN_LENGTH}",
                hint="e.g. NETHEALTH_SHUTDOWNS_API_TOKEN=$(openssl rand -hex 24)",
            )
        curators.setdefault(single, "api")
    return curators
