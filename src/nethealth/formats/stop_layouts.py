"""The header layouts STOP sheets have been published in, each mapped to the canonical columns of
the combined 2016–2025 sheet, with the translations of their older vocabularies.

A layout names its columns as they read after `normalise_header` (case, padding and inner
whitespace do not matter: `end_date `, `Info_source ` and `telco_ ack` are `end_date`,
`info_source`, `telco_ack`). Its renames are explicit: `shutdown_type_new` → `shutdown_type`,
`full or service-based` → `shutdown_extent`, `users_affected/targetted ` → `users_targeted` …,
and a column that means something else in one year (the 2019 tab's `telco_ ack` holds links and
quotes, not yes/no) is mapped per layout, never globally.

The older tabs also wrote their values in other words ("Full" for "Full network", "Level 1" for
"It only affected one city, county, or village", True/False for Yes/No). `translate` rewrites a
row into the combined sheet's vocabulary, so the normaliser reads one vocabulary only. Each
translation below was checked against the same events in the combined sheet (see `source`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

# The columns of the combined 2016–2025 sheet (snapshot 2026-05-20), in the publisher's order.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "start_date_type",
    "start_date",
    "country",
    "geo_scope",
    "area_name",
    "shutdown_type",
    "affected_network",
    "shutdown_extent",
    "ordered_by",
    "decision_maker",
    "actual_cause",
    "actual_cause_details",
    "info_source",
    "info_source_link",
    "shutdown_status",
    "end_date",
    "duration",
    "gov_justification",
    "gov_just_details",
    "gov_ack",
    "legal_just",
    "legal_method",
    "gov_ack_source",
    "gov_ack_quote",
    "facebook_affected",
    "twitter_affected",
    "whatsapp_affected",
    "instagram_affected",
    "telegram_affected",
    "other_affected",
    "sms_affected",
    "phonecall_affected",
    "telcos_involved",
    "telco_ack",
    "telco_ack_source",
    "telco_ack_quote",
    "election",
    "violence",
    "hr_abuse_reported",
    "users_targeted",
    "users_target_detail",
    "users_notified",
    "econ_impact",
    "event",
    "an_link",
    "region",
    "count_year",
)

# A row's canonical values (filled from the mapped columns) and its cells by normalised header.
Translate = Callable[[dict[str, str], Mapping[str, str]], None]

# Where the yearly tabs were checked: the STOP workbook as downloaded (2023) and published in
# github.com/jens-koning/internet_shutdowns_india (Shutdowns_data/Keepiton_raw_dataset.xlsx),
# each tab's rows compared field by field with the same events in the combined sheet.
_WORKBOOK = "the STOP workbook's tab {tab!r} (copy in jens-koning/internet_shutdowns_india)"


def normalise_header(name: str) -> str:
    """Case, padding and whitespace do not name a column: `Info_source ` is `info_source`,
    `telco_ ack` is `telco_ack`, `full or service-based` is `full_or_service-based`."""
    text = re.sub(r"\s+", "_", name.replace("\ufeff", "").strip().lower())
    return re.sub(r"_{2,}", "_", text)


def header_signature(headers: Sequence[str]) -> str:
    """Order-independent fingerprint of a header: sha256 of the sorted normalised names."""
    names = sorted({normalise_header(h) for h in headers if h.strip()})
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Layout:
    """One header layout: its (normalised) column names mapped to canonical names (None = read
    but not kept), where each row's count year comes from, and how its values translate."""

    name: str
    description: str
    columns: Mapping[str, str | None]
    year_from: str  # "column" (a year column) or "sheet" (the sheet's year, else the start date)
    verified: bool  # checked against a real published file
    source: str  # which real file it was checked against, or why it is not verified
    translate: Translate | None = None

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.columns)

    @property
    def signature(self) -> str:
        return header_signature(list(self.columns))


def _identity(columns: Sequence[str]) -> dict[str, str | None]:
    return {c: c for c in columns}


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _recode(values: dict[str, str], column: str, table: Mapping[str, str]) -> None:
    """Replace a value by its combined-sheet spelling; a value not in the table stays as written
    (the normaliser then reports or keeps it as text)."""
    written = values[column]
    values[column] = table.get(_words(written), written)


# Older spellings of the justification categories → the combined sheet's (as it rewrote them).
JUSTIFICATIONS = {
    "fake news / hate speech / incendiary content or promoting violence": (
        "Fake news/ Hate speech/ Incendiary content/ Promoting violence"
    ),
    "fake news/ hate speech": "Fake news/ Hate speech/ Incendiary content/ Promoting violence",
    "public safety / quell unrest / restore public order": (
        "Public safety/ Quell unrest/ Restore public order"
    ),
    "public safety": "Public safety/ Quell unrest/ Restore public order",
    "national security / counter-terrorism": "National security/ Counter-terrorism",
    "national security": "National security/ Counter-terrorism",
    "technical problems / infrastructure failure": "Technical problems/ Infrastructure failure",
    "sabotage / third-party action": "Sabotage/ Third-party Action",
    "sabotage/third-party action": "Sabotage/ Third-party Action",
    "sabotage/ third-party action": "Sabotage/ Third-party Action",
    "school exams": "School exams",
}
ONE_PLACE = "It only affected one city, county, or village"
ONE_REGION = "It affected more than one city in the same state, province, or region"
SEVERAL_REGIONS = "It affected locations in more than one state, province, or region"
_NOT_A_DATE = {"unknown", "unkown", "n/a", "na", "none", "-"}


def _end_date_words(values: dict[str, str]) -> None:
    """Early tabs wrote words in the end date: "ongoing" is a status, "Unknown" no date."""
    key = _words(values["end_date"])
    if key == "ongoing":
        values["end_date"] = ""
        values["shutdown_status"] = values["shutdown_status"] or "Ongoing"
    elif key in _NOT_A_DATE:
        values["end_date"] = ""


# The 2019 tab -------------------------------------------------------------------------------

_YES_NO = {"true": "Yes", "false": "No", "yes": "Yes", "no": "No"}


def _translate_2019(values: dict[str, str], cells: Mapping[str, str]) -> None:
    _recode(
        values,
        "geo_scope",
        {"level 1": ONE_PLACE, "level 2": ONE_REGION, "level 3": SEVERAL_REGIONS},
    )
    _recode(
        values,
        "shutdown_type",
        {
            "shutdown": "Shutdown",
            "shutdown and throttle": "Shutdown, Throttle",
            "throttle": "Throttle",
            "unknown": "Unknown",
        },
    )
    _recode(
        values,
        "affected_network",
        {
            "mobile and broadband": "Broadband, Mobile",
            "mobile": "Mobile",
            "broadband": "Broadband",
            "unknown": "Unknown",
        },
    )
    _recode(
        values,
        "shutdown_extent",
        {
            "full": "Full network",
            "service-based": "Service-based",
            "full and service-based": "Full network, Service-based",
        },
    )
    for col in (
        "facebook_affected",
        "twitter_affected",
        "whatsapp_affected",
        "instagram_affected",
        "telegram_affected",
    ):
        _recode(values, col, _YES_NO)
    # One column for two services: "SMS", "Phone call", "SMS and Phone call".
    both = _words(cells.get("sms_and_phone_call_affected", ""))
    values["sms_affected"] = "Yes" if "sms" in both else ""
    values["phonecall_affected"] = "Yes" if "phone" in both else ""
    # `telco_ ack` held the telco's statement: a link (source) or the words (quote).
    said = cells.get("telco_ack", "").strip()
    target = (
        "telco_ack_source" if re.match(r"^https?://", said, re.IGNORECASE) else "telco_ack_quote"
    )
    values[target] = said
    _recode(values, "gov_justification", JUSTIFICATIONS)
    _end_date_words(values)


LAYOUT_2019_COLUMNS: dict[str, str | None] = {
    "id": None,  # the tab's row number
    "start_date": "start_date",
    "end_date": "end_date",
    "duration": "duration",
    "info_source": "info_source",
    "news_link": "info_source_link",
    "continent": None,  # not Access Now's later regions (Sudan: Africa, later MENA): not kept
    "sub-region": None,
    "country": "country",
    "geo_scope": "geo_scope",
    "area_name": "area_name",
    "ordered_by": "ordered_by",
    "decision_maker": "decision_maker",
    "shutdown_type_new": "shutdown_type",
    "affected_network": "affected_network",
    "full_or_service-based": "shutdown_extent",
    "facebook_affected": "facebook_affected",
    "twitter_affected": "twitter_affected",
    "whatsapp_affected": "whatsapp_affected",
    "instagram_affected": "instagram_affected",
    "telegram_affected": "telegram_affected",
    "other_service_details_(specify)": "other_affected",
    "sms_and_phone_call_affected": None,  # split into sms_affected and phonecall_affected
    "telcos_involved": "telcos_involved",
    "gov_ack": "gov_ack",
    "official_just": "gov_justification",
    "other_just_details": "gov_just_details",
    "off_statement": "gov_ack_quote",
    "actual_cause": "actual_cause",
    "other_cause_details": "actual_cause_details",
    "election": "election",
    "violence": "violence",
    "hr_abuse_reported": "hr_abuse_reported",
    "users_notified": "users_notified",
    "users_affected/targetted": "users_targeted",
    "legal_justif": "legal_just",
    "legal_method": "legal_method",
    "telco_resp": "telco_ack",  # Yes / No / Unknown, as telco_ack is in the combined sheet
    "telco_ack": None,  # a link or a quote: moved by the translation
    "econ_impact": "econ_impact",
    "event": "event",
    "an_link": "an_link",
    "notes": None,
}


# The 2016–2018 tab --------------------------------------------------------------------------


def _parts(text: str) -> set[str]:
    return {_words(p) for p in re.split(r"[,&]", text) if p.strip()}


def _translate_2016_2018(values: dict[str, str], cells: Mapping[str, str]) -> None:
    """One list of what was cut (`shutdown_type`: "Broadband Internet, Mobile Internet, SMS",
    "Service-based", "Throttling" …) and its group → the combined sheet's type, networks,
    extent, SMS and calls. A throttling without a network named has no networks (unknown):
    the combined sheet later filled them in from sources this tab does not have."""
    group = _words(cells.get("shutdown_type_group", ""))
    parts = _parts(cells.get("shutdown_type", "")) | ({group} if group else set())
    full = group == "full network"
    broadband = full or "broadband internet" in parts
    mobile = full or "mobile internet" in parts
    service = "service-based" in parts
    values["shutdown_type"] = "Throttle" if "throttling" in parts else "Shutdown"
    values["affected_network"] = (
        "Broadband, Mobile"
        if (broadband and mobile) or (service and not (broadband or mobile))
        else "Mobile"
        if mobile
        else "Broadband"
        if broadband
        else ""
    )
    network = broadband or mobile or "throttling" in parts
    values["shutdown_extent"] = (
        "Full network, Service-based"
        if service and network
        else "Service-based"
        if service
        else "Full network"
    )
    # SMS and calls are listed in either column ("Mobile Internet, SMS, Telephony").
    cut = parts | _parts(cells.get("services_affected", ""))
    values["sms_affected"] = "Yes" if "sms" in cut else ""
    values["phonecall_affected"] = "Yes" if cut & {"telephony", "landline"} else ""
    # The services blocked are named in service_details only for service-based events.
    values["other_affected"] = cells.get("service_details", "").strip() if service else ""
    _recode(
        values,
        "geo_scope",
        {
            "local": ONE_PLACE,
            "regional": ONE_REGION,
            "multi-regional": SEVERAL_REGIONS,
            "national": "National",
        },
    )
    _recode(values, "gov_justification", JUSTIFICATIONS)
    _end_date_words(values)


LAYOUT_2016_2018_COLUMNS: dict[str, str | None] = {
    "year": "count_year",
    "start_date": "start_date",
    "end_date": "end_date",
    "duration_days": "duration",
    "duration_hours": None,
    "info_source": "info_source",
    "news_link": "info_source_link",
    "continent": None,
    "sub_region": None,
    "country": "country",
    "geo_scope": "geo_scope",
    "area_name": "area_name",
    "ordered_by": "ordered_by",
    "shutdown_type_group": None,  # with shutdown_type: translated into type, networks, extent
    "shutdown_type": None,
    "official_just": "gov_justification",
    "actual_cause": "actual_cause",
    "econ_impact": "econ_impact",
    "event": "event",
    "an_link": "an_link",
    "services_affected": None,  # repeats shutdown_type in other words
    "service_details": None,  # the services of a service-based event: see the translation
    "notes": None,
    "latitude": None,
    "longitude": None,
    "id": None,
}

_WITHOUT_YEAR = tuple(c for c in CANONICAL_COLUMNS if c != "count_year")

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name="stop-combined-2016-2025",
        description="Combined (2016-2025) tab, 47 columns, one row per event and count year",
        columns=_identity(CANONICAL_COLUMNS),
        year_from="column",
        verified=True,
        source="the combined 2016-2025 sheet, snapshot 2026-05-20",
    ),
    Layout(
        name="stop-yearly-2020-2022",
        description="a per-year tab (2020 Data, 2021 Data, 2022 Data): the combined columns "
        "without region and count_year",
        columns=_identity(tuple(c for c in _WITHOUT_YEAR if c != "region")),
        year_from="sheet",
        verified=True,
        source=_WORKBOOK.format(tab="2020 Data") + ", and its '2021 Data' and '2022 Data' tabs",
    ),
    # A per-year tab with the region column the combined sheet has: reconstructed.
    Layout(
        name="stop-yearly-with-region",
        description="a per-year tab with the combined columns but count_year",
        columns=_identity(_WITHOUT_YEAR),
        year_from="sheet",
        verified=False,
        source="reconstructed from the combined sheet (no such tab was available to check)",
    ),
    Layout(
        name="stop-yearly-2019",
        description="the 2019 tab: 43 columns, other names (shutdown_type_new, full or "
        "service-based, news_link …) and values (Level 1–3, Full, True/False)",
        columns=LAYOUT_2019_COLUMNS,
        year_from="sheet",
        verified=True,
        source=_WORKBOOK.format(tab="2019"),
        translate=_translate_2019,
    ),
    Layout(
        name="stop-yearly-2016-2018",
        description="the 2016+2017+2018 tab: 26 columns, a year column, what was cut as one "
        "list (Broadband Internet, Mobile Internet, SMS, Throttling …)",
        columns=LAYOUT_2016_2018_COLUMNS,
        year_from="column",
        verified=True,
        source=_WORKBOOK.format(tab="2016+2017+2018 "),
        translate=_translate_2016_2018,
    ),
)
