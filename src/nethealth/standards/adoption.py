"""Adoption of the open standards per country and globally, from the lake dataset `scan_results`.

One technology = one check of the scanner's registry. For a list, a country and a computation
date D (every day with a scan result of that check), each target's latest result of the check
scanned in the window (D − 30 days, D] is taken: `pass` adopts, `fail` (and `warning`, an
informative check's miss) does not; `error` (timeout, refused, connection, bug) and
`not_applicable`/`info` are left out of the denominator and counted apart. The value is
100 × adopting / conclusive (pass + fail + warning), in percent of the list's targets with a
conclusive result; with no conclusive result the value is `not measured`.

Country attribution is the list's country (a country's top-site list: sites its users visit),
not where the sites are hosted (hosting country needs the targets' addresses geolocated: not
built). A country's series comes from its CrUX list when it has results of the check, else
from its `country-toplist` (one list per series); the global series from Tranco's list. ccTLD lists are served by the
adoption API on request (`list=`), never mixed into these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from nethealth.common.status import Judgement, Status
from nethealth.indicators.registry import Compute, Indicator
from nethealth.sources import tranco
from nethealth.standards.results import DATASET as RESULTS
from nethealth.standards.source import CCTLD, CRUX, TOPLIST

VERSION = "1"
WINDOW_DAYS = 30
COUNTRY_LISTS = (CRUX, TOPLIST)  # priority order
GLOBAL_LIST = tranco.SOURCE_ID
LISTS = (*COUNTRY_LISTS, GLOBAL_LIST, CCTLD)


@dataclass(frozen=True)
class Technology:
    id: str  # the indicator id
    title: str
    check_id: str
    what: str  # what adopting means, for the method text


TECHNOLOGIES: tuple[Technology, ...] = (
    Technology("adoption_https", "HTTPS", "web-https", "the site answers over HTTPS"),
    Technology("adoption_https_forced", "HTTPS forced", "web-https-redirect",
               "plain HTTP redirects to HTTPS on the same host"),
    Technology("adoption_hsts", "HSTS", "web-hsts",
               "HSTS with a max-age of at least one year"),
    Technology("adoption_tls13", "TLS 1.3", "web-tls13", "TLS 1.3 is offered"),
    Technology("adoption_legacy_tls_off", "Legacy TLS off", "web-tls-legacy",
               "TLS 1.0 and TLS 1.1 are refused"),
    Technology("adoption_http2", "HTTP/2", "web-http2", "HTTP/2 is offered (ALPN h2)"),
    Technology("adoption_ipv6_web", "IPv6 (web)", "web-ipv6",
               "the web server is reachable over IPv6"),
    Technology("adoption_ipv6_mail", "IPv6 (mail)", "mail-ipv6",
               "the mail servers (MX) are reachable over IPv6"),
    Technology("adoption_ipv6_dns", "IPv6 (DNS)", "web-ns-ipv6",
               "the domain's name servers are reachable over IPv6"),
    Technology("adoption_dnssec", "DNSSEC signed", "web-dnssec",
               "the domain is DNSSEC-signed with a chain of trust to the root anchor"),
    Technology("adoption_caa", "CAA", "web-caa", "a CAA record names the CAs allowed to issue"),
    Technology("adoption_spf", "SPF", "mail-spf", "one valid SPF record ending in ~all or -all"),
    Technology("adoption_dmarc_enforced", "DMARC at enforcement", "mail-dmarc",
               "a DMARC policy of quarantine or reject"),
    Technology("adoption_starttls", "STARTTLS", "mail-starttls",
               "every MX offers STARTTLS with TLS 1.2 or better"),
    Technology("adoption_mta_sts", "MTA-STS", "mail-mta-sts",
               "an MTA-STS policy in enforce mode"),
)  # fmt: skip
# Technologies of issue 15 the scanner has no check for yet: not measured, never zero.
GAPS: dict[str, str] = {
    "HTTP/3": "no QUIC check in the registry",
    "DANE": "no TLSA check in the registry",
    "post-quantum key agreement": "no check of the key-exchange group in the registry",
    "NTS on the country's time servers": "no NTS check (ntp-pool lists are stored for it)",
    "RPKI-valid hosting": "scan results carry no hosting prefix to validate",
}

_SQL = f"""
WITH res AS (
  SELECT * FROM {RESULTS} WHERE check_id = ? AND list_id IN (SELECT unnest(?::VARCHAR[]))),
days AS (SELECT DISTINCT list_id, country, scan_date AS d FROM res),
latest AS (
  SELECT days.list_id, days.country, days.d, r.target,
         arg_max(r.status, r.scanned_at) AS status, arg_max(r.check_version, r.scanned_at) AS v,
         arg_max(r.list_date, r.scanned_at) AS list_date, min(r.scan_date) AS first_scan,
         bool_or(r.simulated) AS simulated
  FROM days JOIN res r
    ON r.list_id = days.list_id AND r.country IS NOT DISTINCT FROM days.country
   AND r.scan_date <= days.d AND r.scan_date > days.d - {WINDOW_DAYS}
  GROUP BY ALL)
SELECT list_id, country, d AS date,
       count(*) FILTER (WHERE status = 'pass') AS adopted,
       count(*) FILTER (WHERE status IN ('pass', 'fail', 'warning')) AS conclusive,
       count(*) FILTER (WHERE status = 'error') AS errors,
       count(*) FILTER (WHERE status IN ('not_applicable', 'info')) AS not_applicable,
       count(*) AS targets, min(list_date) AS list_from, max(list_date) AS list_to,
       min(first_scan) AS scan_from, min(v) AS v_min, max(v) AS v_max,
       bool_or(simulated) AS simulated
FROM latest GROUP BY ALL ORDER BY list_id, country, date
"""


@dataclass(frozen=True)
class AdoptionRow:
    """One value with everything behind it: the list, the denominators and the dates."""

    list_id: str
    country: str | None
    date: dt.date
    value: float | None
    status: str
    reason: str
    adopted: int
    conclusive: int  # the denominator: targets with a pass, fail or warning
    errors: int  # left out: the check erred (timeout, refused, connection, bug)
    not_applicable: int  # left out: the check does not apply (e.g. no MX)
    targets: int  # targets with any result in the window
    list_dates: tuple[dt.date, dt.date]
    scan_from: dt.date
    check_versions: tuple[int, int]
    simulated: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(), "country": self.country, "list": self.list_id,
            "value": self.value, "status": self.status, "reason": self.reason,
            "adopted": self.adopted, "conclusive": self.conclusive, "errors": self.errors,
            "not_applicable": self.not_applicable, "targets": self.targets,
            "list_dates": [d.isoformat() for d in self.list_dates],
            "scanned_from": self.scan_from.isoformat(),
            "check_versions": list(self.check_versions), "simulated": self.simulated,
        }  # fmt: skip


def _row(tech: Technology, r: tuple[Any, ...]) -> AdoptionRow:
    list_id, cc, day, adopted, conclusive, errors, na, targets, l_from, l_to, s_from = r[:11]
    v_min, v_max, simulated = r[11:]
    where = f"{list_id}{' ' + cc if cc else ''} list of {l_from}" + (
        f"…{l_to}" if l_to != l_from else ""
    )
    counts = (f"{adopted} of {conclusive} targets with a conclusive {tech.check_id} result "
              f"scanned {s_from}…{day} ({errors} errors, {na} not applicable left out); {where}")  # fmt: skip
    if v_min != v_max:
        counts += f"; check versions {v_min}–{v_max} in the window"
    judged = (
        Judgement(Status.MEASURED, counts)
        if conclusive
        else Judgement(Status.NOT_MEASURED, "no conclusive result: " + counts)
    )
    value, status, reason = judged.value(100.0 * adopted / conclusive if conclusive else None)
    return AdoptionRow(
        list_id, cc, day, value, status.value, reason, adopted, conclusive, errors, na, targets,
        (l_from, l_to), s_from, (v_min, v_max), bool(simulated),
    )  # fmt: skip


def adoption_rows(
    con: duckdb.DuckDBPyConnection, tech: Technology, lists: Sequence[str] = LISTS
) -> list[AdoptionRow]:
    """Every (list, country, date) value of `tech` on a connection where `scan_results` is a
    table or view."""
    rows = con.execute(_SQL, [tech.check_id, list(lists)]).fetchall()
    return [_row(tech, r) for r in rows]


def preferred(rows: Sequence[AdoptionRow]) -> list[AdoptionRow]:
    """The rows of each country's list: the first of COUNTRY_LISTS that has any row for the
    country (one list for the whole series, never switching from date to date), and the
    global rows (Tranco's, country None)."""
    lists: dict[str, str] = {}
    for r in rows:
        if r.country is not None and r.list_id in COUNTRY_LISTS:
            seen = lists.get(r.country)
            if seen is None or COUNTRY_LISTS.index(r.list_id) < COUNTRY_LISTS.index(seen):
                lists[r.country] = r.list_id
    kept = [
        r for r in rows
        if (r.country is None and r.list_id == GLOBAL_LIST)
        or (r.country is not None and lists.get(r.country) == r.list_id)
    ]  # fmt: skip
    return sorted(kept, key=lambda r: (r.country or "", r.date))


def _compute(tech: Technology) -> Compute:
    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        rows = [r for r in preferred(adoption_rows(con, tech)) if r.country is not None]
        return pa.table({
            "country": pa.array([r.country for r in rows], pa.string()),
            "date": pa.array([r.date for r in rows], pa.date32()),
            "value": pa.array([r.value for r in rows], pa.float64()),
            "simulated": pa.array([r.simulated for r in rows], pa.bool_()),
            "status": pa.array([r.status for r in rows], pa.string()),
            "reason": pa.array([r.reason for r in rows], pa.string()),
        })  # fmt: skip

    return compute


def method(tech: Technology) -> str:
    return (
        f"Share of a country's top sites where {tech.what} (check {tech.check_id} of "
        "`nethealth standards checks`), in percent of the sites with a conclusive result. Per "
        f"computation date D (each day with a result), each site's latest result scanned in "
        f"the {WINDOW_DAYS} days up to D counts: pass adopts, fail (or an informative check's "
        "warning) does not; errors and not-applicable results are left out of the "
        "denominator and counted in the reason, with the list and its date. The country is "
        "the list's country (its CrUX list if scanned, else its country-toplist), not the "
        "hosting "
        "country; the global series (Tranco's list) is in /api/v1/adoption."
    )


INDICATORS: tuple[Indicator, ...] = tuple(
    Indicator(
        id=t.id, title=f"{t.title} adoption", unit="% of top sites", area="standards",
        method=method(t), version=VERSION, sources=(CRUX, TOPLIST), datasets=(RESULTS,),
        compute=_compute(t), higher_is="better",
        caveats="Top sites as the list's publisher ranks them; a site counts once whatever "
        "its rank (CrUX ranks are buckets). Errors are excluded, so a network that drops "
        "the scanner's probes shifts the denominator, not the value.",
    )
    for t in TECHNOLOGIES
)  # fmt: skip


def technology(indicator_id: str) -> Technology | None:
    return next((t for t in TECHNOLOGIES if t.id == indicator_id), None)
