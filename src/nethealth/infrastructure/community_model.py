"""The curated community datasets: what a record of each kind holds and the checks every record
passes before it is stored (docs/methodology/communities.md).

Four kinds, each a list of records with a stable `id`:
- `nren`: national research and education networks (and regional ones such as GÉANT);
- `nog`: network operator groups;
- `community_network`: local networks built by the people they serve;
- `enabling_environment`: one record per country (`id` = the country code): can a community
  network be licensed, is spectrum available to it — each answer yes, no or unknown, with its
  source and date (an answer other than unknown needs both).

Every record names its `source_url` and the day it was checked (`checked_on`) and how
(`verification`: `curator-knowledge` — "as known to the curator on <date>" — or
`source-verified`, read at the source that day). The seed records are data in this package
(`src/nethealth/infrastructure/curated/<kind>.json`); curators' changes are appended to a log (`community_store`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import pycountry

from nethealth.common.dates import parse_date
from nethealth.common.json_types import Json
from nethealth.errors import InputError

KINDS = ("nren", "nog", "community_network", "enabling_environment")
VERIFICATIONS = ("curator-knowledge", "source-verified")
ANSWERS = ("yes", "no", "unknown")
SCOPES = ("national", "regional")
STATUSES = ("active", "inactive", "unknown")
TECHNOLOGIES = ("wifi", "fibre", "cellular", "tv-white-space", "satellite", "other")
MAX_ASN = 2**32 - 1
MAX_TEXT = 2000
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# Fields every record has, beside its kind's own; `retracted` is set by a retraction only.
BOOKKEEPING = ("id", "retracted", "retraction_reason")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, country, url, date, year, asns, choice, choices
    required: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""


def _f(name: str, kind: str, required: bool = False, choices: tuple[str, ...] = (),
       description: str = "") -> FieldSpec:  # fmt: skip
    return FieldSpec(name, kind, required, choices, description)


_SOURCED = (
    _f("source_url", "url", True, description="Where the record can be checked (http/https)"),
    _f("checked_on", "date", True, description="The day the record was last checked"),
    _f("verification", "choice", True, VERIFICATIONS,
       "curator-knowledge (as known to the curator that day) or source-verified"),
    _f("notes", "text"),
)  # fmt: skip

SPECS: dict[str, tuple[FieldSpec, ...]] = {
    "nren": (
        _f("name", "text", True),
        _f("country", "country", True, description="Seat, ISO 3166-1 alpha-2"),
        _f("scope", "choice", True, SCOPES, "national, or regional (serves several countries)"),
        _f("asns", "asns", description="Its AS numbers (empty: none known)"),
        _f("website", "url"),
        *_SOURCED,
    ),
    "nog": (
        _f("name", "text", True),
        _f(
            "country",
            "country",
            description="The country a national group serves (a regional one: its seat, if any)",
        ),
        _f("scope", "choice", True, SCOPES),
        _f("region", "text", description="The region a regional group serves"),
        _f("website", "url"),
        _f("active_since", "year", description="Year of its first meeting (empty: unknown)"),
        _f("last_meeting", "date", description="Day its latest meeting began (empty: unknown)"),
        *_SOURCED,
    ),
    "community_network": (
        _f("name", "text", True),
        _f("country", "country", True),
        _f("region", "text", description="Region or area served"),
        _f("technology", "choices", True, TECHNOLOGIES),
        _f("asns", "asns", description="Its AS numbers (empty: it has none, or none known)"),
        _f("status", "choice", True, STATUSES),
        _f("website", "url"),
        *_SOURCED,
    ),
    "enabling_environment": (
        _f("country", "country", True),
        _f("licence", "choice", True, ANSWERS, "Can a community network be licensed?"),
        _f("licence_source", "url", description="Law, regulation or decision that says so"),
        _f("licence_checked", "date"),
        _f("spectrum", "choice", True, ANSWERS, "Is spectrum available to community networks?"),
        _f("spectrum_source", "url"),
        _f("spectrum_checked", "date"),
        *_SOURCED,
    ),
}
FIELDS: dict[str, tuple[str, ...]] = {k: tuple(s.name for s in v) for k, v in SPECS.items()}
# What the curation procedure calls each answer group (enabling environment).
ANSWER_GROUPS = (("licence", "licence_source", "licence_checked"),
                 ("spectrum", "spectrum_source", "spectrum_checked"))  # fmt: skip


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(f"unknown community dataset {kind!r}", field="kind",
                         hint=f"choose one of {', '.join(KINDS)}")  # fmt: skip
    return kind


def check_country(text: str | None, field: str = "country") -> str | None:
    """An ISO 3166-1 alpha-2 code in use (upper case), or None for nothing given."""
    if text is None or str(text).strip() == "":
        return None
    cc = str(text).strip().upper()
    if (
        len(cc) != 2
        or not cc.isascii()
        or not cc.isalpha()
        or not pycountry.countries.get(alpha_2=cc)
    ):
        raise InputError(f"{str(text)[:12]!r} is not an ISO 3166-1 alpha-2 country code",
                         field=field, hint="e.g. NL, FR, ZA")  # fmt: skip
    return cc


def check_id(text: str) -> str:
    if not ID_RE.match(text):
        raise InputError(f"{text[:70]!r} is not a record id", field="id",
                         hint="lower-case letters, digits and hyphens, e.g. surf or guifi-net")  # fmt: skip
    return text


def _blank(value: Json) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == []


def _text(name: str, value: Json) -> str:
    if not isinstance(value, str):
        raise InputError(f"{name} must be text", field=name)
    text = value.strip()
    if len(text) > MAX_TEXT or any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise InputError(f"{name} is longer than {MAX_TEXT} characters or has control characters",
                         field=name, hint="shorten it")  # fmt: skip
    return text


def _url(name: str, value: Json) -> str:
    text = _text(name, value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        raise InputError(f"{name} {text[:80]!r} is not an http(s) URL", field=name,
                         hint="give the full address, e.g. https://www.surf.nl/")  # fmt: skip
    return text


def _asns(name: str, value: Json) -> list[int]:
    items: list[Json]
    if isinstance(value, str):
        items = [p for p in re.split(r"[\s,;]+", value) if p]
    elif isinstance(value, list):
        items = value
    elif isinstance(value, int) and not isinstance(value, bool):
        items = [value]
    else:
        raise InputError(f"{name} must be a list of AS numbers", field=name)
    out: list[int] = []
    for item in items:
        text = str(item).strip().upper().removeprefix("AS")
        if (
            isinstance(item, bool)
            or not text.isascii()
            or not text.isdigit()
            or not (0 < int(text) <= MAX_ASN)
        ):
            raise InputError(f"{str(item)[:20]!r} is not an AS number (1 to {MAX_ASN})",
                             field=name, hint="e.g. AS1103 or 1103")  # fmt: skip
        if int(text) not in out:
            out.append(int(text))
    return sorted(out)


def _choice(spec: FieldSpec, value: Json) -> str:
    text = _text(spec.name, value).lower()
    if text not in spec.choices:
        raise InputError(f"{spec.name} {text[:30]!r} is not one of {', '.join(spec.choices)}",
                         field=spec.name)  # fmt: skip
    return text


def _choices(spec: FieldSpec, value: Json) -> list[str]:
    items = re.split(r"[\s,;]+", value) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise InputError(f"{spec.name} must be a list", field=spec.name)
    picked = [_choice(spec, item) for item in items if not _blank(item)]
    return [c for c in spec.choices if c in picked]


def _year(name: str, value: Json) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 1960 <= int(text) <= date.today().year:
        raise InputError(f"{name} {text[:10]!r} is not a year from 1960 to this year", field=name)
    return int(text)


def _date(name: str, value: Json) -> str:
    day = parse_date(str(value), name)
    assert day is not None  # not blank: checked by the caller
    if day > date.today():
        raise InputError(f"{name} {day} is in the future", field=name,
                         hint="give the day it happened or was checked")  # fmt: skip
    return day.isoformat()


def _value(spec: FieldSpec, value: Json) -> Json:
    if spec.kind == "text":
        return _text(spec.name, value)
    if spec.kind == "country":
        return check_country(str(value), spec.name)
    if spec.kind == "url":
        return _url(spec.name, value)
    if spec.kind == "date":
        return _date(spec.name, value)
    if spec.kind == "year":
        return _year(spec.name, value)
    if spec.kind == "asns":
        return list(_asns(spec.name, value))
    if spec.kind == "choice":
        return _choice(spec, value)
    return list(_choices(spec, value))


def clean(kind: str, fields: Mapping[str, Json]) -> dict[str, Json]:
    """The given fields checked and normalised one by one (unknown names refused); a blank value
    is null (an empty list for list fields)."""
    specs = {s.name: s for s in SPECS[check_kind(kind)]}
    out: dict[str, Json] = {}
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is None:
            raise InputError(f"{kind} records have no field {name!r}", field=name,
                             hint=f"fields: {', '.join(specs)}")  # fmt: skip
        if _blank(value):
            out[name] = [] if spec.kind in ("asns", "choices") else None
        else:
            out[name] = _value(spec, value)
    return out


def check_record(kind: str, record: Mapping[str, Json]) -> None:
    """The rules across fields of a whole record: required fields present; an enabling
    environment's id is its country and each yes/no answer has a source and a date."""
    for spec in SPECS[kind]:
        if spec.required and _blank(record.get(spec.name)):
            raise InputError(f"{kind} {record.get('id')}: {spec.name} is required",
                             field=spec.name, hint=spec.description or None)  # fmt: skip
    if kind == "nog" and record.get("scope") == "national" and _blank(record.get("country")):
        raise InputError(f"nog {record.get('id')}: a national group needs its country",
                         field="country")  # fmt: skip
    if kind == "enabling_environment":
        if record.get("id") != str(record.get("country") or "").lower():
            raise InputError(f"enabling_environment {record.get('id')}: the id must be the "
                             "country code in lower case", field="id",
                             hint=f"use id={str(record.get('country') or '').lower()}")  # fmt: skip
        for answer, source, checked in ANSWER_GROUPS:
            if record.get(answer) != "unknown" and (
                _blank(record.get(source)) or _blank(record.get(checked))
            ):
                raise InputError(f"enabling_environment {record.get('id')}: {answer} "
                                 f"{record.get(answer)!r} needs {source} and {checked}",
                                 field=source, hint="cite the law or decision and the day "
                                 "you read it, or answer unknown")  # fmt: skip


def empty_record(kind: str, record_id: str) -> dict[str, Json]:
    spec = SPECS[kind]
    out: dict[str, Json] = {s.name: [] if s.kind in ("asns", "choices") else None for s in spec}
    return {"id": record_id, **out, "retracted": False, "retraction_reason": None}
