"""Target lists: the CrUX and host-list parsers, `nethealth load/fetch` of each list source with
its country, and the lake dataset `target_lists` the build makes of them (with Tranco's)."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.errors import ConfigError, InputError
from nethealth.formats.targetlists import parse_crux, parse_hosts
from nethealth.lake.raw import RawStore
from nethealth.settings import load_settings
from nethealth.sources.base import FetchRequest, LoadOptions
from nethealth.standards.source import loader, parse_ranked, plain_fetcher
from tests.mirror import serve_directory

# The sample of github.com/zakird/crux-top-lists' README, plus an http:// twin of one origin in
# a worse bucket and a 5,000 bucket (country lists have 1000, 5000, 10000, … buckets).
CRUX = (
    "origin,rank\n"
    "https://www.ptwxz.com,1000\n"
    "https://ameblo.jp,1000\n"
    "https://www.google.com.au,1000\n"
    "http://ameblo.jp,5000\n"
    "https://www.repubblica.it,5000\n"
)


def run(data: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--data-dir", str(data), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_crux_rows_are_hosts_in_their_best_bucket() -> None:
    t = parse_crux(CRUX.encode(), "fr.csv")
    assert t.to_pylist() == [
        {"rank": 1000, "target": "www.ptwxz.com"},
        {"rank": 1000, "target": "ameblo.jp"},  # its http:// origin's 5000 is worse
        {"rank": 1000, "target": "www.google.com.au"},
        {"rank": 5000, "target": "www.repubblica.it"},
    ]


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("domain,rank\nhttps://a.fr,1000\n", 1, "header origin,rank"),
        ("origin,rank\nhttps://a.fr,top\n", 2, "positive whole number"),
        ("origin,rank\nftp://a.fr,1000\n", 2, "not a web origin"),
        ("origin,rank\nhttps://a.fr/page,1000\n", 2, "not a web origin"),
        ("origin,rank\nhttps://[::1,1000\n", 2, "not a web origin"),  # found by the fuzzer
        ("origin,rank\nhttps://a.fr,1000,x\n", 2, "3 columns"),
    ],
)
def test_crux_errors_name_the_line(text: str, line: int, what: str) -> None:
    with pytest.raises(InputError, match=what) as err:
        parse_crux(text.encode(), "fr.csv")
    assert err.value.line == line


def test_host_lists() -> None:
    t = parse_hosts(b"# FR zone\n0.fr.pool.ntp.org\n\n192.0.2.1  # a server\n2001:DB8::1\n", "x")
    assert t["target"].to_pylist() == ["0.fr.pool.ntp.org", "192.0.2.1", "2001:db8::1"]
    assert t["rank"].null_count == 3
    with pytest.raises(InputError, match="listed twice") as err:
        parse_hosts(b"a.fr\nb.fr\nA.FR\n", "x")
    assert err.value.line == 3
    with pytest.raises(InputError, match="one host per line"):
        parse_hosts(b"a.fr b.fr\n", "x")


def test_loaded_lists_build_target_lists(tmp_path: Path) -> None:
    data = tmp_path / "data"
    crux = tmp_path / "202611.csv.gz"
    crux.write_bytes(gzip.compress(CRUX.encode()))
    top = tmp_path / "br.csv"
    top.write_text("rank,domain\n1,globo.com\n2,uol.com.br\n")
    cctld = tmp_path / "ke.txt"
    cctld.write_text("nation.africa.ke\nkenet.or.ke\n")
    ntp = tmp_path / "fr-pool.txt"
    ntp.write_text("192.0.2.10\nntp.example.fr\n")
    tranco = tmp_path / "top-1m.csv"
    tranco.write_text("1,google.com\n2,facebook.com\n")
    out = run(data, "load", "crux-country", str(crux), "--date", "2026-11-01", "--country", "fr")
    assert "raw/crux-country/2026-11-01/fr.csv.gz" in out
    run(data, "load", "country-toplist", str(top), "--date", "2026-12-01", "--country", "BR")
    run(data, "load", "cctld-domains", str(cctld), "--date", "2026-12-02", "--country", "KE")
    run(data, "load", "ntp-pool", str(ntp), "--date", "2026-12-03", "--country", "FR")
    run(data, "load", "tranco", str(tranco), "--date", "2026-12-04")
    run(data, "build", "--only", "target_lists")
    con = duckdb.connect()
    rows = con.execute(
        "SELECT list_id, country, date::VARCHAR, rank, bucketed, target FROM read_parquet(?) "
        "ORDER BY list_id, country, rank NULLS LAST, target",
        [str(data / "lake" / "target_lists.parquet")],
    ).fetchall()
    assert rows == [
        ("cctld-domains", "KE", "2026-12-02", None, False, "kenet.or.ke"),
        ("cctld-domains", "KE", "2026-12-02", None, False, "nation.africa.ke"),
        ("country-toplist", "BR", "2026-12-01", 1, False, "globo.com"),
        ("country-toplist", "BR", "2026-12-01", 2, False, "uol.com.br"),
        ("crux-country", "FR", "2026-11-01", 1000, True, "ameblo.jp"),
        ("crux-country", "FR", "2026-11-01", 1000, True, "www.google.com.au"),
        ("crux-country", "FR", "2026-11-01", 1000, True, "www.ptwxz.com"),
        ("crux-country", "FR", "2026-11-01", 5000, True, "www.repubblica.it"),
        ("ntp-pool", "FR", "2026-12-03", None, False, "192.0.2.10"),
        ("ntp-pool", "FR", "2026-12-03", None, False, "ntp.example.fr"),
        ("tranco", None, "2026-12-04", 1, False, "google.com"),
        ("tranco", None, "2026-12-04", 2, False, "facebook.com"),
    ]


def test_a_country_list_needs_its_country(tmp_path: Path) -> None:
    top = tmp_path / "list.csv"
    top.write_text("1,globo.com\n")
    load = loader("country-toplist")
    with pytest.raises(InputError, match="belong to a country") as err:
        load([top], LoadOptions(day=date(2026, 12, 1)))
    assert err.value.field == "--country"
    with pytest.raises(InputError, match="not an ISO 3166-1 alpha-2"):
        load([top], LoadOptions(day=date(2026, 12, 1), country="XZ"))
    (prepared,) = load([top], LoadOptions(day=date(2026, 12, 1), country="br"))
    assert (prepared.name, prepared.snapshot) == ("br.csv", "2026-12-01")


def test_real_tranco_list_is_a_target_list(tmp_path: Path, shared_data: Path) -> None:
    real = shared_data / "toplists" / "tranco_top10k_domains_limowagdy_2025-06.csv"
    first = next(ln for ln in real.read_text().splitlines()[1:] if ln.strip()).strip().lower()
    data = tmp_path / "data"
    run(data, "load", "tranco", str(real), "--date", "2025-06-01")
    run(data, "build", "--only", "target_lists")
    con = duckdb.connect()
    n, top = con.execute(
        "SELECT count(*), min_by(target, rank) FROM read_parquet(?) WHERE list_id = 'tranco'",
        [str(data / "lake" / "target_lists.parquet")],
    ).fetchone() or (0, None)
    assert (n, top) == (10_000, first)


def test_crux_fetch_from_a_mirror_in_the_publishers_layout(tmp_path: Path) -> None:
    site = tmp_path / "site"
    month = site / "data" / "country" / "fr" / "202611.csv.gz"
    month.parent.mkdir(parents=True)
    month.write_bytes(gzip.compress(CRUX.encode()))
    data = tmp_path / "data"
    with serve_directory(site) as (base, requests):
        run(data, "fetch", "crux-country", "--base-url", base, "--part", "fr",
            "--date", "2026-11-17")  # fmt: skip
    assert requests == ["/data/country/fr/202611.csv.gz"]
    stored = data / "raw" / "crux-country" / "2026-11-01" / "fr.csv.gz"
    assert stored.read_bytes() == month.read_bytes()
    run(data, "build", "--only", "target_lists")


def test_plain_lists_fetch_from_a_mirror_only(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "ke.txt").write_text("nation.africa.ke\n")
    data = tmp_path / "data"
    fetch = plain_fetcher("cctld-domains")
    with pytest.raises(ConfigError, match="no publisher") as err:
        fetch(load_settings(data_dir=data), RawStore(data / "raw"), FetchRequest(parts=("KE",)),
              lambda *_: None)  # fmt: skip
    assert "--base-url" in (err.value.hint or "")
    with serve_directory(site) as (base, requests):
        run(data, "fetch", "cctld-domains", "--base-url", base, "--part", "KE",
            "--date", "2026-12-01")  # fmt: skip
    assert requests == ["/ke.txt"]
    assert (data / "raw" / "cctld-domains" / "2026-12-01" / "ke.txt").is_file()


def test_a_wider_ranked_csv_reads_its_first_two_columns() -> None:
    # the simulator's country lists: rank,domain and then hosting and technology columns
    text = b"rank,domain,hosting_asn,https\n1,a.fr,64500,1\n2,b.fr,64501,0\n"
    t = parse_ranked(text, "fr.csv")
    assert t.to_pylist() == [{"rank": 1, "target": "a.fr"}, {"rank": 2, "target": "b.fr"}]
    with pytest.raises(InputError, match="3 columns"):
        parse_ranked(b"1,a.fr,x\n", "fr.csv")  # without the header it is not a list
