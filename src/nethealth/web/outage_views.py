"""View models of the detected-outage pages: the list (`/outages`), one event (`/outages/{id}`),
a country's events (country page) and the home map's "ongoing outages" layer.

Events and series are read with `nethealth.outages.query`, the functions behind
`/api/v1/events`, so a page and the API always say the same thing.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.common.dates import parse_datetime
from nethealth.errors import DatasetNotBuiltError, InputError, NotFoundError
from nethealth.outages.query import (
    MAX_LIMIT,
    EventFilter,
    evidence_series,
    get_event,
    list_artefacts,
    list_events,
)
from nethealth.settings import Settings
from nethealth.shutdowns.views import CountryRef, Names
from nethealth.ui.i18n import ENGLISH, N_, Translator
from nethealth.ui.time_charts import TimePoint

API = "/api/v1/events"
FEED = f"{API}/feed.atom"
DETECTED_LABEL = N_("Detected by nethealth (algorithmic)")
SEVERITIES = ("warning", "critical")
STATUSES = ("ongoing", "stale", "ended")
CONFIDENCE_CLASSES = ("high", "medium", "low")
# What each signal counts, in the words of docs/outages.md: (title, unit for sentences).
SIGNALS: dict[str, tuple[str, str]] = {
    # Titles stay English in the models (the JSON twins); pages translate them where shown (`tr`).
    "bgp": (N_("BGP visibility (/24 blocks)"), N_("/24s")),
    "bgp6": (N_("IPv6 BGP visibility (/48 blocks)"), N_("/48s")),
    "bgp_weighted": (N_("BGP visibility weighted by peers (/24 blocks)"), N_("/24s")),
    "bgp6_weighted": (N_("IPv6 BGP visibility weighted by peers (/48 blocks)"), N_("/48s")),
    "atlas": (N_("Atlas probes reachable"), N_("probes")),
    "atlas_targets": (N_("Atlas targets reached"), N_("targets")),
}
SENTENCE = {  # how a summary sentence names the signal before the place
    "bgp": N_("BGP visibility of %(place)s"),
    "bgp6": N_("IPv6 BGP visibility of %(place)s"),
    "bgp_weighted": N_("BGP visibility of %(place)s"),
    "bgp6_weighted": N_("IPv6 BGP visibility of %(place)s"),
    "atlas": N_("Atlas probes reachable in %(place)s"),
    "atlas_targets": N_("Atlas targets reached in %(place)s"),
}
SHORT = {"bgp": N_("BGP /24"), "bgp6": N_("BGP /48 (IPv6)"), "bgp_weighted": N_("BGP /24"),
         "bgp6_weighted": N_("BGP /48 (IPv6)"), "atlas": N_("Atlas probes"),
         "atlas_targets": N_("Atlas targets")}  # fmt: skip
SIGNAL_ORDER = ("bgp_weighted", "bgp", "bgp6_weighted", "bgp6", "atlas", "atlas_targets")


def signal_title(signal: str) -> str:
    if signal.startswith("user:"):
        return f"Loaded series {signal[5:]}"
    return SIGNALS.get(signal, (signal, ""))[0]


def signal_unit(signal: str) -> str:
    return SIGNALS.get(signal, ("", ""))[1]


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def hhmm(t: dt.datetime) -> str:
    return t.strftime("%H:%M")


def duration_text(seconds: int, t: Translator = ENGLISH) -> str:
    minutes = seconds // 60
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [t.gettext("%(days)s d", days=days)] if days else []
    if hours:
        parts.append(t.gettext("%(hours)s h", hours=hours))
    if mins or not parts:
        parts.append(t.gettext("%(minutes)s min", minutes=mins))
    return " ".join(parts)


# Rows of the list ------------------------------------------------------------------------------


class EventRow(BaseModel):
    event_id: str
    href: str
    scope: str
    place: str = Field(description="Country name, `AS64500 (country)`, or the region code")
    country: CountryRef | None
    asn: int | None
    start: str
    end: str | None
    status: str
    duration_seconds: int
    duration_text: str
    severity: str
    confidence: float | None
    confidence_text: str
    signals: list[str]
    signal_titles: list[str]
    shutdowns: list[str] = Field(description="Linked curated shutdown records (event ids)")
    simulated: bool
    confidence_class: str | None = Field(default=None, description="high, medium or low")
    review_status: str = Field(
        default="unreviewed", description="unreviewed, confirmed or dismissed (by a reviewer)"
    )
    detected_by: str = DETECTED_LABEL


def event_row(ev: Mapping[str, Any], names: Names, t: Translator = ENGLISH) -> EventRow:
    cc = ev.get("country")
    ref = names.ref(cc) if cc else None
    if ev["scope"] == "asn":
        place = f"AS{ev['asn']}" + (f" ({ref.name})" if ref else "")
    elif ev["scope"] == "region":
        place = str(ev.get("region"))
    else:
        place = ref.name if ref else t.gettext("unknown country")
    conf = ev.get("confidence")
    signals = list(ev.get("signals") or [])
    return EventRow(
        event_id=ev["event_id"],
        href=f"/outages/{ev['event_id']}",
        scope=ev["scope"],
        place=place,
        country=ref,
        asn=ev.get("asn"),
        start=ev["start"],
        end=ev.get("end"),
        status=ev["status"],
        duration_seconds=int(ev["duration_seconds"]),
        duration_text=duration_text(int(ev["duration_seconds"]), t)
        + (t.gettext(" so far") if ev["status"] == "ongoing" else "")
        + (t.gettext(" until the data end") if ev["status"] == "stale" else ""),
        severity=ev["severity"],
        confidence=conf,
        confidence_text="—" if conf is None else f"{conf * 100:.0f} %",
        signals=signals,
        signal_titles=[SHORT.get(s, s) for s in signals],
        shutdowns=list(ev.get("shutdown_ids") or []),
        simulated=bool(ev.get("simulated")),
        confidence_class=ev.get("confidence_class"),
        review_status=str((ev.get("review") or {}).get("status") or "unreviewed"),
    )


# The list --------------------------------------------------------------------------------------


class OutageFilters(BaseModel):
    country: str | None = None
    from_: str | None = Field(default=None, serialization_alias="from")
    to: str | None = None
    status: str | None = None
    severity: str | None = None


class Option(BaseModel):
    value: str
    label: str


class OutageLinks(BaseModel):
    html: str
    json_: str = Field(serialization_alias="json")
    api: str
    csv: str
    feed: str = FEED


ARTEFACT_KINDS = {
    "session_down": N_("Peer session down or reset"),
    "withdrawal_burst": N_("Withdrawal burst at one peer"),
    "collector_gap": N_("Collector wrote no update file"),
    "single_peer_drop": N_("Drop seen by fewer than two peers"),
}


class ArtefactRow(BaseModel):
    kind: str
    kind_label: str = Field(description="What happened, in words (English in the twin)")
    collector: str | None
    peer: str | None
    entity: str | None
    start: str
    end: str | None
    routes_lost: int | None


class OutageListView(BaseModel):
    filters: OutageFilters
    count: int
    ongoing: int
    summary: str
    simulated: bool
    events: list[EventRow]
    dismissed: int = Field(description="Events matching the filters that reviewers dismissed "
                           "(left out of this list; the API lists them with their status)")  # fmt: skip
    countries: list[Option] = Field(description="Countries with a detected event (the filter)")
    artefacts: list[ArtefactRow] = Field(
        description="Collector artefacts in the window, newest first (at most 200): recorded, "
        "never outages"
    )
    artefacts_total: int
    links: OutageLinks


def list_query(f: OutageFilters) -> str:
    pairs = [("country", f.country), ("from", f.from_), ("to", f.to), ("status", f.status),
             ("severity", f.severity)]  # fmt: skip
    return urlencode([(k, v) for k, v in pairs if v])


def check_filters(f: OutageFilters, settings: Settings) -> EventFilter:
    if f.status and f.status not in STATUSES:
        raise InputError(
            f"unknown status {f.status!r}", field="status", hint="choose ongoing, stale or ended"
        )
    if f.severity and f.severity not in SEVERITIES:
        raise InputError(
            f"unknown severity {f.severity!r}", field="severity", hint="choose warning or critical"
        )
    return EventFilter(
        country=f.country,
        status=f.status,
        start=parse_datetime(f.from_, "from"),
        end=parse_datetime(f.to, "to"),
        limit=MAX_LIMIT,
        exclude_dismissed=True,
    ).check(settings.max_range_days)


def artefact_rows(
    settings: Settings, flt: EventFilter, t: Translator = ENGLISH, limit: int = 200
) -> tuple[list[ArtefactRow], int]:
    """The collector artefacts of the window (at most `limit`) and how many there are."""
    found = list_artefacts(settings, flt.start, flt.end, MAX_LIMIT)
    rows = [
        ArtefactRow(
            kind=str(a["kind"]),
            kind_label=t.tr(ARTEFACT_KINDS.get(str(a["kind"]), str(a["kind"]))),
            collector=a.get("collector") or None,
            peer=a.get("peer"),
            entity=a.get("entity"),
            start=str(a["start"]),
            end=a.get("end"),
            routes_lost=a.get("routes_lost"),
        )
        for a in found[:limit]
    ]
    return rows, len(found)


def outage_list(
    settings: Settings, names: Names, f: OutageFilters, t: Translator = ENGLISH
) -> OutageListView:
    flt = check_filters(f, settings)
    rows = list_events(settings, flt)
    every = list_events(settings, EventFilter(limit=MAX_LIMIT))  # for the country choices
    dismissed = len(list_events(settings, replace(flt, exclude_dismissed=False,
                                                  review="dismissed")))  # fmt: skip
    artefacts, artefacts_total = artefact_rows(settings, flt, t)
    if f.severity:  # the API has no severity filter: the page narrows the API's answer
        rows = [r for r in rows if r["severity"] == f.severity]
    events = [event_row(r, names, t) for r in rows]
    ongoing = sum(1 for e in events if e.status == "ongoing")
    ccs = sorted({str(r["country"]) for r in every if r.get("country")})
    summary = (
        t.ngettext("%(num)s detected event", "%(num)s detected events", len(events))
        + (
            t.gettext(", none ongoing.")
            if not ongoing
            else t.gettext(", %(ongoing)s ongoing.", ongoing=t.number(ongoing))
        )
        if events
        else t.gettext("No detected event matches these filters.")
    ) + (
        " "
        + t.ngettext(
            "%(num)s event dismissed by a reviewer is not listed (the API keeps it, with its "
            "status).",
            "%(num)s events dismissed by reviewers are not listed (the API keeps them, with "
            "their status).",
            dismissed,
        )
        if dismissed
        else ""
    )
    query = list_query(f)
    suffix = f"?{query}" if query else ""
    api_query = urlencode(
        [(k, v) for k, v in (("country", f.country), ("from", f.from_), ("to", f.to),
                             ("status", f.status)) if v]
    )  # fmt: skip
    return OutageListView(
        filters=f,
        count=len(events),
        ongoing=ongoing,
        summary=summary,
        simulated=any(e.simulated for e in events),
        events=events,
        dismissed=dismissed,
        countries=sorted(
            (Option(value=cc, label=names.ref(cc).name) for cc in ccs), key=lambda o: o.label
        ),
        artefacts=artefacts,
        artefacts_total=artefacts_total,
        links=OutageLinks(
            html=f"/outages{suffix}",
            json_=f"/outages.json{suffix}",
            api=f"{API}?{api_query}" if api_query else API,
            csv=f"{API}?{api_query + '&' if api_query else ''}format=csv",
        ),
    )


# One event -------------------------------------------------------------------------------------


class SeriesPoint(BaseModel):
    t: str
    value: float
    in_event: bool


class SignalEvidence(BaseModel):
    signal: str
    title: str
    entity: str
    fired: bool = Field(description="The detector found this signal below its reference")
    baseline: float | None = Field(description="Reference level the drop is measured against")
    baseline_source: str
    minimum: float | None
    drop: float | None = Field(description="Relative drop of the minimum below the baseline")
    interval_start: str
    interval_end: str | None
    summary: str
    points: list[SeriesPoint]


class AffectedAsn(BaseModel):
    asn: int
    href: str | None = Field(description="/asn/{asn} when the routing pages have that AS")
    signals: list[str]
    max_drop: float | None
    units_lost: float | None = Field(
        default=None, description="/24s (or /48s) of the network lost at its worst bin"
    )


class Scale(BaseModel):
    """How big the event is, in numbers a reader can check."""

    units_lost: float | None = Field(description="Routed /24s lost at the worst bin")
    share_of_country: float | None = Field(description="Of the country's routed space, 0..1")
    networks: int
    peers_seen: int | None = Field(description="Full-feed BGP peers that saw the drop")
    peers_total: int | None = Field(description="Full-feed BGP peers up at the time")
    collectors: list[str]
    confidence_class: str | None


class ReviewNote(BaseModel):
    by: str | None
    at: str | None
    text: str | None


class ReviewView(BaseModel):
    status: str = Field(description="unreviewed, confirmed or dismissed")
    by: str | None
    at: str | None
    reason: str | None
    notes: list[ReviewNote]
    text: str = Field(description="The review in words")


class ShutdownLink(BaseModel):
    event_id: str
    href: str | None
    title: str | None


class OutageEventLinks(BaseModel):
    html: str
    json_: str = Field(serialization_alias="json")
    api: str
    list: str
    feed: str = FEED


class OutageCost(BaseModel):
    """The cost model's estimate for the event (nethealth.outages.cost), in USD."""

    low_usd: float
    central_usd: float
    high_usd: float
    text: str
    basis: str = Field(description="curated: sum of the linked records' estimates; detected: "
                       "the model on the detected duration and scope")  # fmt: skip
    model_version: str | None


NO_COST = N_(
    "No estimate: the event has no country, or the lake has no World Bank GDP and Internet-use "
    "figures for it (fetch them with `nethealth shutdowns fetch-worldbank`, then `nethealth "
    "build`)."
)


def outage_cost(ev: Mapping[str, Any], t: Translator = ENGLISH) -> OutageCost | None:
    c = ev.get("cost")
    if not c:
        return None
    low, central, high = (float(c[k]) for k in ("low_usd", "central_usd", "high_usd"))
    return OutageCost(
        low_usd=low, central_usd=central, high_usd=high,
        text=t.gettext("%(central)s (range %(low)s to %(high)s)", central=t.usd(central),
                       low=t.usd(low), high=t.usd(high)),
        basis=str(c.get("basis")), model_version=c.get("model_version"),
    )  # fmt: skip


class OutageEventView(BaseModel):
    event: EventRow
    title: str
    summary: str
    detector: str
    method_version: str
    known_at: str
    data_end: str
    max_drop: float | None
    entity: str = Field(description="The entity whose signals the charts show")
    evidence: list[SignalEvidence]
    fired: list[str] = Field(description="`entity signal` pairs that fired, as in the evidence")
    asns: list[AffectedAsn]
    shutdowns: list[ShutdownLink]
    cost: OutageCost | None
    cost_note: str | None = Field(description="Why there is no estimate (null when there is)")
    simulated: bool
    sentence: str = Field(description="What happened, in one sentence")
    scale: Scale
    review: ReviewView
    links: OutageEventLinks


def primary_entity(ev: Mapping[str, Any]) -> str:
    if ev["scope"] == "country":
        return f"country:{ev['country']}"
    if ev["scope"] == "asn":
        return f"asn:{ev['asn']}"
    return f"region:{ev['region']}"


def _episodes(ev: Mapping[str, Any], entity: str, signal: str) -> list[dict[str, Any]]:
    doc = ev.get("evidence") or {}
    found = doc.get(entity, {}).get(signal, []) if isinstance(doc, dict) else []
    return [e for e in found if isinstance(e, dict)]


def _ts(seconds: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC)


def signal_evidence(
    ev: Mapping[str, Any],
    entity: str,
    place: str,
    series: Mapping[str, Any],
    t: Translator = ENGLISH,
) -> SignalEvidence:
    """One signal of the entity: its series, the interval, baseline, minimum and the sentence."""
    signal = str(series["signal"])
    points = [TimePoint(parse_time(t), float(v)) for t, v in series["points"] if v is not None]
    episodes = _episodes(ev, entity, signal)
    data_end = parse_time(ev["data_end"])
    if episodes:  # the detector's own interval and reference for this signal
        lo = _ts(min(e["start"] for e in episodes))
        ends = [e.get("end") for e in episodes]
        hi_open = any(e is None for e in ends)
        hi = data_end if hi_open else _ts(max(e for e in ends if e is not None))
        baseline: float | None = float(max(e["reference"] for e in episodes))
        source = t.gettext("the detector's reference level")
    else:  # did not fire here: the event's interval, against the level just before it
        lo = parse_time(ev["start"])
        hi_open = ev.get("end") is None
        hi = data_end if hi_open else parse_time(ev["end"])
        before = [p.value for p in points if p.t < lo]
        baseline = float(statistics.median(before)) if before else None
        source = t.gettext("the median before the event")
    inside = [p.value for p in points if lo <= p.t < hi]
    minimum = min(inside) if inside else None
    drop = (
        (baseline - minimum) / baseline
        if baseline and minimum is not None and baseline > 0
        else None
    )
    if signal in SENTENCE:
        name = t.gettext(SENTENCE[signal], place=place)
    else:
        name = t.gettext("%(signal)s of %(place)s", signal=t.tr(signal_title(signal)), place=place)
    unit = t.tr(signal_unit(signal)) if signal_unit(signal) else ""
    span = t.gettext("between %(start)s and %(end)s UTC", start=hhmm(lo), end=hhmm(hi)) + (
        t.gettext(" (data end)") if hi_open else ""
    )
    if baseline is None or minimum is None:
        summary = t.gettext("%(name)s: not enough data around the event to compare.", name=name)
    elif minimum < baseline:
        pct = f"−{drop * 100:.0f}%" if drop is not None else ""
        summary = (
            t.gettext(
                "%(name)s fell from %(baseline)s to %(minimum)s %(unit)s (%(drop)s) %(span)s.",
                name=name, baseline=t.number(baseline), minimum=t.number(minimum), unit=unit,
                drop=pct, span=span,
            )
            .replace("  ", " ")
            .replace(" ()", "")
        )  # fmt: skip
    else:
        summary = t.gettext(
            "%(name)s stayed at or above %(baseline)s %(unit)s %(span)s.",
            name=name, baseline=t.number(baseline), unit=unit, span=span,
        ).replace("  ", " ")  # fmt: skip
    if not episodes:
        summary += t.gettext(" This signal did not fire.")
    return SignalEvidence(
        signal=signal,
        title=signal_title(signal),
        entity=entity,
        fired=bool(episodes),
        baseline=baseline,
        baseline_source=source,
        minimum=minimum,
        drop=None if drop is None else round(drop, 4),
        interval_start=lo.strftime("%Y-%m-%dT%H:%M:%SZ"),
        interval_end=None if hi_open else hi.strftime("%Y-%m-%dT%H:%M:%SZ"),
        summary=summary,
        points=[
            SeriesPoint(
                t=p.t.strftime("%Y-%m-%dT%H:%M:%SZ"), value=p.value, in_event=lo <= p.t < hi
            )
            for p in points
        ],
    )


def _signal_key(signal: str) -> tuple[int, str]:
    return (SIGNAL_ORDER.index(signal) if signal in SIGNAL_ORDER else len(SIGNAL_ORDER), signal)


def affected_asns(
    ev: Mapping[str, Any], has_page: Callable[[list[int]], set[int]]
) -> list[AffectedAsn]:
    """The event's networks with their drops, largest loss first (from `networks`; the
    evidence for events written before it existed)."""
    listed = ev.get("networks")
    if isinstance(listed, str):
        listed = json.loads(listed)
    asns = [int(n["asn"]) for n in listed] if listed else [int(a) for a in ev.get("asns") or []]
    pages = has_page(asns) if asns else set()
    known = {int(n["asn"]): n for n in listed or []}
    out = []
    for asn in asns:
        doc = (ev.get("evidence") or {}).get(f"asn:{asn}", {})
        drops = [float(e["max_drop"]) for eps in doc.values() for e in eps if "max_drop" in e]
        n = known.get(asn, {})
        out.append(
            AffectedAsn(
                asn=asn,
                href=f"/asn/{asn}" if asn in pages else None,
                signals=sorted(doc, key=_signal_key),
                max_drop=n.get("max_drop", max(drops) if drops else None),
                units_lost=n.get("units_lost"),
            )
        )
    return out


SENTENCE_START = {
    "country": N_("BGP visibility of the networks of %(place)s fell by %(drop)s at %(time)s UTC"),
    "other": N_("BGP visibility of %(place)s fell by %(drop)s at %(time)s UTC"),
    "atlas": N_("RIPE Atlas probes answering in %(place)s fell by %(drop)s at %(time)s UTC"),
    "atlas_targets": N_("RIPE Atlas targets reached in %(place)s fell by %(drop)s at %(time)s UTC"),
}


def _head_drop(ev: Mapping[str, Any], entity: str) -> tuple[str | None, float]:
    """The signal and drop the sentence speaks of: the head entity's BGP drop, else its
    largest drop, else the event's."""
    doc = (ev.get("evidence") or {}).get(entity, {})
    best: tuple[int, float, str] | None = None
    for signal, eps in doc.items():
        for e in eps:
            rank = 1 if signal.startswith("bgp") else 0
            cand = (rank, float(e.get("max_drop", 0.0)), signal)
            if best is None or cand > best:
                best = cand
    if best is None:
        return None, float(ev.get("max_drop") or 0.0)
    return best[2], best[1]


def event_sentence(ev: Mapping[str, Any], place: str, t: Translator = ENGLISH) -> str:
    """'BGP visibility of the networks of Namibia fell by 93 % at 22:10 UTC, …', translated."""
    signal, drop = _head_drop(ev, primary_entity(ev))
    when = parse_time(ev["start"]).strftime("%Y-%m-%d %H:%M")
    pct = f"{drop * 100:.0f} %"
    bgp = signal is None or signal.startswith("bgp")
    if bgp:
        key = "country" if ev["scope"] == "country" else "other"
    else:
        key = signal if signal in SENTENCE_START else "atlas"
    text = t.gettext(SENTENCE_START[key], place=place, drop=pct, time=when)
    units, share = ev.get("units_lost"), ev.get("share_of_country")
    if bgp and units is not None:
        unit = t.tr(N_("/48s")) if signal and "6" in signal else t.tr(N_("/24s"))
        text += t.gettext(" (%(units)s %(unit)s lost", units=t.number(float(units)), unit=unit)
        if share is not None and ev["scope"] != "country":
            text += t.gettext(", %(share)s of the country's routed space",
                              share=f"{float(share) * 100:.1f} %")  # fmt: skip
        text += ")"
    n = int(ev.get("networks_count") or 0)
    if n and ev["scope"] != "asn":
        text += t.ngettext(", %(num)s network affected", ", %(num)s networks affected", n)
    seen, total = ev.get("peers_seen"), ev.get("peers_total")
    if seen is not None and total:
        text += t.gettext(", seen by %(seen)s of %(total)s full-feed peers",
                          seen=seen, total=total)  # fmt: skip
        cols = list(ev.get("collectors") or [])
        if cols:
            text += f" ({', '.join(cols)})"
    return text + "."


REVIEW_TEXT = {
    "unreviewed": N_("Not reviewed yet: this event was detected algorithmically and no "
                     "reviewer has confirmed or dismissed it."),
    "confirmed": N_("Confirmed by reviewer %(by)s on %(at)s."),
    "dismissed": N_("Dismissed by reviewer %(by)s on %(at)s: %(reason)s"),
}  # fmt: skip


def review_view(ev: Mapping[str, Any], t: Translator = ENGLISH) -> ReviewView:
    r = ev.get("review") or {}
    status = str(r.get("status") or "unreviewed")
    text = t.gettext(REVIEW_TEXT.get(status, REVIEW_TEXT["unreviewed"]), by=r.get("by") or "?",
                     at=(r.get("at") or "").replace("T", " ").replace("Z", " UTC"),
                     reason=r.get("reason") or "")  # fmt: skip
    if status == "confirmed" and r.get("reason"):
        text += " " + str(r["reason"])
    return ReviewView(
        status=status, by=r.get("by"), at=r.get("at"), reason=r.get("reason"),
        notes=[ReviewNote(**n) for n in r.get("notes") or []], text=text,
    )  # fmt: skip


def outage_event(
    settings: Settings,
    names: Names,
    event_id: str,
    *,
    has_asn_page: Callable[[list[int]], set[int]],
    shutdown_title: Callable[[str], str | None],
    t: Translator = ENGLISH,
) -> OutageEventView:
    if not event_id.startswith("out-") or len(event_id) > 40:  # the API's rule and wording
        raise NotFoundError(
            f"no outage event {event_id!r}", hint="event ids look like out-0123456789ab"
        )
    ev = get_event(settings, event_id)
    row = event_row(ev, names, t)
    entity = primary_entity(ev)
    place = row.place
    series = sorted(
        (s for s in evidence_series(settings, ev) if s["entity"] == entity),
        key=lambda s: _signal_key(str(s["signal"])),
    )
    evidence = [signal_evidence(ev, entity, place, s, t) for s in series]
    doc = ev.get("evidence") or {}
    fired = [f"{ent} {sig}" for ent in sorted(doc) for sig in sorted(doc[ent], key=_signal_key)]
    when = parse_time(ev["start"]).strftime("%Y-%m-%d %H:%M UTC")
    scope = {
        "country": t.gettext("Country-wide outage in %(place)s detected from %(when)s", place=place, when=when),
        "asn": t.gettext("Network (AS) outage in %(place)s detected from %(when)s", place=place, when=when),
        "region": t.gettext("Regional outage in %(place)s detected from %(when)s", place=place, when=when),
    }[row.scope]  # fmt: skip
    n_asns = len(ev.get("asns") or [])
    severity = {"warning": t.gettext("warning"), "critical": t.gettext("critical")}
    summary = (
        scope
        + (
            t.gettext(", lasting %(duration)s", duration=row.duration_text)
            if row.status == "ended"
            else t.gettext(", still ongoing at the end of the data")
            if row.status == "ongoing"
            else t.gettext(
                ", ongoing when the data end (%(end)s UTC): no fresher data say whether it goes on",
                end=parse_time(ev["data_end"]).strftime("%Y-%m-%d %H:%M"),
            )
        )
        + t.gettext(
            ". Severity %(severity)s, confidence %(confidence)s; signals that fired: %(signals)s",
            severity=severity.get(row.severity, row.severity),
            confidence=row.confidence_text,
            signals=", ".join(t.tr(s) for s in row.signal_titles) or t.gettext("none"),
        )
        + (
            t.ngettext("; %(num)s network affected.", "; %(num)s networks affected.", n_asns)
            if n_asns
            else "."
        )
    )
    shutdowns = [
        ShutdownLink(
            event_id=sid,
            href=f"/shutdowns/{sid}" if (found := shutdown_title(sid)) is not None else None,
            title=found,
        )
        for sid in row.shutdowns
    ]
    return OutageEventView(
        event=row,
        title=t.gettext(
            "Outage in %(place)s, %(date)s",
            place=place,
            date=parse_time(ev["start"]).strftime("%Y-%m-%d"),
        ),
        summary=summary,
        detector=ev["detector"],
        method_version=ev["method_version"],
        known_at=ev["known_at"],
        data_end=ev["data_end"],
        max_drop=ev.get("max_drop"),
        entity=entity,
        evidence=evidence,
        fired=fired,
        asns=affected_asns(ev, has_asn_page),
        shutdowns=shutdowns,
        cost=outage_cost(ev, t),
        cost_note=None if ev.get("cost") else t.tr(NO_COST),
        simulated=bool(ev.get("simulated")),
        sentence=event_sentence(ev, place, t),
        scale=Scale(
            units_lost=ev.get("units_lost"),
            share_of_country=ev.get("share_of_country"),
            networks=int(ev.get("networks_count") or len(ev.get("asns") or [])),
            peers_seen=ev.get("peers_seen"),
            peers_total=ev.get("peers_total"),
            collectors=list(ev.get("collectors") or []),
            confidence_class=ev.get("confidence_class"),
        ),
        review=review_view(ev, t),
        links=OutageEventLinks(
            html=f"/outages/{event_id}",
            json_=f"/outages/{event_id}.json",
            api=f"{API}/{event_id}",
            list="/outages",
        ),
    )


# A country's events ----------------------------------------------------------------------------


class CountryOutages(BaseModel):
    count: int
    ongoing: int
    summary: str
    simulated: bool
    events: list[EventRow]
    links: OutageLinks


def country_outages(
    settings: Settings,
    names: Names,
    cc: str,
    t: Translator = ENGLISH,
    country_name: str | None = None,
) -> CountryOutages | None:
    """The country's detected events, newest first; None when there are none (or no detection).
    `country_name` is the country as the page names it (its language); default the English name."""
    try:
        rows = list_events(
            settings, EventFilter(country=cc, limit=MAX_LIMIT, exclude_dismissed=True)
        )
    except DatasetNotBuiltError:
        return None
    if not rows:
        return None
    events = [event_row(r, names, t) for r in rows]
    ongoing = sum(1 for e in events if e.status == "ongoing")
    name = country_name or names.ref(cc).name
    summary = t.ngettext(
        "nethealth's detector found %(num)s outage event in %(country)s (the latest began "
        "%(start)s). ",
        "nethealth's detector found %(num)s outage events in %(country)s (the latest began "
        "%(start)s). ",
        len(events),
        country=name,
        start=events[0].start.replace("T", " ").replace("Z", " UTC"),
    ) + (
        t.gettext("None is ongoing.")
        if not ongoing
        else t.ngettext("%(num)s event ongoing.", "%(num)s events ongoing.", ongoing)
    )
    query = urlencode({"country": cc})
    return CountryOutages(
        count=len(events),
        ongoing=ongoing,
        summary=summary,
        simulated=any(e.simulated for e in events),
        events=events,
        links=OutageLinks(
            html=f"/outages?{query}",
            json_=f"/outages.json?{query}",
            api=f"{API}?{query}",
            csv=f"{API}?{query}&format=csv",
        ),
    )


# The home map's layer --------------------------------------------------------------------------


OUTAGE_LAYER = "outages-ongoing"
LAYER_TITLE = "Ongoing outages"
LAYER_METHOD = (
    "Countries where nethealth's outage detector has an event still ongoing at the end of its "
    "data (signals not yet back to normal): the country's own signals fell, or one of its "
    "networks' did. The colour counts those ongoing events; every coloured country is outlined. "
    "Detected algorithmically from BGP and RIPE Atlas data, not curated."
)


def ongoing_by_country(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Ongoing detected events per country ({} before any detection)."""
    try:
        rows = list_events(
            settings, EventFilter(status="ongoing", limit=MAX_LIMIT, exclude_dismissed=True)
        )
    except DatasetNotBuiltError:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("country"):
            out.setdefault(str(r["country"]), []).append(r)
    return out


def latest_data_end(settings: Settings) -> dt.date | None:
    try:
        rows = list_events(settings, EventFilter(limit=1))
    except DatasetNotBuiltError:
        return None
    return parse_time(rows[0]["data_end"]).date() if rows else None


def first_start(events: Iterable[Mapping[str, Any]]) -> dt.date | None:
    starts = [parse_time(e["start"]).date() for e in events]
    return min(starts) if starts else None
