"""`nethealth load` refusing what it cannot vouch for: a bad file is an InputError naming the
file and the record, and nothing of the call is stored; a date comes from the content or from
--date, never from nowhere."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from nethealth.areas import get_source
from nethealth.errors import ConfigError, InputError, NotFoundError
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions
from nethealth.sources.load import load_files

BVIEW = "bgp/ripe-bgpdump/test_data/bview.20020722.2337.gz"
PDB = "peeringdb/real-2020-09"


def _stored(settings: Settings, source: str) -> list[str]:
    return [
        f"{f.provenance.snapshot}/{f.provenance.name}"
        for f in RawStore(settings.raw_dir).files(source)
    ]


@pytest.mark.shared
def test_a_truncated_rib_names_file_and_record_and_stores_nothing(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    good = shared_data / "bgp/ripe-bgpdump/test_data/updates.20020722.2238.gz"
    data = gzip.decompress((shared_data / BVIEW).read_bytes())
    bad = tmp_path / "cut.gz"
    bad.write_bytes(gzip.compress(data[: len(data) // 2]))
    with pytest.raises(InputError) as info:
        load_files(settings, get_source("bgp-ris"), [good, bad], LoadOptions(collector="rrc00"))
    assert info.value.path == str(bad) and info.value.record is not None
    assert _stored(settings, "bgp-ris") == []  # not even the good file of the same call
    # --lenient stores it, saying what the build will skip
    report = load_files(
        settings, get_source("bgp-ris"), [bad], LoadOptions(collector="rrc00", lenient=True)
    )
    assert report.stored == 1 and any("skipped" in n for n in report.files[0].notes)


@pytest.mark.shared
def test_mrt_needs_a_collector_of_its_project(settings: Settings, shared_data: Path) -> None:
    with pytest.raises(InputError, match="does not say which collector") as no_collector:
        load_files(settings, get_source("bgp-ris"), [shared_data / BVIEW])
    assert "--collector" in (no_collector.value.hint or "")
    with pytest.raises(InputError, match="not a collector of bgp-ris"):
        load_files(
            settings,
            get_source("bgp-ris"),
            [shared_data / BVIEW],
            LoadOptions(collector="route-views2"),
        )
    with pytest.raises(InputError, match="collector name"):
        load_files(
            settings, get_source("bgp-ris"), [shared_data / BVIEW], LoadOptions(collector="../x")
        )
    # not MRT at all
    with pytest.raises(InputError, match="MRT type") as info:
        load_files(settings, get_source("bgp-ris"), [shared_data / "atlas/ping.ndjson"],
                   LoadOptions(collector="rrc00"))  # fmt: skip
    assert info.value.field == "type"


@pytest.mark.shared
def test_a_content_date_wins_over_date(settings: Settings, shared_data: Path) -> None:
    report = load_files(settings, get_source("bgp-ris"), [shared_data / BVIEW],
                        LoadOptions(collector="rrc00", day=date(2020, 1, 1)))  # fmt: skip
    assert report.files[0].raw.provenance.snapshot == "2002-07-22"
    assert any("--date 2020-01-01 not used" in n for n in report.files[0].notes)


def test_without_a_date_in_the_file_date_is_required(settings: Settings, tmp_path: Path) -> None:
    f = tmp_path / "list.csv"
    f.write_text("1,example.org\n2,example.net\n")
    with pytest.raises(InputError, match="does not say when") as undated:
        load_files(settings, get_source("tranco"), [f])
    assert "pass --date" in (undated.value.hint or "")
    assert _stored(settings, "tranco") == []
    load_files(settings, get_source("tranco"), [f], LoadOptions(day=date(2025, 6, 1)))
    assert _stored(settings, "tranco") == ["2025-06-01/tranco-list.csv"]


@pytest.mark.shared
def test_peeringdb_dates_and_object_types(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    files = [shared_data / PDB / f"{o}.json" for o in ("ix", "ixlan", "ixpfx")]
    # no --date: the newest `updated` of the three files (ix: 2020-09-09T14:26:05Z), all three
    report = load_files(settings, get_source("peeringdb"), files)
    assert {f.raw.provenance.snapshot for f in report.files} == {"2020-09-09"}
    assert "lower bound" in report.files[0].dated_by
    # a --date before a record was updated is refused
    with pytest.raises(InputError, match="before the newest `updated` record"):
        load_files(settings, get_source("peeringdb"), files, LoadOptions(day=date(2020, 9, 1)))
    # the type comes from the records; a name that says otherwise is refused
    renamed = tmp_path / "ixlan.json"
    shutil.copyfile(files[0], renamed)
    with pytest.raises(InputError, match="named for ixlan but holds ix records"):
        load_files(settings, get_source("peeringdb"), [renamed], LoadOptions(day=date(2020, 9, 10)))
    anyname = tmp_path / "download (3).json"
    shutil.copyfile(files[2], anyname)
    got = load_files(
        settings, get_source("peeringdb"), [anyname], LoadOptions(day=date(2020, 9, 10))
    )
    assert got.files[0].raw.provenance.name == "ixpfx.json"


def test_peeringdb_bad_record_and_meta_generated(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "ix.json"
    recs = [{"id": i, "name": f"IX{i}", "country": "NL", "media": "Ethernet"} for i in range(3)]
    recs[2]["country"] = 7
    bad.write_text(json.dumps({"data": recs}))
    with pytest.raises(InputError) as info:
        load_files(settings, get_source("peeringdb"), [bad], LoadOptions(day=date(2024, 1, 1)))
    assert (info.value.record, info.value.field) == ("ix[2]", "country")
    recs[2]["country"] = "DE"
    ok = tmp_path / "ix-0.json"
    ok.write_text(json.dumps({"data": recs, "meta": {"generated": 1704067200.5}}))
    got = load_files(settings, get_source("peeringdb"), [ok])
    assert got.files[0].raw.provenance.snapshot == "2024-01-01"
    assert "meta.generated" in got.files[0].dated_by


@pytest.mark.shared
def test_worldbank_wide_csv_needs_its_indicator(settings: Settings, shared_data: Path) -> None:
    wide = shared_data / "country/wb_internet_users_pct_2016-2024.csv"
    with pytest.raises(InputError, match="which indicator") as unnamed:
        load_files(settings, get_source("worldbank"), [wide], LoadOptions(day=date(2025, 7, 1)))
    assert "--indicator" in (unnamed.value.hint or "")
    with pytest.raises(ConfigError, match="not a WDI indicator code"):
        load_files(settings, get_source("worldbank"), [wide],
                   LoadOptions(day=date(2025, 7, 1), indicator="internet"))  # fmt: skip
    not_wdi = shared_data / "country/worldbank-2018/CountryCodesISO3.csv"
    with pytest.raises(InputError, match="not a World Bank CSV"):
        load_files(settings, get_source("worldbank"), [not_wdi], LoadOptions(day=date(2025, 7, 1)))
    assert _stored(settings, "worldbank") == []


@pytest.mark.shared
def test_rir_refuses_the_iana_file_and_dates_by_header(
    settings: Settings, shared_data: Path
) -> None:
    root = shared_data / "rir/delegated-extended-truncated"
    with pytest.raises(InputError, match="not one of the five RIRs"):
        load_files(settings, get_source("rir"), [root / "iana"])
    got = load_files(
        settings, get_source("rir"), [root / "lacnic"], LoadOptions(day=date(2000, 1, 1))
    )
    assert _stored(settings, "rir") == ["2019-09-06/delegated-lacnic-extended"]
    assert any("not used" in n for n in got.files[0].notes)


@pytest.mark.shared
def test_rir_refuses_a_cut_file_unless_lenient(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    """A download cut short keeps its header: fewer records than it announces is refused, or
    stored with --lenient and a note that the build will not count from it."""
    lines = (shared_data / "rir/delegated-extended-truncated/lacnic").read_text().splitlines()
    cut = tmp_path / "delegated-lacnic-extended-20190906"
    cut.write_text("\n".join(lines[:-40]) + "\n")
    with pytest.raises(InputError, match="incomplete: its header announces 300 records, 260"):
        load_files(settings, get_source("rir"), [cut])
    assert _stored(settings, "rir") == []
    got = load_files(settings, get_source("rir"), [cut], LoadOptions(lenient=True))
    assert _stored(settings, "rir") == ["2019-09-06/delegated-lacnic-extended"]
    assert any("counts as not measured" in n for n in got.files[0].notes)


@pytest.mark.shared
def test_atlas_listing_is_not_results(settings: Settings, shared_data: Path) -> None:
    with pytest.raises(InputError, match="not a RIPE Atlas result") as info:
        load_files(settings, get_source("atlas"), [shared_data / "atlas/anchors.json"])
    assert info.value.line == 1


def test_atlas_one_hour_named_as_a_dump_and_probe_archive(
    settings: Settings, tmp_path: Path
) -> None:
    ping = {"fw": 5020, "type": "ping", "msm_id": 1001, "prb_id": 6001, "timestamp": 1717203720,
            "dst_addr": "192.0.2.1", "af": 4, "sent": 3, "rcvd": 3, "avg": 10.0, "min": 9.0,
            "max": 11.0, "result": [{"rtt": 9.0}, {"rtt": 10.0}, {"rtt": 11.0}]}  # fmt: skip
    results = tmp_path / "results.json"
    results.write_text(json.dumps([ping, {**ping, "prb_id": 6002, "timestamp": 1717204000}]))
    probes = tmp_path / "archive.json"
    probes.write_text(json.dumps({"objects": [
        {"id": 6001, "asn_v4": 64500, "country_code": "NL", "address_v4": "192.0.2.9",
         "status_name": "Connected", "last_connected": 1717200000, "status_since": 1717100000},
    ]}))  # fmt: skip
    report = load_files(settings, get_source("atlas"), [results, probes])
    names = {f.raw.provenance.name: f.raw.provenance.snapshot for f in report.files}
    # both results fall in 2024-06-01 01:00-02:00: named with that hour, as the hourly dumps
    assert names == {"ping-2024-06-01T0100--results.json": "2024-06-01",
                     "probes-20240601.json": "2024-06-01"}  # fmt: skip


def test_toplist_zip_and_duplicate_domain(settings: Settings, tmp_path: Path) -> None:
    z = tmp_path / "top-1m.csv.zip"
    with zipfile.ZipFile(z, "w") as archive:
        archive.writestr("top-1m.csv", "1,google.com\n2,Example.ORG.\n")
    load_files(settings, get_source("tranco"), [z], LoadOptions(day=date(2025, 6, 1)))
    assert _stored(settings, "tranco") == ["2025-06-01/tranco-list.csv.zip"]
    dup = tmp_path / "dup.csv"
    dup.write_text("Domain\ngoogle.com\nexample.org\nGOOGLE.com\n")
    with pytest.raises(InputError) as info:
        load_files(settings, get_source("tranco"), [dup], LoadOptions(day=date(2025, 6, 2)))
    assert info.value.line == 4 and "line 2" in str(info.value)


def test_hegemony_damaged_lz4(settings: Settings, tmp_path: Path) -> None:
    f = tmp_path / "ihr_hegemony_ipv4_global_2023-08-01.csv.lz4"
    f.write_bytes(b"\x04\x22\x4d\x18" + b"\x00" * 20)
    with pytest.raises(InputError, match="damaged LZ4") as info:
        load_files(settings, get_source("ihr-hegemony"), [f])
    assert info.value.path == str(f)


def test_unknown_source_and_missing_path(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="unknown source 'nosuch'"):
        get_source("nosuch")
    with pytest.raises(ConfigError, match="comes with an installed package"):
        load_files(settings, get_source("countries"), [tmp_path])
    with pytest.raises(InputError, match="no such file"):
        load_files(settings, get_source("tranco"), [tmp_path / "absent.csv"])
    with pytest.raises(InputError, match="no files"):
        load_files(settings, get_source("tranco"), [tmp_path])  # an empty directory


@pytest.mark.shared
def test_other_sources_are_named_as_their_publishers_name_them(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    vrps = shared_data / "rpki/stayrtr/test.rpki.json"  # rpki-client JSON, says when it was made
    got = load_files(settings, get_source("rpki"), [vrps])
    assert _stored(settings, "rpki") == ["2023-07-27/test.rpki.json"]
    assert "generation time 2023-07-27" in got.files[0].dated_by
    asrel = tmp_path / "relationships.txt"
    asrel.write_text("# source:topology|BGP\n1|2|-1|bgp\n2|3|0|bgp\n")
    load_files(settings, get_source("caida-asrel"), [asrel], LoadOptions(day=date(2024, 5, 17)))
    assert _stored(settings, "caida-asrel") == ["2024-05-01/20240501.as-rel2.txt"]  # the month
    city = tmp_path / "city.csv.gz"
    city.write_bytes(
        gzip.compress(b'1.0.0.0,1.0.0.255,OC,AU,Queensland,"South Brisbane",-27.4,153\n')
    )
    load_files(settings, get_source("dbip-city"), [city], LoadOptions(day=date(2024, 5, 17)))
    assert _stored(settings, "dbip-city") == ["2024-05-01/dbip-city-lite-2024-05.csv.gz"]
    rpsl = tmp_path / "ripe.db.route"
    rpsl.write_text("route: 193.0.0.0/21\norigin: AS3333\nsource: RIPE\n\n")
    load_files(settings, get_source("irr"), [rpsl], LoadOptions(day=date(2024, 5, 17)))
    assert _stored(settings, "irr") == ["2024-05-17/ripe.db.route"]
    ranges = tmp_path / "whatever.csv"
    ranges.write_text("16777216,16777471,13335,Cloudflare\n")
    load_files(settings, get_source("ipdb"), [ranges], LoadOptions(day=date(2024, 5, 17)))
    assert _stored(settings, "ipdb") == ["2024-05-17/asn-ipv4-num.csv"]
