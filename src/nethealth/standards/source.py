"""The scanner's target lists as sources (`nethealth fetch/load SOURCE`), beside Tranco's global
list (source `tranco`, declared by the infrastructure area and read here too).

| source | what | file | fetched from |
|---|---|---|---|
| `crux-country` | a country's CrUX top list (`origin,rank`, rank buckets) | raw/crux-country/<month 1st, or --date>/<cc>.csv.gz | `{base}/data/country/<cc>/<YYYYMM>.csv.gz` (`current.csv.gz` without --date), base github.com/zakird/crux-top-lists |
| `country-toplist` | a country's top list as `rank,domain` (Tranco's shape) | raw/country-toplist/<day>/<cc>.csv | `{base}/<cc>.csv` |
| `cctld-domains` | domains under a country's ccTLD, one per line | raw/cctld-domains/<day>/<cc>.txt | `{base}/<cc>.txt` |
| `ntp-pool` | the servers of a country's NTP pool zone, one host or address per line | raw/ntp-pool/<day>/<cc>.txt | `{base}/<cc>.txt` |

The country is the file's name (lower case ISO 3166-1 alpha-2): `nethealth load SOURCE FILE
--date D --country CC`, or `nethealth fetch SOURCE --part CC …`. Only CrUX has a publisher
with a plain-file layout; the other three have none (registries publish zones, not lists; the
NTP pool publishes no server list), so their fetcher needs `--base-url`: a mirror laid out as
above.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pycountry

from nethealth.common.cadence import Cadence, Retention
from nethealth.errors import ConfigError, InputError
from nethealth.formats.targetlists import parse_crux, parse_hosts
from nethealth.formats.tranco import parse_toplist
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources.base import (
    FetchRequest,
    LoadOptions,
    Prepared,
    Progress,
    Source,
    SourceInfo,
    check_request,
    stored,
)
from nethealth.sources.common import today_utc
from nethealth.sources.download import FetchReport, fetch_to_store, join_url
from nethealth.sources.load import decompressed, simple, suffix_of

CRUX = "crux-country"
TOPLIST = "country-toplist"
CCTLD = "cctld-domains"
NTP_POOL = "ntp-pool"
CRUX_BASE_URL = "https://raw.githubusercontent.com/zakird/crux-top-lists/main"

_LIST_LICENCE = "the list's publisher's terms (record them with the file)"
INFOS = {
    CRUX: SourceInfo(
        id=CRUX,
        title="Chrome UX Report country top lists",
        publisher="Google Chrome UX Report (CrUX), cached by Z. Durumeric's crux-top-lists",
        homepage="https://github.com/zakird/crux-top-lists",
        licence="CrUX data: Creative Commons Attribution 4.0 (Google); the cache: its "
        "repository's terms",
        licence_url="https://developer.chrome.com/docs/crux/about",
        attribution="Top sites per country from the Chrome UX Report (CrUX), via "
        "github.com/zakird/crux-top-lists (Ruth et al., IMC 2022).",
        description="The most visited web origins per country by Chrome users, in rank "
        "buckets (top 1,000, 5,000, 10,000, …); the sites the scanner tests per country.",
    ),
    TOPLIST: SourceInfo(
        id=TOPLIST,
        title="Country top-site lists (rank,domain)",
        publisher="any publisher of a country's ranked domains, loaded with --country",
        homepage="https://tranco-list.eu/",
        licence=_LIST_LICENCE,
        licence_url="https://tranco-list.eu/",
        attribution="Country top sites as loaded by the operator (see each file's provenance).",
        description="A country's popular domains, ranked 1 (most popular) downwards, in "
        "Tranco's rank,domain shape.",
    ),
    CCTLD: SourceInfo(
        id=CCTLD,
        title="Domains under a country's ccTLD",
        publisher="the ccTLD registry's open data, or the operator's own list",
        homepage="https://www.iana.org/domains/root/db",
        licence=_LIST_LICENCE,
        licence_url="https://www.iana.org/domains/root/db",
        attribution="ccTLD domains as loaded by the operator (see each file's provenance).",
        description="Registered domains under a country code top-level domain, one per line, "
        "unranked.",
    ),
    NTP_POOL: SourceInfo(
        id=NTP_POOL,
        title="NTP pool zone servers per country",
        publisher="the NTP Pool Project's country zones (<cc>.pool.ntp.org), as listed by "
        "the operator",
        homepage="https://www.ntppool.org/zone",
        licence=_LIST_LICENCE,
        licence_url="https://www.ntppool.org/",
        attribution="Time servers of the NTP Pool Project's country zones.",
        description="The time servers of a country's pool zone, one host name or address per "
        "line; the targets of the time (NTS) checks.",
    ),
}


def parse_ranked(data: bytes, path: Path | str) -> pa.Table:
    """A `rank,domain` list (formats.tranco), or a wider CSV whose header starts with
    `rank,domain` (the simulator's country lists add hosting and technology columns): the first
    two columns are the list."""
    if data[:4] == b"PK\x03\x04":  # zipped: formats.tranco unzips it
        return parse_toplist(data, path).rename_columns(["rank", "target"])
    text = decompressed_text(data, path)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    head = [c.strip().lower() for c in first.split(",")]
    if len(head) > 2 and head[:2] == ["rank", "domain"]:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(
            row[:2] for row in csv.reader(io.StringIO(text, newline=""))
        )
        data = buf.getvalue().encode()
    return parse_toplist(data, path).rename_columns(["rank", "target"])


def decompressed_text(data: bytes, path: Path | str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None


# The parser of each source's files, and the suffix they are stored with.
PARSERS: dict[str, tuple[Callable[[bytes, Path | str], pa.Table], str]] = {
    CRUX: (parse_crux, ".csv"),
    TOPLIST: (parse_ranked, ".csv"),
    CCTLD: (parse_hosts, ".txt"),
    NTP_POOL: (parse_hosts, ".txt"),
}


def country_code(text: str | None, field: str = "--country") -> str:
    """An ISO 3166-1 alpha-2 code, upper case; InputError naming `field` otherwise."""
    code = (text or "").strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InputError(f"{text!r} is not an ISO 3166-1 alpha-2 country code", field=field,
                         hint="e.g. FR, BR, KE")  # fmt: skip
    return code


def country_of_name(name: str) -> str | None:
    """The country a stored list's name says (`fr.csv.gz` → FR), None when it says none."""
    stem = name.split(".", 1)[0]
    if len(stem) == 2 and pycountry.countries.get(alpha_2=stem.upper()) is not None:
        return stem.upper()
    return None


def loader(source_id: str) -> Callable[[Sequence[Path], LoadOptions], list[Prepared]]:
    parse, suffix = PARSERS[source_id]

    def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
        """Each file parsed, stored as <cc><suffix> under its --date (a list has no date)."""
        if opts.country is None:
            raise InputError(f"{source_id} lists belong to a country", field="--country",
                             hint=f"nethealth load {source_id} FILE --date D --country CC")  # fmt: skip
        cc = country_code(opts.country)
        if len(paths) > 1:
            raise InputError(f"{len(paths)} files for one country and date", field="FILE",
                             hint="load one list per country and date")  # fmt: skip
        out = []
        for path in paths:
            table = parse(decompressed(path), path)
            note = f"{table.num_rows:,} targets of {cc}"
            out.append(simple(path, f"{cc.lower()}{suffix}{suffix_of(path)}", None, opts, [note]))
        return out

    return load


def _countries(req: FetchRequest, source_id: str) -> list[str]:
    if not req.parts:
        raise ConfigError(f"{source_id} is fetched per country", hint="give --part CC (repeatable)")
    return [country_code(p, "--part") for p in req.parts]


def fetch_crux(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """A month's list per country (`--date`: any day of the month), else the current one."""
    check_request(req, CRUX, "--date", "--base-url", "--part")
    base = req.base_url or CRUX_BASE_URL
    files = []
    for cc in _countries(req, CRUX):
        if req.day is not None:
            month = req.day.replace(day=1)
            url = join_url(base, "data", "country", cc.lower(), f"{month:%Y%m}.csv.gz")
            snapshot = month.isoformat()
        else:
            url = join_url(base, "data", "country", cc.lower(), "current.csv.gz")
            snapshot = today_utc()
        files.append(fetch_to_store(
            store, source_id=CRUX, snapshot=snapshot, name=f"{cc.lower()}.csv.gz", url=url,
            licence=INFOS[CRUX].licence, settings=settings, progress=bar,
        ))  # fmt: skip
    return stored(*files)


def plain_fetcher(
    source_id: str,
) -> Callable[[Settings, RawStore, FetchRequest, Progress], FetchReport]:
    _parse, suffix = PARSERS[source_id]

    def fetch(settings: Settings, store: RawStore, req: FetchRequest, bar: Progress) -> FetchReport:
        """`{base}/<cc><suffix>` per country from a mirror, as the snapshot of --date or today."""
        check_request(req, source_id, "--date", "--base-url", "--part")
        if req.base_url is None:
            raise ConfigError(
                f"{source_id} has no publisher with a plain-file layout",
                hint=f"give --base-url of a mirror holding <cc>{suffix}, or load the file: "
                f"nethealth load {source_id} FILE --date D --country CC",
            )
        snapshot = req.day.isoformat() if req.day is not None else today_utc()
        files = [
            fetch_to_store(
                store, source_id=source_id, snapshot=snapshot, name=f"{cc.lower()}{suffix}",
                url=join_url(req.base_url, f"{cc.lower()}{suffix}"), licence=_LIST_LICENCE,
                settings=settings, progress=bar,
            )
            for cc in _countries(req, source_id)
        ]  # fmt: skip
        return stored(*files)

    return fetch


# Not routine: a fetch names its countries (--part), so `nethealth update` fetches these
# only when the operator names them.
MONTHLY = Cadence("monthly (the second Tuesday)", 31, lag_days=14, fetch_by="month",
                  size_band=None, retention=Retention(daily=1, monthly=None))  # fmt: skip
SOURCES = (
    Source(INFOS[CRUX], fetch_crux, loader(CRUX), cadence=MONTHLY),
    *(
        Source(INFOS[s], plain_fetcher(s), loader(s),
               cadence=Cadence("when the operator loads a list", 366, fetch_by="latest",
                               size_band=None))
        for s in (TOPLIST, CCTLD, NTP_POOL)
    ),
)  # fmt: skip
