"""The response cache (`nethealth.server.cache`): what it stores, for how long, and the HTTP
caching headers it answers with (RFC 9110 §13 conditional requests, RFC 9111 Cache-Control)."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nethealth.lake.catalog import write_catalog
from nethealth.lake.storage import write_bytes_atomic
from nethealth.server.cache import Entry, ResponseCache, route_kind
from nethealth.settings import Settings
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import IXPS, PROVENANCE, build_fixture_lake, make_settings

COUNTRY = "/api/v1/countries/NL"


def the_cache(app: FastAPI) -> ResponseCache:
    """The app's ResponseCache, found in its middleware stack (built at the first request)."""
    layer: object = app.middleware_stack
    while layer is not None and not isinstance(layer, ResponseCache):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, ResponseCache), "create_app must install the response cache"
    return layer


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return build_fixture_lake(make_settings(tmp_path / "data", ASSETS))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(fixture_app(settings)) as c:
        c.get("/healthz")  # builds the middleware stack
        yield c


def rebuild_with_doubled_values(settings: Settings) -> None:
    """What a build does to the lake: new datasets, then a new catalog written atomically."""
    path = settings.lake_dir / "indicator_values.parquet"
    table = pq.read_table(path)
    doubled = pc.multiply(table.column("value"), 2.0)
    pq.write_table(table.set_column(table.schema.get_field_index("value"), "value", doubled), path)
    write_catalog(settings, list(PROVENANCE), {})


def ixps_latest(response: httpx.Response) -> float:
    by_id = {s["id"]: s for s in response.json()["indicators"]}
    value: float = by_id[IXPS.id]["latest"]["value"]
    return value


# Conditional requests ----------------------------------------------------------------------------


def test_matching_etag_is_answered_304_without_a_body(client: TestClient) -> None:
    first = client.get(COUNTRY)
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag.startswith('"') and etag.endswith('"')
    again = client.get(COUNTRY, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == first.headers["cache-control"]
    # weak comparison for If-None-Match (RFC 9110 §13.1.2), a list, and `*`
    for given in (f"W/{etag}", f'"other", {etag}', "*"):
        assert client.get(COUNTRY, headers={"If-None-Match": given}).status_code == 304
    other = client.get(COUNTRY, headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.content == first.content


def test_gzip_and_plain_bodies_have_their_own_etags_of_the_same_bytes(client: TestClient) -> None:
    plain = client.get(COUNTRY, headers={"Accept-Encoding": "identity"})
    zipped = client.get(COUNTRY, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decompressed it
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gz"'
    assert "Accept-Encoding" in zipped.headers["vary"]
    # either tag revalidates either representation
    assert client.get(COUNTRY, headers={"If-None-Match": zipped.headers["etag"],
                                        "Accept-Encoding": "identity"}).status_code == 304  # fmt: skip


def test_if_modified_since_is_answered_304_unless_the_data_are_newer(client: TestClient) -> None:
    first = client.get(COUNTRY)
    modified = first.headers["last-modified"]
    assert email.utils.parsedate_to_datetime(modified) is not None
    assert client.get(COUNTRY, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = email.utils.formatdate(
        email.utils.parsedate_to_datetime(modified).timestamp() - 3600, usegmt=True
    )
    assert client.get(COUNTRY, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
    both = {"If-None-Match": '"stale"', "If-Modified-Since": modified}
    assert client.get(COUNTRY, headers=both).status_code == 200


# What is cached, under which key --------------------------------------------------------------


def test_a_repeated_request_is_computed_once(client: TestClient) -> None:
    cache = the_cache(client.app)  # type: ignore[arg-type]
    before = cache.computed
    bodies = {client.get(COUNTRY).content for _ in range(5)}
    assert len(bodies) == 1 and cache.computed == before + 1


def test_each_language_is_its_own_entry(client: TestClient) -> None:
    cache = the_cache(client.app)  # type: ignore[arg-type]
    before = cache.computed
    pages = {
        "en": client.get("/country/NL"),
        "fr": client.get("/country/NL", headers={"Accept-Language": "fr-CA, en;q=0.5"}),
        "es": client.get("/country/NL?lang=es"),
    }
    assert cache.computed == before + 3
    for lang, page in pages.items():
        assert f'<html lang="{lang}"' in page.text
    assert len({p.headers["etag"] for p in pages.values()}) == 3
    assert "Accept-Language" in pages["fr"].headers["vary"]
    # the same choice again, by another route to it (the cookie), is a hit
    client.cookies.set("nethealth_lang", "fr")
    again = client.get("/country/NL")
    client.cookies.clear()
    assert again.headers["etag"] == pages["fr"].headers["etag"]
    assert cache.computed == before + 3


def test_query_strings_and_csv_are_part_of_the_key(client: TestClient) -> None:
    trimmed = client.get(COUNTRY)
    full = client.get(COUNTRY + "?series=all")
    csv = client.get(COUNTRY, headers={"Accept": "text/csv"})
    assert trimmed.json()["provenance"] is None and full.json()["provenance"]
    assert csv.headers["content-type"].startswith("text/csv")
    assert len({trimmed.headers["etag"], full.headers["etag"], csv.headers["etag"]}) == 3


def test_a_rebuild_invalidates_every_entry(client: TestClient, settings: Settings) -> None:
    first = client.get(COUNTRY)
    rebuild_with_doubled_values(settings)
    after = client.get(COUNTRY, headers={"If-None-Match": first.headers["etag"]})
    assert after.status_code == 200
    assert ixps_latest(after) == 2 * ixps_latest(first)
    assert after.headers["etag"] != first.headers["etag"]


def test_no_store_routes_are_never_cached(client: TestClient) -> None:
    cache = the_cache(client.app)  # type: ignore[arg-type]
    for path in ("/healthz", "/api/v1/status"):
        for _ in range(2):
            r = client.get(path)
            assert r.status_code == 200
            assert r.headers["cache-control"] == "no-store" and "etag" not in r.headers
    assert len(cache.memory) == 0
    assert route_kind("GET", "/api/v1/scan/example.org", []) == "no-store"
    assert route_kind("GET", "/scan.json", []) == "no-store"
    assert route_kind("GET", "/scanner", []) == "cached"  # a prefix ends at a separator


def test_post_and_credentials_are_never_cached(client: TestClient) -> None:
    cache = the_cache(client.app)  # type: ignore[arg-type]
    posted = client.post("/api/v1/shutdowns", json={})
    assert posted.status_code == 401 and posted.headers["cache-control"] == "no-store"
    wrong = client.post(COUNTRY)  # a GET route: 405
    assert wrong.status_code == 405 and wrong.headers["cache-control"] == "no-store"
    authed = client.get(COUNTRY, headers={"Authorization": "Bearer whatever-token"})
    assert authed.status_code == 200 and authed.headers["cache-control"] == "no-store"
    assert len(cache.memory) == 0


def test_errors_are_not_cached_except_404_of_built_data(client: TestClient) -> None:
    cache = the_cache(client.app)  # type: ignore[arg-type]
    bad = client.get(COUNTRY + "?series=some")
    assert bad.status_code == 400 and bad.headers["cache-control"] == "no-store"
    nowhere = client.get("/no/such/page")
    assert nowhere.status_code == 404 and nowhere.headers["cache-control"] == "no-store"
    assert len(cache.memory) == 0
    unknown = client.get("/api/v1/countries/XX")
    assert unknown.status_code == 404 and unknown.headers["cache-control"].startswith("public")
    assert len(cache.memory) == 1


def test_a_lake_that_is_not_built_is_not_cached(tmp_path: Path) -> None:
    with TestClient(fixture_app(make_settings(tmp_path / "empty", ASSETS))) as c:
        r = c.get(COUNTRY)
        assert r.status_code == 503 and r.headers["cache-control"] == "no-store"
        build_fixture_lake(c.app.state.nethealth.settings)  # type: ignore[attr-defined]
        assert c.get(COUNTRY).status_code == 200


def test_an_answer_is_recomputed_each_period_keeping_etag_and_date(client: TestClient) -> None:
    """Answers that depend on the clock are recomputed once their period is over: the old
    answer is served meanwhile, the new one computed in the background; unchanged bytes keep
    their ETag and Last-Modified, so clients still get 304s."""
    cache = the_cache(client.app)  # type: ignore[arg-type]
    now = 1_800_000_000.0
    cache.clock = lambda: now
    first = client.get(COUNTRY)
    computed = cache.computed
    assert client.get(COUNTRY).headers["etag"] == first.headers["etag"]
    assert cache.computed == computed  # same period: a hit
    now += cache.config.seconds  # the next period of every key
    later = client.get(COUNTRY, headers={"If-None-Match": first.headers["etag"]})
    assert later.status_code == 304  # the previous answer, at once
    for _ in range(600):  # the background recomputation (bounded wait, not a timing)
        if cache.computed == computed + 1 and not cache._inflight:
            break
        time.sleep(0.05)
    assert cache.computed == computed + 1
    again = client.get(COUNTRY)
    assert cache.computed == computed + 1  # the recomputed entry is current: a hit
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["last-modified"] == first.headers["last-modified"]


def test_keys_change_period_at_different_instants(client: TestClient) -> None:
    cache = the_cache(client.app)  # type: ignore[arg-type]
    seconds = cache.config.seconds
    starts = set()
    for n in range(20):
        key = f"GET /country/C{n}?|lang=en|accept="
        # the first instant of the key's period that contains t=0 … its length is `seconds`
        p0 = cache.period(key, 0.0)
        assert cache.period(key, float(seconds)) == p0 + 1
        starts.add(next(t for t in range(seconds + 1) if cache.period(key, float(t)) != p0))
    assert len(starts) > 1


def test_concurrent_requests_for_a_cold_key_are_computed_once(settings: Settings) -> None:
    app = fixture_app(settings)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            await c.get("/healthz")
            return await asyncio.gather(*(c.get(COUNTRY) for _ in range(8)))

    answers = asyncio.run(burst())
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers}) == 1
    assert the_cache(app).computed == 1


# The disk cache ----------------------------------------------------------------------------------


def test_the_disk_cache_survives_a_restart(settings: Settings) -> None:
    with TestClient(fixture_app(settings)) as first:
        answer = first.get(COUNTRY)
    with TestClient(fixture_app(settings)) as second:
        again = second.get(COUNTRY)
        cache = the_cache(second.app)  # type: ignore[arg-type]
        assert cache.computed == 0
    assert again.content == answer.content
    for header in ("etag", "last-modified"):
        assert again.headers[header] == answer.headers[header]
    assert list((settings.data_dir / "cache" / "responses").glob("*/*.entry"))


def test_the_disk_cache_is_ignored_and_dropped_when_the_lake_changed(settings: Settings) -> None:
    root = settings.data_dir / "cache" / "responses"
    with TestClient(fixture_app(settings)) as first:
        answer = first.get(COUNTRY)
    (old_version,) = [d.name for d in root.iterdir()]
    rebuild_with_doubled_values(settings)
    with TestClient(fixture_app(settings)) as second:
        again = second.get(COUNTRY)
        assert the_cache(second.app).computed == 1  # type: ignore[arg-type]
    assert ixps_latest(again) == 2 * ixps_latest(answer)
    assert old_version not in [d.name for d in root.iterdir()]


@pytest.mark.parametrize(
    "written",
    [
        "catalog.duckdb",  # the end of every build
        "lake/_state.json",  # after every build step
        "lake/outage_events.parquet",  # `nethealth outages detect`, outside a build
        "shutdowns/events.jsonl",  # a curator's change to the shutdown tracker
        "outage-reviews/reviews.jsonl",  # an outage review
        "runs/latest.json",  # a `nethealth update` run (the about page's last update)
        "runs/sources.json",  # … and when it last asked each publisher
    ],
)
def test_every_writer_of_served_data_changes_the_data_version(
    client: TestClient, settings: Settings, written: str
) -> None:
    cache = the_cache(client.app)  # type: ignore[arg-type]
    version = cache.version.current()
    write_bytes_atomic(settings.data_dir / written, b"{}")
    assert cache.version.current() != version


def test_a_torn_disk_entry_is_a_miss() -> None:
    entry = Entry("k", "v", 1, 200, ((b"content-type", b"text/plain"),), b"body", None, "e", 1)
    data = entry.to_bytes()
    assert Entry.from_bytes(data) == entry
    assert Entry.from_bytes(data[:-1]) is None
    assert Entry.from_bytes(b"junk" + data) is None


def test_an_unwritable_disk_cache_still_answers_and_warns_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    (settings.data_dir / "cache").write_text("not a folder")  # the cache cannot be created
    with TestClient(fixture_app(settings)) as c:
        for path in (COUNTRY, COUNTRY, "/api/v1/countries/FR"):
            assert c.get(path).status_code == 200
        cache = the_cache(c.app)  # type: ignore[arg-type]
        assert cache.computed == 2  # memory still caches
    warned = [r for r in caplog.records if "response cache" in r.getMessage()]
    assert len(warned) == 1 and "disk cache is off" in warned[0].getMessage()
