"""The shutdown tracker's pages over HTTP (no browser): the list of distinct events (and of
records) with its filters, sorting and pages, the record and event pages, the country section,
the home map's layer and the JSON twins. The API (`/api/v1/shutdowns` for records and
`/api/v1/shutdowns/events` for distinct events, the same store) and the cost model's published
formula are the references."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from nethealth.economics.cost_model import METHOD_VERSION, CostParameters
from nethealth.shutdowns.curation import add_event
from nethealth.ui.formatting import fmt_usd
from nethealth.ui.map_classes import NONE_FILL
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import make_settings
from tests.web.shutdown_fixture import (
    BLOCK_YEAR,
    CRITERIA,
    ONGOING_KE,
    RECENT_ET,
    RECENT_IN,
    TODAY,
    WB,
)
from tests.web.shutdown_fixture import ShutdownFixture as Fx
from tests.web.test_pages import outline

LAYER = "shutdowns-12m"


def html_of(client: TestClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    text: str = response.text
    return text.replace("&#39;", "'")


def api_ids(client: TestClient, query: str = "") -> list[str]:
    """Record ids, from the API."""
    body = client.get(f"/api/v1/shutdowns?limit=5000&{query}").json()
    return [e["event_id"] for e in body["events"]]


def api_event_ids(client: TestClient, query: str = "") -> list[str]:
    """Distinct event ids, from the API."""
    body = client.get(f"/api/v1/shutdowns/events?limit=5000&{query}").json()
    return [e["event_id"] for e in body["events"]]


def page_ids(client: TestClient, query: str = "") -> list[str]:
    """Record ids, from the list's twin (unit=records)."""
    body = client.get(f"/shutdowns.json?per_page=100&unit=records&{query}").json()
    return [e["event_id"] for e in body["records"]]


def page_event_ids(client: TestClient, query: str = "") -> list[str]:
    body = client.get(f"/shutdowns.json?per_page=100&{query}").json()
    return [e["event_id"] for e in body["events"]]


def event_of(client: TestClient, record_id: str) -> str:
    """The distinct event a record belongs to, from the API."""
    event: str = client.get(f"/api/v1/shutdowns/{record_id}").json()["event"]["distinct_event_id"]
    return event


def row_of(html: str, href: str) -> str:
    """The table row that links to a page."""
    start = html.index(f'href="{href}"')
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


# Structure shared with the other pages -------------------------------------------------------


def _structure_pages(fx: Fx) -> dict[str, str]:
    return {
        "/shutdowns": "/shutdowns.json",
        "/shutdowns?country=IN&order=asc&per_page=1&page=2": (
            "/shutdowns.json?country=IN&order=asc&per_page=1&page=2"
        ),
        f"/shutdowns/{fx.national_in}": f"/shutdowns/{fx.national_in}.json",
        f"/shutdowns/{fx.edited}": f"/shutdowns/{fx.edited}.json",
        f"/shutdowns/{fx.retracted}": f"/shutdowns/{fx.retracted}.json",
        f"/shutdowns/{fx.block_iq[1]}": f"/shutdowns/{fx.block_iq[1]}.json",
        "/shutdowns?unit=records": "/shutdowns.json?unit=records",
        "/country/IN": "/country/IN.json",
        f"/?indicator={LAYER}": f"/index.json?indicator={LAYER}",
    }


def test_new_pages_have_the_dashboards_structure(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    pages = _structure_pages(shutdown_lake)
    block = event_of(shutdown_client, shutdown_lake.block_iq[0])
    pages[f"/shutdowns/events/{block}"] = f"/shutdowns/events/{block}.json"
    for page, twin in pages.items():
        html = html_of(shutdown_client, page)
        doc = outline(html)
        assert doc.all("html")[0]["lang"] == "en"
        assert len(doc.all("h1")) == 1, page
        for landmark in ("header", "nav", "main", "footer"):
            assert doc.all(landmark), (page, landmark)
        assert doc.all("a")[0]["href"] == "#main"
        alternates = [
            link["href"]
            for link in doc.all("link")
            if link.get("rel") == "alternate" and link.get("type") == "application/json"
        ]
        assert alternates == [str(escape(twin)).replace("&amp;", "&")], page
        assert any(a.get("href") == twin for a in doc.all("a")), f"{page}: visible twin link"
        assert shutdown_client.get(twin).json()["links"]["json"] == twin
        # The header's navigation lists the tracker.
        nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
        assert '<a href="/shutdowns"' in nav
        # CSP: no inline script or style; every table captioned with scoped headers.
        assert all(s.get("src") for s in doc.all("script"))
        assert not any("style" in attrs for _, attrs in doc.tags) and "<style" not in html
        assert html.count("<table") == html.count("<caption"), page
        assert not re.search(r"<th(?=[\s>])(?![^>]*scope=)", html), page
        # Nothing is loaded from elsewhere; links to other sites are only the evidence links.
        for tag, attr in (("link", "href"), ("script", "src"), ("img", "src")):
            for a in doc.all(tag):
                assert not (a.get(attr) or "").startswith(("http:", "https:", "//")), (page, a)
        for a in doc.all("a"):
            if (a.get("href") or "").startswith(("http:", "https:", "//")):
                assert "noopener" in (a.get("rel") or "") or a.get("rel") == "license", (page, a)


def test_tracker_pages_link_the_atom_feed_and_mark_the_current_page(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    for page in ("/shutdowns", f"/shutdowns/{shutdown_lake.ongoing}"):
        doc = outline(html_of(shutdown_client, page))
        feeds = [
            link["href"]
            for link in doc.all("link")
            if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
        ]
        assert feeds == ["/api/v1/shutdowns/feed.atom"]
        assert any(a.get("href") == feeds[0] for a in doc.all("a")), "visible feed link"
        current = [a["href"] for a in doc.all("a") if a.get("aria-current") == "page"]
        assert "/shutdowns" in current
    feed = shutdown_client.get("/api/v1/shutdowns/feed.atom")
    assert feed.status_code == 200 and "atom+xml" in feed.headers["content-type"]


# The list ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "country=IN",
        "country=india",
        "type=service-blocking",
        "scope=local",
        "scope=national",
        "source=curated",
        "source=access-now",
        "year=2019",
        "records=retracted",
        "records=all",
        "country=KE&records=all",
        "country=IQ&type=shutdown",
        "country=FR",
    ],
)
def test_filters_select_what_the_api_selects(shutdown_client: TestClient, query: str) -> None:
    api_query = query.replace("records=retracted", "retracted=only").replace(
        "records=all", "retracted=all"
    )
    assert page_ids(shutdown_client, query) == api_ids(shutdown_client, api_query)
    if "records=" not in query:  # retracted records belong to no event
        assert page_event_ids(shutdown_client, query) == api_event_ids(shutdown_client, query)


def test_filters_narrow_the_list(shutdown_client: TestClient, shutdown_lake: Fx) -> None:
    everything = shutdown_client.get("/shutdowns.json").json()
    # 11 records, one retracted; Iraq's block and Wana's shutdown have two each: 8 events.
    assert (everything["unit"], everything["total"]) == ("events", 8)
    assert (everything["total_events"], everything["total_records"]) == (8, 10)
    assert everything["ongoing_events"] == 2 and not everything["filtered"]
    records = shutdown_client.get("/shutdowns.json?unit=records").json()
    assert (records["unit"], records["total"], records["events"]) == ("records", 10, [])
    india = shutdown_client.get("/shutdowns.json?country=IN").json()
    assert india["total"] == 2
    assert all([c["cc"] for c in e["countries"]] == ["IN"] for e in india["events"])
    assert india["description"] == "Events in India"
    retracted = shutdown_client.get("/shutdowns.json?records=retracted").json()
    assert retracted["unit"] == "records"  # a retracted record belongs to no event
    assert [e["event_id"] for e in retracted["records"]] == [shutdown_lake.retracted]
    assert retracted["records"][0]["retracted"] is True
    assert retracted["records"][0]["distinct_event_id"] is None
    blocking = shutdown_client.get("/shutdowns.json?type=service-blocking").json()
    assert [e["record_ids"] for e in blocking["events"]] == [
        list(shutdown_lake.block_iq),
        [shutdown_lake.edited],
    ]
    # The form keeps what was chosen, and offers to clear it.
    html = html_of(shutdown_client, "/shutdowns?country=IN&type=shutdown&records=all")
    assert '<option value="IN" selected>India (2)</option>' in html
    assert '<option value="IQ">Iraq (3)</option>' in html  # events, not its 4 records
    assert '<option value="shutdown" selected>Internet shutdown</option>' in html
    assert '<option value="all" selected>' in html
    assert '<option value="records" selected>' in html
    assert '<a href="/shutdowns">Clear filters</a>' in html
    assert 'method="get" action="/shutdowns"' in html


def test_bad_filters_are_400_with_the_apis_wording(shutdown_client: TestClient) -> None:
    for query in ("year=abc", "country=XX", "type=outage", "scope=planet", "source=twitter"):
        api = shutdown_client.get(f"/api/v1/shutdowns?{query}").json()["error"]
        twin = shutdown_client.get(f"/shutdowns.json?{query}")
        assert twin.status_code == 400
        assert twin.json()["error"]["message"] == api["message"]
        assert twin.json()["error"]["hint"] == api["hint"]
        page = html_of(shutdown_client, f"/shutdowns?{query}", status=400)
        assert api["message"][1:] in page
    for query in ("per_page=0", "per_page=101", "page=0", "records=some", "order=up"):
        assert shutdown_client.get(f"/shutdowns?{query}").status_code == 400, query
    past = shutdown_client.get("/shutdowns.json?per_page=2&page=5").json()["error"]
    assert past["status"] == 400 and "last page (4)" in past["message"]
    assert shutdown_client.get("/shutdowns?unit=rows").status_code == 400


def test_sorted_by_start_date_both_ways(shutdown_client: TestClient) -> None:
    newest = shutdown_client.get("/shutdowns.json").json()["events"]
    oldest = shutdown_client.get("/shutdowns.json?order=asc").json()["events"]
    starts = [e["start_date"] for e in newest]
    assert starts == sorted(starts, reverse=True)
    assert [e["start_date"] for e in oldest] == sorted(starts)
    html = html_of(shutdown_client, "/shutdowns")
    assert 'aria-sort="descending"><a href="/shutdowns?order=asc#events">Start' in html
    html = html_of(shutdown_client, "/shutdowns?order=asc&country=IN")
    assert 'aria-sort="ascending"><a href="/shutdowns?country=IN#events">Start' in html
    # The filter form keeps the order.
    assert '<input type="hidden" name="order" value="asc">' in html


def test_pages_cover_every_event_once(shutdown_client: TestClient) -> None:
    seen: list[str] = []
    for n in (1, 2, 3, 4):
        body = shutdown_client.get(f"/shutdowns.json?per_page=2&page={n}").json()
        assert (body["page"], body["pages"], body["per_page"]) == (n, 4, 2)
        assert (body["first"], body["last"]) == (2 * n - 1, 2 * n)
        assert body["links"]["prev"] == (
            f"/shutdowns?per_page=2&page={n - 1}"
            if n > 2
            else "/shutdowns?per_page=2"
            if n == 2
            else None
        )
        assert body["links"]["next"] == (f"/shutdowns?per_page=2&page={n + 1}" if n < 4 else None)
        seen += [e["event_id"] for e in body["events"]]
    assert seen == api_event_ids(shutdown_client)
    html = html_of(shutdown_client, "/shutdowns?per_page=2&page=2")
    nav = html[html.index('<nav class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'href="/shutdowns?per_page=2&amp;page=2#events" aria-current="page"' in nav
    assert 'rel="prev"' in nav and 'rel="next"' in nav
    assert "All events: distinct events 3 to 4 of 8, sorted by start date (newest first)" in html
    records = html_of(shutdown_client, "/shutdowns?unit=records&per_page=5&page=2")
    assert "All current records: records 6 to 10 of 10, sorted by start date" in records


def test_rows_link_to_event_pages_with_their_badges(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    html = html_of(shutdown_client, "/shutdowns")
    assert html.count('<th scope="row"><a href="/shutdowns/events/') == 8
    published = row_of(
        html, f"/shutdowns/events/{event_of(shutdown_client, shutdown_lake.national_in)}"
    )
    assert "Internet shutdown in India" in published and "2019-08-05" in published
    assert "Curated record (Access Now #KeepItOn)" in published and "Simulated" not in published
    simulated = row_of(
        html, f"/shutdowns/events/{event_of(shutdown_client, shutdown_lake.simulated_et)}"
    )
    assert "Curated record (Access Now #KeepItOn)" in simulated
    assert '<span class="badge badge-sim">Simulated</span>' in simulated
    curated = row_of(html, f"/shutdowns/events/{event_of(shutdown_client, shutdown_lake.ongoing)}")
    assert "Curated by nethealth" in curated and "Ongoing" in curated
    # Iraq's block: one row, its two records, still ongoing.
    block = row_of(
        html, f"/shutdowns/events/{event_of(shutdown_client, shutdown_lake.block_iq[0])}"
    )
    assert f"2 ({BLOCK_YEAR}–{BLOCK_YEAR + 1})" in block and ">ongoing<" in block
    # Wana's: last listed as ongoing in 2017, so its status is unknown since, not ongoing.
    stale = row_of(
        html, f"/shutdowns/events/{event_of(shutdown_client, shutdown_lake.stale_pk[0])}"
    )
    assert "status unknown since 2017" in stale and "Ongoing" not in stale
    # A simulated event on the page: the banner says so; none on a page without one.
    assert "Simulated data:" in html
    assert "Simulated data:" not in html_of(shutdown_client, "/shutdowns?country=IN")
    # The records list links each record and its event.
    records = html_of(shutdown_client, "/shutdowns?unit=records&country=IQ")
    first = row_of(records, f"/shutdowns/{shutdown_lake.block_iq[0]}")
    assert (
        f'href="/shutdowns/events/{event_of(shutdown_client, shutdown_lake.block_iq[0])}"' in first
    )
    assert f"continued in {BLOCK_YEAR + 1}" in first


def test_downloads_are_the_apis_csv_and_json_of_the_same_selection(
    shutdown_client: TestClient,
) -> None:
    body = shutdown_client.get("/shutdowns.json?country=IN&per_page=1&page=2").json()
    assert body["links"]["csv"] == "/api/v1/shutdowns?country=IN&format=csv"
    assert body["links"]["api"] == "/api/v1/shutdowns/events?country=IN"
    assert body["links"]["records"] == "/api/v1/shutdowns?country=IN"
    csv_text = shutdown_client.get(body["links"]["csv"]).text
    assert len(csv_text.strip().splitlines()) == 1 + 2  # header + every match, not one page
    assert "distinct_event_id" in csv_text.splitlines()[0]
    html = html_of(shutdown_client, "/shutdowns?country=IN")
    assert '<a href="/api/v1/shutdowns?country=IN&amp;format=csv">their records (CSV)</a>' in html
    retracted = shutdown_client.get("/shutdowns.json?records=retracted").json()
    assert retracted["links"]["csv"] == "/api/v1/shutdowns?retracted=only&format=csv"
    assert retracted["links"]["api"] == "/api/v1/shutdowns?retracted=only"


def test_events_per_year_chart_table_and_summary(shutdown_client: TestClient) -> None:
    events = shutdown_client.get("/api/v1/shutdowns/events").json()["events"]
    records = shutdown_client.get("/api/v1/shutdowns").json()["events"]
    # Distinct events with a record counted in each year (an event counts in each of its years).
    expected = Counter(
        y
        for e in events
        for y in {r["year"] for r in records if r["distinct_event_id"] == e["event_id"]}
    )
    body = shutdown_client.get("/shutdowns.json?year=2019").json()
    per_year = {y["year"]: y["count"] for y in body["per_year"]}
    # No gap in the axis, which runs to the tracker's coverage (the newest year counted in).
    assert list(per_year) == list(range(min(expected), max(expected) + 1))
    assert per_year == {y: expected.get(y, 0) for y in per_year}
    assert per_year[2016] == per_year[2017] == 1  # Wana's shutdown, counted in both years
    assert [y["year"] for y in body["per_year"] if y["selected"]] == [2019]
    assert body["total"] == 1  # the list is filtered by year; the chart shows every year
    summary = body["per_year_summary"]
    assert summary.startswith(f"Events per count year, {min(expected)} to {max(expected)}: ")
    assert (
        "An event that runs over several years counts in each of them: 8 distinct events" in summary
    )
    assert "Selected year 2019: 1 event." in summary
    by_records = shutdown_client.get("/shutdowns.json?unit=records").json()
    assert by_records["per_year_summary"].startswith(f"10 records counted in {min(expected)}")
    html = html_of(shutdown_client, "/shutdowns?year=2019")
    assert summary in html
    svg = html[html.index('<svg class="chart-wide bars"') :]
    svg = svg[: svg.index("</svg>")]
    assert svg.count("<rect") == len(per_year)
    assert 'fill="#253494"' in svg  # the selected year stands out
    assert 'role="img" aria-labelledby="years-wide-title years-summary"' in html
    # The data table lists every year, newest first, each linked to its events.
    table = html[html.index('id="years-caption"') :]
    years = re.findall(r'<th scope="row">(\d{4})', table[: table.index("</table>")])
    assert [int(y) for y in years] == sorted(per_year, reverse=True)
    assert '<a href="/shutdowns?year=2021">Events of 2021</a>' in table
    # A country's chart runs to the tracker's coverage too: its later years show as zeros.
    iraq = shutdown_client.get("/shutdowns.json?country=IQ").json()["per_year"]
    assert (iraq[0]["year"], iraq[-1]["year"]) == (2018, max(expected))
    assert sum(y["count"] for y in iraq) == 4  # 2018, 2021 and the block's two years


# One event -----------------------------------------------------------------------------------


def test_event_page_of_a_published_record(shutdown_client: TestClient, shutdown_lake: Fx) -> None:
    eid = shutdown_lake.national_in
    view = shutdown_client.get(f"/shutdowns/{eid}.json").json()
    api = shutdown_client.get(f"/api/v1/shutdowns/{eid}").json()
    assert view["record"] == api["event"] and view["provenance"] == api["provenance"]
    assert view["event"]["event_id"] == api["distinct_event"]["event_id"]
    assert [r["record_id"] for r in view["event"]["records"]] == [eid]
    assert view["event_cost"] is None  # one record: the event's cost is the record's
    html = html_of(shutdown_client, f"/shutdowns/{eid}")
    assert "<h1>Internet shutdown in India, 2019-08-05</h1>" in html
    assert "This record is the only record of its event." in html
    facts = dict(re.findall(r"<div><dt>([^<]+)</dt><dd>(.*?)</dd></div>", html))
    assert facts["Status of the event"] == "ended on 2019-08-09"
    assert facts["Status in this record"] == "ended (for 2019)"
    assert facts["Country"] == '<a href="/country/IN">India</a>'
    assert facts["Duration"] == "between 4 and 5 days (dates are whole days)"
    assert facts["Scope"].startswith("National. It affected locations in more than one state")
    assert facts["Areas affected"] == "Nationwide"
    assert facts["Networks affected"] == "broadband, mobile"
    assert facts["Cause"] == "Protests"
    assert facts["Justification given"] == "Precautionary measure"
    assert facts["Ordered by"] == "Executive government"
    assert facts["Government acknowledged it"] == "yes"
    assert '<a href="https://news.example/in/1" rel="external noopener noreferrer">' in html
    assert html.count("<strong>Met:</strong>") == 3
    assert "Curated record (Access Now #KeepItOn)" in html and "Simulated data:" not in html
    # Provenance: the raw file and its checksum.
    assert view["provenance"]["raw"] in html and view["provenance"]["sha256"][:12] in html
    assert '<a href="/about#source-access-now">' in html


def test_cost_estimate_follows_the_published_formula(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    """docs/methodology/cost-model.md: GDP/365 × intensity × users × area × service × days.
    India 2019, national, both networks (area and service 1), from 2019-08-05 to 2019-08-09:
    between 4 and 5 days, central 4.5."""
    p = CostParameters()
    daily_online = WB["NY.GDP.MKTP.CD"]["IND"] / 365 * WB["IT.NET.USER.ZS"]["IND"] / 100
    low = p.internet_intensity.low * daily_online * 4
    central = p.internet_intensity.central * daily_online * 4.5
    high = p.internet_intensity.high * daily_online * 5
    cost = shutdown_client.get(f"/shutdowns/{shutdown_lake.national_in}.json").json()["cost"]
    assert cost["status"] == "estimated" and cost["method_version"] == METHOD_VERSION
    assert cost["low_usd"] == pytest.approx(low)
    assert cost["central_usd"] == pytest.approx(central)
    assert cost["high_usd"] == pytest.approx(high)
    # the API detail carries the same cost section as the page's JSON twin
    api = shutdown_client.get(f"/api/v1/shutdowns/{shutdown_lake.national_in}").json()
    assert api["cost"] == cost
    html = html_of(shutdown_client, f"/shutdowns/{shutdown_lake.national_in}")
    for value in (low, central, high):
        assert fmt_usd(value) in html
    assert f"Cost model v{METHOD_VERSION}" in html
    assert '<a href="/methodology#shutdown-cost-model">how it is estimated</a>' in html
    assert 'id="shutdown-cost-model"' in html_of(shutdown_client, "/methodology")
    # What was cut and which World Bank years were used, stated.
    (part,) = cost["parts"]
    assert (part["scope_kind"], part["scoped"], part["service_factor"]) == ("full", True, 1.0)
    assert part["wdi_sources"] == [
        "NY.GDP.MKTP.CD 2019",
        "IT.NET.USER.ZS 2019",
        "SP.POP.TOTL 2019",
    ]
    assert not part["wdi_far"] and cost["wdi_years"] == [2019]
    assert "NY.GDP.MKTP.CD 2019, IT.NET.USER.ZS 2019, SP.POP.TOTL 2019" in html


def test_event_in_two_countries_with_its_audit_history(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    view = shutdown_client.get(f"/shutdowns/{shutdown_lake.edited}.json").json()
    assert [c["cc"] for c in view["countries"]] == ["IQ", "SY"]
    log = shutdown_client.get(f"/api/v1/shutdowns/log?event_id={shutdown_lake.edited}").json()
    assert [h["seq"] for h in view["history"]] == sorted(e["seq"] for e in log["entries"])
    update = view["history"][-1]
    assert (update["actor"], update["op"], update["reason"]) == (
        "api:alice",
        "update",
        "the block was lifted a day later",
    )
    assert [(c["field"], c["old"], c["new"]) for c in update["changes"]] == [
        ("end_date", "2021-03-02", "2021-03-03")
    ]
    html = html_of(shutdown_client, f"/shutdowns/{shutdown_lake.edited}")
    assert "<h1>Service blocking in Iraq and Syrian Arab Republic, 2021-03-01</h1>" in html
    assert '<a href="/country/IQ">Iraq</a>, <a href="/country/SY">' in html
    assert "<code>end_date</code>: <del>2021-03-02</del> → <ins>2021-03-03</ins>" in html
    assert "<code>api:alice</code>" in html and "<code>cli:tester</code>" in html
    assert "Created with" in html and "the block was lifted a day later" in html
    assert "whatsapp, facebook" in html
    # Costed for Iraq only: the model has no World Bank figures for Syria, and says so.
    assert [p["country"]["cc"] for p in view["cost"]["parts"]] == ["IQ"]
    assert any("SY: no World Bank GDP" in n for n in view["cost"]["notes"])
    assert "entered by a curator, not imported from a file" in html


def test_ongoing_and_retracted_events(shutdown_client: TestClient, shutdown_lake: Fx) -> None:
    ongoing = shutdown_client.get(f"/shutdowns/{shutdown_lake.ongoing}.json").json()
    days = (TODAY - ONGOING_KE).days
    assert ongoing["ongoing"] is True and ongoing["end_date"] is None
    assert ongoing["duration_text"] == f"ongoing: {days} days so far (on {TODAY.isoformat()})"
    assert ongoing["event"]["status_text"] == f"ongoing as of {TODAY.isoformat()}"
    html = html_of(shutdown_client, f"/shutdowns/{shutdown_lake.ongoing}")
    assert '<span class="badge badge-ongoing">Ongoing</span>' in html
    assert "Curated by nethealth" in html
    assert "Measured drop in national traffic" in html  # the criteria's basis
    gone = shutdown_client.get(f"/shutdowns/{shutdown_lake.retracted}.json").json()
    assert gone["retracted"] is True and gone["cost"]["status"] == "retracted"
    assert gone["event"] is None and gone["record"]["distinct_event_id"] is None
    html = html_of(shutdown_client, f"/shutdowns/{shutdown_lake.retracted}")
    assert "Retracted records belong to no event" in html
    assert '<strong id="retracted-title">Retracted:</strong> duplicate record.' in html
    assert '<span class="badge badge-retracted">Retracted</span>' in html


def test_simulated_event_says_so(shutdown_client: TestClient, shutdown_lake: Fx) -> None:
    view = shutdown_client.get(f"/shutdowns/{shutdown_lake.simulated_et}.json").json()
    assert view["simulated"] is True and view["provenance"]["simulated"] is True
    html = html_of(shutdown_client, f"/shutdowns/{shutdown_lake.simulated_et}")
    assert "Simulated data:" in html and '<span class="badge badge-sim">Simulated</span>' in html
    assert view["start_date"] == RECENT_ET.isoformat()


# A distinct event of several records --------------------------------------------------------


def test_event_page_gathers_its_records_and_counts_its_cost_once(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    first, second = shutdown_lake.block_iq
    event = event_of(shutdown_client, first)
    assert event_of(shutdown_client, second) == event
    view = shutdown_client.get(f"/shutdowns/events/{event}.json").json()
    api = shutdown_client.get(f"/api/v1/shutdowns/events/{event}").json()
    assert [r["record_id"] for r in view["event"]["records"]] == [first, second]
    assert [r["event_id"] for r in api["records"]] == [first, second]
    assert (view["status"], view["ongoing"], view["records"]) == ("ongoing", True, 2)
    assert (
        view["status_text"] == api["event"]["status_text"] == f"ongoing as of {TODAY.isoformat()}"
    )
    assert view["start_date"] == f"{BLOCK_YEAR}-03-01" and view["end_date"] is None
    # Its cost is the sum of its two records' estimates, each record counted once.
    costs = [shutdown_client.get(f"/shutdowns/{r}.json").json()["cost"] for r in (first, second)]
    assert [c["unit"] for c in costs] == ["record", "record"]
    assert view["cost"]["unit"] == "event" and view["cost"]["records"] == 2
    assert view["cost"]["central_usd"] == pytest.approx(sum(c["central_usd"] for c in costs))
    assert view["cost"]["high_usd"] == pytest.approx(sum(c["high_usd"] for c in costs))
    # The block names Facebook: a service-based scope, not a national blackout.
    assert {p["scope_kind"] for p in view["cost"]["parts"]} == {"services"}
    assert all(p["service_factor"] == pytest.approx(0.05) for p in view["cost"]["parts"])
    # The first record ran to the end of its count year: its event is listed again after it.
    assert f"listed again for {BLOCK_YEAR + 1}: counted to the end of {BLOCK_YEAR}" in " ".join(
        costs[0]["notes"]
    )
    html = html_of(shutdown_client, f"/shutdowns/events/{event}")
    assert f"<h1>Service blocking in Iraq, since {BLOCK_YEAR}-03-01</h1>" in html
    assert html.count(f'href="/shutdowns/{first}"') >= 1 and f'href="/shutdowns/{second}"' in html
    assert "By the rule alone: no curator merged or split these records." in html
    # A record's page names its event and shows both estimates.
    record = shutdown_client.get(f"/shutdowns/{first}.json").json()
    assert record["event"]["event_id"] == event and record["ongoing"] is False
    assert record["event_cost"]["central_usd"] == pytest.approx(view["cost"]["central_usd"])
    assert shutdown_client.get(f"/shutdowns/{second}.json").json()["ongoing"] is True
    page = html_of(shutdown_client, f"/shutdowns/{first}")
    assert f"record for {BLOCK_YEAR}</h1>" in page
    assert "This record is one of the 2 records of its event" in page
    assert 'id="event-cost"' in page and "each counted once" in page


def test_an_event_last_listed_long_ago_is_not_ongoing(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    event = event_of(shutdown_client, shutdown_lake.stale_pk[0])
    view = shutdown_client.get(f"/shutdowns/events/{event}.json").json()
    assert (view["status"], view["status_since"], view["ongoing"]) == ("unknown", 2017, False)
    assert view["status_text"] == "status unknown since 2017 (last listed as ongoing in 2017)"
    assert view["years_text"] == "2016–2017"
    # No World Bank figures for Pakistan in this lake: the page says why there is no estimate.
    assert view["cost"]["status"] == "no-estimate"
    html = html_of(shutdown_client, f"/shutdowns/events/{event}")
    assert "status unknown since 2017" in html and "badge-ongoing" not in html
    assert shutdown_client.get("/shutdowns/events/ev-nope.json").status_code == 404


def test_unknown_event_is_404_in_the_apis_wording(shutdown_client: TestClient) -> None:
    api = shutdown_client.get("/api/v1/shutdowns/an-0000").json()["error"]
    twin = shutdown_client.get("/shutdowns/an-0000.json")
    assert twin.status_code == 404 and twin.json()["error"] == api
    html = html_of(shutdown_client, "/shutdowns/an-0000", status=404)
    assert api["message"][1:] in html and "<h1>Not found</h1>" in html
    assert "<code>nethealth shutdowns list</code>" in html
    # A distinct event: the API and the event page look it up with one query (one wording).
    api = shutdown_client.get("/api/v1/shutdowns/events/ev-0000").json()["error"]
    twin = shutdown_client.get("/shutdowns/events/ev-0000.json")
    assert twin.status_code == 404 and twin.json()["error"] == api
    assert api["message"] == "no distinct event 'ev-0000'" and "distinct_event_id" in api["hint"]


def test_api_and_pages_serve_one_cost_section(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    """`GET /api/v1/shutdowns/{id}`'s `cost` and the record page's are one function's answer
    (nethealth.shutdowns.views_cost.record_cost), whatever its status: an estimate, none for
    lack of World Bank figures, a retracted record."""
    from nethealth.lake.reader import LakeReader
    from nethealth.shutdowns.query import store_for
    from nethealth.shutdowns.views import names_of
    from nethealth.shutdowns.views_cost import record_cost

    settings = shutdown_lake.settings
    lake, store = LakeReader(settings), store_for(settings)
    statuses = set()
    try:
        for record_id in (shutdown_lake.national_in, shutdown_lake.retracted,
                          shutdown_lake.stale_pk[0], *shutdown_lake.block_iq):  # fmt: skip
            want = record_cost(lake, names_of(lake), store.get(record_id)).model_dump(mode="json")
            api = shutdown_client.get(f"/api/v1/shutdowns/{record_id}").json()["cost"]
            twin = shutdown_client.get(f"/shutdowns/{record_id}.json").json()["cost"]
            assert api == twin == want, record_id
            statuses.add(want["status"])
    finally:
        lake.close()
    assert statuses == {"estimated", "retracted", "no-estimate"}


def test_tracker_pages_work_without_a_lake(tmp_path: Path) -> None:
    """Events live in the store: the tracker answers before any build, names from ISO 3166."""
    settings = make_settings(tmp_path / "nolake", ASSETS)
    ev = add_event(
        settings,
        {
            "countries": ["NP"],
            "start_date": "2024-01-02",
            "end_date": "2024-01-02",
            "type": "shutdown",
            "scope": "local",
            "sources": ["https://news.example/np"],
            **CRITERIA,
        },
        actor="cli:tester",
    )
    with TestClient(fixture_app(settings)) as client:
        html = html_of(client, "/shutdowns")
        assert "Internet shutdown in Nepal" in html
        assert '<a href="/country/NP"' not in html_of(client, f"/shutdowns/{ev.event_id}")
        cost = client.get(f"/shutdowns/{ev.event_id}.json").json()["cost"]
        assert cost["status"] == "unavailable" and "nethealth build" in cost["message"]
        assert client.get(f"/api/v1/shutdowns/{ev.event_id}").json()["cost"] == cost
        assert client.get("/").status_code == 503  # the map still needs the lake


# Country page --------------------------------------------------------------------------------


def test_country_page_lists_its_events_by_year(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    data = shutdown_client.get("/country/IN.json").json()["shutdowns"]
    events = shutdown_client.get("/api/v1/shutdowns/events?country=IN").json()
    assert data["count"] == events["total"] == 2 and data["records"] == 2
    assert [g["year"] for g in data["years"]] == [RECENT_IN.year, 2019]
    assert data["summary"].startswith(
        "The tracker records 2 shutdown events in India (2 records: a source lists an event "
        "once per year it runs)."
    )
    assert f"The latest began on {RECENT_IN.isoformat()} (ended)." in data["summary"]
    assert data["links"]["list"] == "/shutdowns?country=IN"
    assert data["links"]["api"] == "/api/v1/shutdowns/events?country=IN"
    html = html_of(shutdown_client, "/country/IN")
    section = html[html.index('<section class="card" id="shutdowns"') :]
    section = section[: section.index("</section>")]
    assert (
        '<h2 id="shutdowns-title">Shutdowns <span class="unit">(2 events, 2 records)</span></h2>'
        in section
    )
    event = event_of(shutdown_client, shutdown_lake.national_in)
    assert f'<a href="/shutdowns/events/{event}">Internet shutdown, Nationwide</a>' in section
    assert section.count('<h4 class="timeline-label"') == 2
    assert data["summary"] in section and data["per_year_summary"] in section
    assert 'class="chart-wide bars"' in section and "Data table of shutdown events" in section
    assert '<a href="/shutdowns?country=IN">All in the tracker</a>' in section
    assert '<a href="#shutdowns">Shutdown events recorded</a>' in html  # at a glance


def test_country_page_counts_distinct_current_events(
    shutdown_client: TestClient, shutdown_lake: Fx
) -> None:
    kenya = shutdown_client.get("/country/KE.json").json()["shutdowns"]
    assert (kenya["count"], kenya["ongoing"]) == (1, 1)  # the retracted one is left out
    assert "1 event ongoing." in kenya["summary"]
    iraq = shutdown_client.get("/country/IQ.json").json()["shutdowns"]
    assert (iraq["count"], iraq["records"], iraq["ongoing"]) == (3, 4, 1)
    assert iraq["summary"].startswith(
        "The tracker records 3 shutdown events in Iraq (4 records: a source lists an event "
        "once per year it runs). "
    )
    assert f"The latest began on {BLOCK_YEAR}-03-01 (" in iraq["summary"]
    pakistan = shutdown_client.get("/country/PK.json").json()["shutdowns"]
    assert (pakistan["count"], pakistan["records"], pakistan["ongoing"]) == (1, 2, 0)
    assert "(status unknown since 2017)" in pakistan["summary"]
    assert "None is ongoing." in pakistan["summary"]
    syria = html_of(shutdown_client, "/country/SY")
    assert f'href="/shutdowns/events/{event_of(shutdown_client, shutdown_lake.edited)}"' in syria
    assert "(with Iraq)" in syria
    netherlands = shutdown_client.get("/country/NL.json").json()["shutdowns"]
    assert netherlands["count"] == 0 and netherlands["years"] == []
    html = html_of(shutdown_client, "/country/NL")
    assert "The tracker records no shutdown event in Netherlands." in html
    assert "Simulated data:" not in html  # NL's indicators are measured, it has no event


# Home map layer ------------------------------------------------------------------------------


def _expected_layer(client: TestClient) -> dict[str, tuple[int, int]]:
    """From the API's distinct events: those whose days overlap the 365 days to today."""
    first = TODAY - timedelta(days=364)
    out: dict[str, list[int]] = {}
    for e in client.get("/api/v1/shutdowns/events").json()["events"]:
        start = date.fromisoformat(e["start_date"])
        end = date.fromisoformat(e["known_until"])
        if start <= TODAY and end >= first:
            for cc in e["countries"]:
                counts = out.setdefault(cc, [0, 0])
                counts[0] += 1
                counts[1] += e["ongoing"]
    return {cc: (n, k) for cc, (n, k) in out.items()}


def test_map_layer_counts_distinct_events_of_the_last_12_months(
    shutdown_client: TestClient,
) -> None:
    view = shutdown_client.get(f"/index.json?indicator={LAYER}").json()
    assert view["layer"] == LAYER and view["indicator"] is None
    window = view["window"]
    assert (window["start"], window["end"]) == (
        (TODAY - timedelta(days=364)).isoformat(),
        TODAY.isoformat(),
    )
    expected = _expected_layer(shutdown_client)
    # Iraq's block is one event (two records); Wana's (unknown since 2017) is not in the window.
    assert expected == {"IN": (1, 0), "ET": (1, 0), "KE": (1, 1), "IQ": (1, 1)}
    assert {r["cc"]: (int(r["value"]), r["ongoing"]) for r in view["rows"]} == expected
    assert (window["events"], window["ongoing"], window["countries"]) == (4, 2, 4)
    assert sum(c["count"] for c in view["legend"]) == 4
    by_name = shutdown_client.get(f"/index.json?indicator={LAYER}&sort=name&order=asc").json()
    assert [r["name"] for r in by_name["rows"]] == ["Ethiopia", "India", "Iraq", "Kenya"]


def test_map_layer_page_outlines_ongoing_events(shutdown_client: TestClient) -> None:
    html = html_of(shutdown_client, f"/?indicator={LAYER}")
    assert (
        f'<option value="{LAYER}" selected>Shutdown events in the last 12 months</option>' in html
    )
    assert '<h2 id="map-title">Shutdown events in the last 12 months' in html
    kenya = re.search(
        r'<a href="/country/KE" aria-label="([^"]+)"><title>[^<]*</title><path d="([^"]+)"', html
    )
    assert kenya is not None
    assert kenya[1] == f"Kenya: 1 event, 1 ongoing (latest began {ONGOING_KE.isoformat()})"
    outlines = html[html.index('<g class="highlights"') :]
    outlines = outlines[: outlines.index("</g>")]
    assert outlines.count(f'd="{kenya[2]}"') == 2 and outlines.count("<path") == 4  # KE, IQ
    # No event is a count of zero, drawn plainly; areas without an ISO code stay hatched.
    assert 'aria-label="Netherlands: no event recorded"' in html
    assert f'fill="{NONE_FILL}"' in html and "No event recorded" in html
    assert "Outlined in red: an event is ongoing, by the latest information" in html
    assert '<a href="/country/KE#shutdowns">Kenya</a>' in html
    assert "This is not an indicator of the registry" in html
    # The indicator maps are unchanged: no outline, nothing said about events.
    plain = html_of(shutdown_client, "/")
    assert '<g class="highlights"' not in plain and "No event recorded" not in plain


# Methodology ---------------------------------------------------------------------------------


def test_methodology_documents_criteria_and_cost_model_from_the_code(
    shutdown_client: TestClient,
) -> None:
    data: dict[str, Any] = shutdown_client.get("/methodology.json").json()["shutdown_tracker"]
    p = CostParameters()
    model = data["cost_model"]
    assert model["version"] == METHOD_VERSION
    intensity = next(x for x in model["parameters"] if x["name"] == "internet_intensity")
    expected = [
        f"{round(v * 100)} %"
        for v in (p.internet_intensity.low, p.internet_intensity.central, p.internet_intensity.high)
    ]
    assert [intensity["low"], intensity["central"], intensity["high"]] == expected
    html = html_of(shutdown_client, "/methodology")
    assert 'id="shutdown-criteria"' in html and 'href="#shutdown-cost-model"' in html
    for c in data["criteria"]:
        assert c["text"] in html
    assert "<code>NY.GDP.MKTP.CD</code>" in html
