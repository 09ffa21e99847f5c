"""The fields of a shutdown event, their vocabularies, and validation of curated input.

One validation path serves the CLI (text values) and the API (JSON values): `coerce_fields`
turns either into canonical JSON values and `check_event` checks a whole record, including the
inclusion criteria every event must meet (Internet Society Pulse's: artificially induced,
removes access, affects a group of people).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from nethealth.common.dates import parse_date
from nethealth.common.json_types import Json
from nethealth.economics.scope import COST_SCOPES
from nethealth.errors import InputError
from nethealth.shutdowns.countries import is_alpha2, to_alpha2

SOURCES = ("access-now", "curated")
SCOPES = ("national", "regional", "local", "unknown")
TYPES = ("shutdown", "throttling", "service-blocking")
NETWORKS = ("broadband", "mobile")
STATUSES = ("ended", "ongoing", "unknown")
START_TYPES = ("actual", "estimated")
CRITERIA = ("artificially_induced", "removes_access", "affects_group")
CRITERIA_TEXT = {
    "artificially_induced": "the disruption was artificially induced (ordered or carried out on "
    "purpose), not an accident, a cable cut or a power failure",
    "removes_access": "it removed or throttled access to the Internet or to services on it",
    "affects_group": "it affected a group of people (a population or an area), not individuals",
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, date, int, bool, enum, enum-list, text-list, url-list, cc-list
    description: str
    choices: tuple[str, ...] = ()
    editable: bool = True  # by curators (system fields change only through their own operation)


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("countries", "cc-list", "ISO 3166-1 alpha-2 codes of the countries affected"),
    FieldSpec("country_text", "text", "the country cell as written by the source"),
    FieldSpec("unmapped_countries", "text-list", "names in the country cell with no ISO code"),
    FieldSpec("start_date", "date", "first day of the event (YYYY-MM-DD)"),
    FieldSpec("start_date_type", "enum", "is the start date actual or estimated", START_TYPES),
    FieldSpec("end_date", "date", "last day of the event, empty while unknown or ongoing"),
    FieldSpec("status", "enum", "ended, ongoing or unknown", STATUSES),
    FieldSpec("year", "int", "the calendar year the event is counted in"),
    FieldSpec("scope", "enum", "national, regional (several places), local (one place)", SCOPES),
    FieldSpec("scope_text", "text", "the geographic scope as written by the source"),
    FieldSpec("area_name", "text", "names of the areas affected, as written"),
    FieldSpec("type", "enum", "main type: shutdown, throttling or service-blocking", TYPES),
    FieldSpec("types", "enum-list", "every type that applies", TYPES),
    FieldSpec("networks", "enum-list", "networks affected: broadband, mobile", NETWORKS),
    FieldSpec("services", "text-list", "services blocked (facebook, whatsapp, sms …)"),
    FieldSpec("cause", "text", "the actual cause (protests, exams, conflict …)"),
    FieldSpec("cause_details", "text", "details of the cause"),
    FieldSpec("justification", "text", "the justification the authorities gave"),
    FieldSpec("justification_details", "text", "details of the justification"),
    FieldSpec("ordered_by", "text", "who ordered it (executive government, military …)"),
    FieldSpec("decision_maker", "text", "the named decision maker"),
    FieldSpec("government_acknowledged", "bool", "did the government acknowledge it"),
    FieldSpec("election", "bool", "related to an election"),
    FieldSpec("violence", "bool", "violence reported during the event"),
    FieldSpec("telcos", "text", "telecom operators involved"),
    FieldSpec("description", "text", "what happened"),
    FieldSpec("sources", "url-list", "evidence: links to reports, measurements, orders"),
    FieldSpec("source_type", "text", "kind of source (news media article, CSO partners …)"),
    FieldSpec("access_now_region", "text", "Access Now's region (APAC, MENA …)"),
    FieldSpec("duration_text", "text", "the duration as written by the source", editable=False),
    FieldSpec("flags", "text-list", "data-quality notes found on import", editable=False),
    FieldSpec("artificially_induced", "bool", CRITERIA_TEXT["artificially_induced"]),
    FieldSpec("removes_access", "bool", CRITERIA_TEXT["removes_access"]),
    FieldSpec("affects_group", "bool", CRITERIA_TEXT["affects_group"]),
    FieldSpec("criteria_basis", "text", "why the event meets the inclusion criteria"),
    FieldSpec(
        "cost_scope",
        "enum",
        "what the cost model counts as cut, when the record's fields do not say (curators)",
        COST_SCOPES,
    ),
    FieldSpec("notes", "text", "curators' notes"),
    FieldSpec(
        "event_links",
        "text-list",
        "records a curator joined to this one: the same event (merge)",
        editable=False,
    ),
    FieldSpec(
        "event_cuts",
        "text-list",
        "records a curator separated from this one: not the same event (split)",
        editable=False,
    ),
    FieldSpec("retracted", "bool", "withdrawn from the tracker (kept, never deleted)", (), False),
    FieldSpec("retraction_reason", "text", "why it was withdrawn", editable=False),
)
FIELD_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _bad(spec: FieldSpec, message: str, hint: str) -> InputError:
    return InputError(message, field=spec.name, hint=hint)


def _as_list(spec: FieldSpec, value: Json) -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise _bad(spec, f"{value!r} is not a list of text", "give a JSON list or comma-separated text")


def _text(spec: FieldSpec, value: Json) -> str | None:
    if not isinstance(value, str):
        raise _bad(spec, f"{value!r} is not text", "give a string")
    return value.strip() or None


def _date(spec: FieldSpec, value: Json) -> str | None:
    text = _text(spec, value)
    if text is None:
        return None
    day = parse_date(text, spec.name)  # YYYY-MM-DD in 1970..2100, or an InputError
    return day.isoformat() if day else None


def _int(spec: FieldSpec, value: Json) -> int:
    try:
        number = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else -1
    except ValueError:
        number = -1
    if not 1990 <= number <= 2100:
        raise _bad(spec, f"{value!r} is not a year", "give a year such as 2024")
    return number


def _bool(spec: FieldSpec, value: Json) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        if key in ("", "unknown", "null"):
            return None
    raise _bad(spec, f"{value!r} is not yes or no", "give true/false (yes/no), or empty if unknown")


def _enum(spec: FieldSpec, value: Json) -> str | None:
    text = _text(spec, value)
    if text is None:
        return None
    key = text.lower()
    if key not in spec.choices:
        raise _bad(spec, f"{text!r} is not allowed", f"choose one of: {', '.join(spec.choices)}")
    return key


def _enum_list(spec: FieldSpec, value: Json) -> list[str]:
    items = [v.lower() for v in _as_list(spec, value)]
    wrong = [v for v in items if v not in spec.choices]
    if wrong:
        raise _bad(
            spec, f"{', '.join(wrong)} not allowed", f"choose among: {', '.join(spec.choices)}"
        )
    return list(dict.fromkeys(items))


def _urls(spec: FieldSpec, value: Json) -> list[str]:
    items = _as_list(spec, value) if not isinstance(value, str) else value.split()
    items = [i.strip().rstrip(",;") for i in items if i.strip()]
    wrong = [i for i in items if not _URL.match(i)]
    if wrong:
        raise _bad(spec, f"not a link: {wrong[0]!r}", "give http(s) URLs separated by spaces")
    return list(dict.fromkeys(items))


def _ccs(spec: FieldSpec, value: Json) -> list[str]:
    if isinstance(value, str):  # one name (ISO names have commas), else a list of codes/names
        whole = to_alpha2(value)
        value = [whole] if whole else re.split(r"[,;]", value)
    out: list[str] = []
    for item in _as_list(spec, value):
        code = item.upper() if len(item) == 2 and is_alpha2(item) else to_alpha2(item)
        if code is None:
            raise _bad(spec, f"{item!r} is not an ISO 3166 country", "give alpha-2 codes (IN, IR)")
        out.append(code)
    return list(dict.fromkeys(out))


_COERCE: dict[str, Callable[[FieldSpec, Json], Json]] = {
    "text": _text,
    "date": _date,
    "int": _int,
    "bool": _bool,
    "enum": _enum,
    "enum-list": _enum_list,
    "text-list": _as_list,
    "url-list": _urls,
    "cc-list": _ccs,
}


def coerce_fields(raw: Mapping[str, Json], *, curated: bool = True) -> dict[str, Json]:
    """Text or JSON values → canonical values. `curated` refuses fields curators may not set."""
    out: dict[str, Json] = {}
    for name, value in raw.items():
        spec = FIELD_BY_NAME.get(name)
        if spec is None:
            raise InputError(
                f"unknown field {name!r}",
                field=name,
                hint=f"fields: {', '.join(f.name for f in FIELDS if f.editable)}",
            )
        if curated and not spec.editable:
            raise _bad(spec, "this field cannot be set by hand", _SYSTEM_HINT.get(name, ""))
        out[name] = None if value is None else _COERCE[spec.kind](spec, value)
    return out


_SYSTEM_HINT = {
    "retracted": "use the retract operation, which records a reason",
    "retraction_reason": "use the retract operation",
    "flags": "flags are written by the importer",
    "duration_text": "set start_date and end_date instead",
    "event_links": "join records into one event with `nethealth shutdowns merge`",
    "event_cuts": "separate records into their own event with `nethealth shutdowns split`",
}


def problems(fields: Mapping[str, Json]) -> list[InputError]:
    """Whole-record rules for an event (after an add or an edit), every broken one."""
    out: list[InputError] = []
    if not fields.get("countries") and not fields.get("unmapped_countries"):
        out.append(
            InputError("an event needs a country", field="countries", hint="give --country IN")
        )
    if not fields.get("start_date"):
        out.append(InputError("an event needs a start date", field="start_date", hint="YYYY-MM-DD"))
    end, start = fields.get("end_date"), fields.get("start_date")
    if end and start and end < start:
        out.append(
            InputError(
                f"end date {end} is before start date {start}",
                field="end_date",
                hint="fix one of the two dates",
            )
        )
    if fields.get("type") not in TYPES:
        out.append(InputError("an event needs a type", field="type", hint=f"one of: {TYPES}"))
    if fields.get("scope") not in SCOPES:
        out.append(InputError("an event needs a scope", field="scope", hint=f"one of: {SCOPES}"))
    if not fields.get("sources"):
        out.append(
            InputError(
                "an event needs at least one source link",
                field="sources",
                hint="give the report, measurement or order that documents it",
            )
        )
    for name in CRITERIA:
        if fields.get(name) is not True:
            out.append(
                InputError(
                    "the event does not meet the inclusion criteria: "
                    f"{name.replace('_', ' ')} is not confirmed",
                    field=name,
                    hint=f"confirm only if {CRITERIA_TEXT[name]}; "
                    "an event that fails a criterion is not a shutdown for this tracker",
                )
            )
    return out


def check_event(fields: Mapping[str, Json], *, before: Mapping[str, Json] | None = None) -> None:
    """Raise the first broken rule. With `before` (an edit), a rule that the event already broke
    on a field the edit does not touch is not the editor's to fix (imported records can lack
    source links)."""
    found = problems(fields)
    if before is not None:
        old = {e.field for e in problems(before)}
        found = [
            e
            for e in found
            if e.field not in old or fields.get(e.field or "") != before.get(e.field or "")
        ]
    if found:
        raise found[0]
