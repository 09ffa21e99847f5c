"""One STOP sheet row (canonical columns, as written) → the tracker's event fields.

Every rule is a small function over the text Access Now writes, so a reviewer can check each
vocabulary mapping against the STOP codebook. The text as written stays in *_text fields.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from nethealth.common.json_types import Json
from nethealth.formats.stop_sheet import SheetRow
from nethealth.shutdowns.countries import match_countries, to_alpha2

NORMALISER_VERSION = "1"

GEO_SCOPE = {
    "it only affected one city, county, or village": "local",
    "it affected more than one city in the same state, province, or region": "regional",
    "it affected locations in more than one state, province, or region": "multi-region",
    "national": "national",
    "regional": "regional",
    "local": "local",
}
_NATIONAL_AREA = re.compile(
    r"^(nation\s*-?\s*wi?de?|nationwde|national\b(?!\s+capital)|country\s*-?\s*wide|"
    r"near(ly)?\s+country\s*-?\s*wide|most of the country|nearly every region|all regions)"
    r"|\b(whole|entire) country\b"
)
# Service flag columns of the sheet → service ids.
SERVICE_COLUMNS = {
    "facebook_affected": "facebook",
    "twitter_affected": "twitter",
    "whatsapp_affected": "whatsapp",
    "instagram_affected": "instagram",
    "telegram_affected": "telegram",
    "sms_affected": "sms",
    "phonecall_affected": "phone-calls",
}
# Case variants in the sheet ("School exams" / "School Exams") collapse to one spelling.
_JUSTIFICATIONS = (
    "Fake news/ Hate speech/ Incendiary content/ Promoting violence",
    "Public safety/ Quell unrest/ Restore public order",
    "National security/ Counter-terrorism",
    "Precautionary measure",
    "Sabotage/ Third-party Action",
    "School exams",
    "Technical problems/ Infrastructure failure",
    "Illegal content",
    "Other",
    "Unknown",
)
_JUSTIFICATION_BY_KEY = {j.casefold(): j for j in _JUSTIFICATIONS}
ACCESS_NOW_CRITERIA_BASIS = (
    "Listed in Access Now's #KeepItOn STOP dataset, whose definition of a shutdown (an "
    "intentional disruption of Internet or electronic communications, rendering them "
    "inaccessible or effectively unusable, for a specific population or within a location) "
    "covers the three inclusion criteria."
)


@dataclass(frozen=True)
class Normalised:
    event_id: str
    fields: dict[str, Json]
    line: int
    record: str


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _opt(text: str) -> str | None:
    return _squash(text) or None


def _yes_no(text: str) -> bool | None:
    key = text.strip().lower()
    return True if key == "yes" else False if key == "no" else None


def is_national_area(area: str, countries: Iterable[str] = ()) -> bool:
    key = _squash(area).lower()
    if _NATIONAL_AREA.search(key):
        return True
    m = re.fullmatch(r"(entire|all of|whole of)\s+(.+)", key)
    return bool(m and to_alpha2(m[2]) in set(countries))


def scope_of(geo_scope: str, area: str, countries: Iterable[str]) -> tuple[str, bool]:
    """(scope, conflict). The area text wins when it says the whole country, since STOP's
    geo_scope answers "how many places", not "was it national"."""
    coded = GEO_SCOPE.get(_squash(geo_scope).lower())
    if is_national_area(area, countries):
        return "national", coded in ("local", "regional")
    if coded == "multi-region":
        return "regional", False
    return (coded or "unknown"), False


def types_of(shutdown_type: str, extent: str) -> list[str]:
    """STOP's shutdown_type (Shutdown / Throttle) × shutdown_extent (Full network /
    Service-based) → tracker types, main type first."""
    kinds = {p.strip().lower() for p in shutdown_type.split(",")}
    extents = {p.strip().lower() for p in extent.split(",")}
    full = "full network" in extents
    service = "service-based" in extents
    # "Unknown" (or empty) type: the extent alone says what was cut.
    cut = "shutdown" in kinds or not {"shutdown", "throttle"} & kinds
    out: list[str] = []
    if cut and full:
        out.append("shutdown")
    if cut and service:
        out.append("service-blocking")
    if "throttle" in kinds:
        out.append("throttling")
    return out or ["shutdown"]


def networks_of(text: str) -> list[str]:
    found = {p.strip().lower() for p in text.split(",")}
    out: list[str] = [n for n in ("broadband", "mobile") if n in found]
    if "fixed" in found or "fixed-line" in found:
        out = list(dict.fromkeys(["broadband", *out]))
    return out


def services_of(values: dict[str, str]) -> list[str]:
    out = [sid for col, sid in SERVICE_COLUMNS.items() if _yes_no(values[col])]
    for part in re.split(r"[,;\n]", values["other_affected"]):
        name = re.sub(r"^(and|&)\s+", "", part.strip().strip('"').strip()).strip('"').strip()
        if name and name.lower() not in ("no", "none", "n/a", "unknown"):
            out.append(name)
    return list(dict.fromkeys(out))


def links_in(*texts: str) -> list[str]:
    out: list[str] = []
    for text in texts:
        for token in re.split(r"[\s;]+", text):
            token = token.strip().rstrip(",")
            if re.match(r"^https?://", token, re.IGNORECASE):
                out.append(token)
    return list(dict.fromkeys(out))


def status_of(text: str, has_end: bool) -> str:
    key = text.strip().lower()
    if key in ("ended", "ongoing"):
        return key
    return "ended" if has_end else "unknown"


def justification_of(text: str) -> str | None:
    value = _opt(text)
    return None if value is None else _JUSTIFICATION_BY_KEY.get(value.casefold(), value)


def identity_key(values: dict[str, str]) -> str:
    """What identifies an event across snapshots: fields Access Now does not revise when an
    event ends (end date, status and sources change; these do not)."""
    parts = [
        values["country"],
        values["start_date"],
        values["area_name"],
        values["shutdown_type"],
        values["affected_network"],
        values["shutdown_extent"],
        values["count_year"],
    ]
    return "\x1f".join(_squash(p).casefold() for p in parts)


def event_id(key: str, ordinal: int) -> str:
    """Stable id: hash of the identity and its ordinal among rows sharing it (in sheet order)."""
    digest = hashlib.sha256(f"access-now\x1e{key}\x1e{ordinal}".encode()).hexdigest()
    return f"an-{digest[:16]}"


def _flags(row: SheetRow, unmapped: bool, scope_conflict: bool) -> list[str]:
    flags = []
    if row.end is not None and row.end < row.start:
        flags.append("end-before-start")
    if unmapped:
        flags.append("country-not-iso")
    if scope_conflict:
        flags.append("scope-from-area-name")
    return flags


def normalise_row(row: SheetRow, ordinal: int) -> Normalised:
    v = row.values
    match = match_countries(v["country"])
    scope, conflict = scope_of(v["geo_scope"], v["area_name"], match.codes)
    types = types_of(v["shutdown_type"], v["shutdown_extent"])
    fields: dict[str, Json] = {
        "countries": list(match.codes),
        "country_text": _squash(v["country"]),
        "unmapped_countries": list(match.unmapped),
        "start_date": v["start_date"],
        "start_date_type": (v["start_date_type"].strip().lower() or None),
        "end_date": v["end_date"] or None,
        "status": status_of(v["shutdown_status"], bool(v["end_date"])),
        "year": row.year,
        "scope": scope,
        "scope_text": _opt(v["geo_scope"]),
        "area_name": _opt(v["area_name"]),
        "type": types[0],
        "types": types,
        "networks": networks_of(v["affected_network"]),
        "services": services_of(v),
        "cause": _opt(v["actual_cause"]),
        "cause_details": _opt(v["actual_cause_details"]),
        "justification": justification_of(v["gov_justification"]),
        "justification_details": _opt(v["gov_just_details"]),
        "ordered_by": _opt(v["ordered_by"]),
        "decision_maker": _opt(v["decision_maker"]),
        "government_acknowledged": _yes_no(v["gov_ack"]),
        "election": _yes_no(v["election"]),
        "violence": _yes_no(v["violence"]),
        "telcos": _opt(v["telcos_involved"]),
        "description": _opt(v["event"]),
        "sources": links_in(
            v["info_source_link"], v["an_link"], v["gov_ack_source"], v["telco_ack_source"]
        ),
        "source_type": _opt(v["info_source"]),
        "access_now_region": _opt(v["region"]),
        "duration_text": _opt(v["duration"]),
        "flags": _flags(row, bool(match.unmapped) or not match.codes, conflict),
        "artificially_induced": True,
        "removes_access": True,
        "affects_group": True,
        "criteria_basis": ACCESS_NOW_CRITERIA_BASIS,
    }
    if fields["start_date_type"] not in (None, "actual", "estimated"):
        fields["start_date_type"] = None
    return Normalised(event_id(identity_key(v), ordinal), fields, row.line, row.record)


def normalise_rows(rows: Iterable[SheetRow]) -> list[Normalised]:
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        key = identity_key(row.values)
        seen[key] = seen.get(key, 0) + 1
        out.append(normalise_row(row, seen[key]))
    return out
