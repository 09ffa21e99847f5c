"""What every curated dataset's write API shares (shutdown events, communities): the curator
behind a bearer token (401 without one, 403 for a token that is not a curator's or when
curation is closed) and the JSON body of a write, bounded in size. The tokens are the
curators' of `nethealth.common.tokens.curator_tokens`; routes raise, the one handler renders."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from nethealth.common.tokens import bearer_token, curator_tokens, name_for
from nethealth.errors import ForbiddenError, InputError, TooLargeError, UnauthorizedError
from nethealth.settings import Settings

MAX_BODY = 64 * 1024
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="nethealth curation"'}


def require_curator(request: Request, settings: Settings) -> str:
    """`api:<name>` of the curator whose bearer token the request carries."""
    return require_token_holder(
        request, curator_tokens(settings), needs="curation", closed="curation through the API",
        env="NETHEALTH_SHUTDOWNS_CURATORS", role="curator",
    )  # fmt: skip


def require_token_holder(
    request: Request,
    tokens: dict[str, str],
    *,
    needs: str,
    closed: str,
    env: str,
    role: str,
    challenge: dict[str, str] = CHALLENGE,
) -> str:
    """`api:<name>` of the holder of the request's bearer token among `tokens` (name → token,
    set by the operator in `env`): 401 without a token, 403 when none is configured or the
    token is not a `role`'s."""
    token = bearer_token(request.headers.get("authorization", ""))
    if token is None:
        raise UnauthorizedError(
            f"{needs} needs a bearer token",
            hint=f"send `Authorization: Bearer <token>`; tokens are set with {env}",
            headers=challenge,
        )
    if not tokens:
        raise ForbiddenError(
            f"{closed} is closed on this server",
            hint=f"the operator enables it with {env}=name=token,…",
        )
    name = name_for(token, tokens)
    if name is None:
        raise ForbiddenError(f"this token is not a {role}'s", hint="ask the operator for a token")
    return f"api:{name}"


async def json_body(request: Request, max_bytes: int = MAX_BODY) -> dict[str, Any]:
    """The request's JSON object (400 if it is not one, 413 above `max_bytes`)."""
    raw = await request.body()
    if len(raw) > max_bytes:
        raise TooLargeError(f"the body is larger than {max_bytes} bytes", hint="send fewer fields")
    try:
        data = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"the body is not JSON: {exc}", hint="send a JSON object") from None
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object", hint='e.g. {"fields": {…}}')
    return data


def body_reason(body: dict[str, Any], required: bool = False) -> str | None:
    """The body's `reason` (kept in the audit log); `required` refuses a blank one."""
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise InputError("`reason` must be text", field="reason")
    if required and not (reason or "").strip():
        raise InputError("a reason is required", field="reason", hint="say why, in a sentence")
    return reason
