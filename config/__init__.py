"""Settings: committed defaults in settings.toml, overridden by MICROCRED_* environment variables.

Layers, lowest to highest: dataclass defaults, ``config/settings.toml``, environment variables
``MICROCRED_<KEY>`` (nested keys joined by ``__``, values JSON-decoded when they parse), explicit
overrides passed to :func:`load_settings` (the CLI's flags and tests).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offerings.errors import ConfigError

__all__ = [
    "ApiSettings",
    "HarvestSettings",
    "HealthSettings",
    "LinkSettings",
    "MailSettings",
    "OaiSettings",
    "QualitySettings",
    "SchedulerSettings",
    "Settings",
    "WebSettings",
    "load_settings",
    "VERSION",
]

logger = logging.getLogger(__name__)

VERSION = "0.1.0"
DEFAULTS_FILE = Path(__file__).with_name("settings.toml")
ENV_PREFIX = "MICROCRED_"
ENGINES = ("sqlite", "elasticsearch", "opensearch")
# The pattern of emailType in OAI-PMH.xsd (Identify's adminEmail).
OAI_EMAIL = re.compile(r"\S+@(\S+\.)+\S+")


@dataclass(frozen=True, slots=True, kw_only=True)
class HarvestSettings:
    """How harvesters talk to feeds."""

    every: str = field(default="1d", metadata={"help": "Default interval between harvests of a source"})
    page_delay: float = field(default=0.0, metadata={"help": "Seconds between two requests to one host"})
    connect_timeout: float = field(default=10.0, metadata={"help": "Connect timeout, seconds"})
    read_timeout: float = field(default=60.0, metadata={"help": "Read timeout, seconds"})
    max_response_bytes: int = field(default=50_000_000, metadata={"help": "Largest response body accepted"})
    max_retries: int = field(default=3, metadata={"help": "Retries of one request on transient failures"})
    max_retry_after: float = field(default=600, metadata={"help": "Longest Retry-After honoured, seconds"})
    allowed_ports: tuple[int, ...] = field(default=(80, 443, 8080, 8443), metadata={"help": "Feed ports"})
    allowed_networks: tuple[str, ...] = field(
        default=(), metadata={"help": "CIDRs feeds may use despite the private-address block (tests only)"}
    )
    overlap_seconds: int = field(default=60, metadata={"help": "Overlap of incremental windows, seconds"})
    census_days: float = field(
        default=7, metadata={"help": "Days between ListIdentifiers censuses of feeds that do not keep deletions"}
    )
    hold_deletions_share: float = field(
        default=0.3, metadata={"help": "A run deleting more than this share of a source's offerings is held"}
    )
    hold_deletions_minimum: int = field(default=10, metadata={"help": "Deletions below this count are never held"})
    normalise_workers: int = field(
        default=1,
        metadata={"help": "Processes normalising an OAI-PMH run's pages while it fetches and writes (0: none)"},
    )
    metadata_prefixes: tuple[str, ...] = field(
        default=("mco", "elm_loq", "elm_jsonld", "ewp_courses", "xcri_cap", "ctdl", "schema_org", "oai_dc"),
        metadata={"help": "OAI-PMH metadata formats (crosswalk names) in order of preference"},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSettings:
    """How the web harvester crawls course catalogues (per-source overrides: harvesters/web/plan.py)."""

    delay: float = field(default=1.0, metadata={"help": "Floor of the delay between two requests to one site, s"})
    concurrency_per_domain: int = field(default=2, metadata={"help": "Requests at once to one site (at most 2)"})
    max_pages: int = field(default=5000, metadata={"help": "Pages fetched per run of one source at most"})
    max_page_bytes: int = field(default=5_000_000, metadata={"help": "Largest page accepted, bytes"})
    download_timeout: float = field(default=30.0, metadata={"help": "Timeout of one page download, seconds"})
    timeout: float = field(default=1800.0, metadata={"help": "Wall-clock limit of one crawl, seconds"})
    depth: int = field(default=1, metadata={"help": "Links followed from a listing page, levels deep"})
    missing_runs: int = field(default=2, metadata={"help": "Runs a page may be missing before it is deleted"})
    http_cache: bool = field(default=True, metadata={"help": "Keep an HTTP cache for conditional re-crawls"})
    probe_pages: int = field(default=3, metadata={"help": "Pages the probe samples when a URL is registered"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SchedulerSettings:
    """How the scheduler picks up due sources."""

    tick_seconds: float = field(default=30, metadata={"help": "Seconds between checks for due sources"})
    workers: int = field(default=2, metadata={"help": "Harvests running at the same time (the global cap)"})
    per_host: int = field(default=1, metadata={"help": "Harvests of feeds on one host running at the same time"})
    jitter: float = field(
        default=0.1, metadata={"help": "Share of a source's cadence its next due time is moved by, at random (±)"}
    )
    leader_seconds: float = field(
        default=120,
        metadata={"help": "Time to live of the leader lock and of harvest leases, renewed every tick (> 2 ticks)"},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSettings:
    """The periodic landing-page check of V3 (harvesters/landing.py)."""

    after_harvest: bool = field(default=True, metadata={"help": "Check landing pages after each scheduled harvest"})
    max_checks: int = field(default=200, metadata={"help": "Landing pages checked per run of one source at most"})
    delay: float = field(default=1.0, metadata={"help": "Seconds between two checks on one host"})
    timeout: float = field(default=15.0, metadata={"help": "Connect and read timeout of one check, seconds"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiSettings:
    """Rate limits of the JSON API and /oai (Flask-Limiter; docs/api.md "Rate limits")."""

    rate_limit: str = field(default="300/minute", metadata={"help": "Requests a client may make; empty: no limit"})
    rate_limit_storage: str = field(
        default="memory://", metadata={"help": "Where counts live: memory:// (one process) or a shared storage URI"}
    )
    probe_rate_limit: str = field(
        default="10/hour",
        metadata={"help": "Feed checks and registrations (API and /register) per client address; empty: no limit"},
    )
    report_rate_limit: str = field(
        default="20/hour", metadata={"help": "Problem reports on offerings per client address; empty: no limit"}
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class OaiSettings:
    """``[oai]``: the OAI-PMH data provider at /oai (docs/api.md "OAI-PMH 2.0")."""

    admin_email: str = field(
        default="operator@microcred.invalid",
        metadata={"help": "Identify's adminEmail: who harvesters write to about /oai (an e-mail address)"},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class QualitySettings:
    """Pinned reference data for enrichment and validation (empty paths switch a feature off)."""

    deqar_registry: str = field(
        default="", metadata={"help": "CSV or JSON export of DEQAR institutions (QA inferred from the registry)"}
    )
    esco_skills: str = field(default="", metadata={"help": "ESCO skills CSV export V12 checks skill URIs against"})
    esco_version: str = field(default="", metadata={"help": "ESCO version of that file (else read from its name)"})


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthSettings:
    """``[health]``: when a source is failing or suspended, and where its alerts go besides its contact's mail."""

    failing_after: int = field(default=3, metadata={"help": "Failed runs in a row that make a source failing"})
    suspend_after: int = field(default=6, metadata={"help": "Failed runs in a row that suspend a source"})
    shrink_share: float = field(default=0.5, metadata={"help": "Alert when a run deletes more than this share"})
    completeness_drop_share: float = field(
        default=0.1,
        metadata={"help": "Alert when a run lowers the mean completeness by more than this share of the last run's"},
    )
    webhook_url: str = field(default="", metadata={"help": "URL alerts are POSTed to as JSON (empty: none)"})
    webhook_secret: str = field(default="", metadata={"help": "HMAC-SHA256 key signing the webhook body"})


@dataclass(frozen=True, slots=True, kw_only=True)
class MailSettings:
    """``[mail]``: the SMTP server that sends ownership confirmations and alerts (off while ``host`` is empty)."""

    host: str = field(default="", metadata={"help": "SMTP server host; empty: no mail is sent"})
    port: int = field(default=25, metadata={"help": "SMTP server port"})
    sender: str = field(default="microcred@localhost", metadata={"help": "From address of the mails"})
    starttls: bool = field(default=False, metadata={"help": "Upgrade the connection with STARTTLS"})
    username: str = field(default="", metadata={"help": "SMTP user name (with password; empty: no login)"})
    password: str = field(default="", metadata={"help": "SMTP password"})
    timeout: float = field(default=15.0, metadata={"help": "Connect and send timeout, seconds"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything microcred can be configured with. Build it with :func:`load_settings`."""

    data_dir: Path = field(default=Path("./var"), metadata={"help": "Embedded database, index and logs"})
    database_url: str = field(default="", metadata={"help": "SQLAlchemy URL of the store"})
    search_engine: str = field(default="sqlite", metadata={"help": "sqlite, elasticsearch or opensearch"})
    search_url: str = field(default="", metadata={"help": "Engine URL for elasticsearch/opensearch"})
    search_index: str = field(default="microcred-offerings", metadata={"help": "Index alias name"})
    search_username: str = field(
        default="", metadata={"help": "User of an engine with security on (empty with a password: elastic)"}
    )
    search_password: str = field(default="", metadata={"help": "Password of that user (empty: none sent)"})
    admin_token: str = field(default="", metadata={"help": "Bearer token for admin API calls"})
    allow_private_feeds: bool = field(default=False, metadata={"help": "Allow loopback/private feed URLs"})
    user_agent: str = field(default="", metadata={"help": "User-Agent sent on harvest requests"})
    secret_key: str = field(default="", metadata={"help": "Flask session/CSRF key"})
    host: str = field(default="127.0.0.1", metadata={"help": "Web server address"})
    port: int = field(default=8000, metadata={"help": "Web server port"})
    harvest: HarvestSettings = field(default_factory=HarvestSettings, metadata={"help": "Harvesting"})
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings, metadata={"help": "Scheduler"})
    web: WebSettings = field(default_factory=WebSettings, metadata={"help": "Web catalogue crawling"})
    links: LinkSettings = field(default_factory=LinkSettings, metadata={"help": "Landing-page checks (V3)"})
    quality: QualitySettings = field(default_factory=QualitySettings, metadata={"help": "Pinned registries"})
    mail: MailSettings = field(default_factory=MailSettings, metadata={"help": "Outgoing mail (SMTP)"})
    health: HealthSettings = field(default_factory=HealthSettings, metadata={"help": "Source health and alerts"})
    public_url: str = field(default="", metadata={"help": "The web UI's public address, for links in mails"})
    api: ApiSettings = field(default_factory=ApiSettings, metadata={"help": "API rate limits"})
    oai: OaiSettings = field(default_factory=OaiSettings, metadata={"help": "The OAI-PMH data provider"})
    log_format: str = field(default="text", metadata={"help": "Log records as text lines or JSON objects (json)"})

    @property
    def store_url(self) -> str:
        """The SQLAlchemy URL of the store, defaulting to SQLite in the data dir."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'microcred.db').resolve()}"

    @property
    def agent(self) -> str:
        """The User-Agent header value."""
        return self.user_agent or f"microcred/{VERSION} (+https://github.com/microcred/microcred)"

    def ensure_data_dir(self) -> Path:
        """Create the data dir if needed and return it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def session_secret(self) -> str:
        """The configured secret key, or one generated once into the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    """Turn MICROCRED_A__B=value into {"a": {"b": value}}; values are JSON-decoded when they parse."""
    tree: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == "MICROCRED_REQUIRE_SERVICES":
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return tree


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    """Build a settings dataclass from a dict, coercing types and refusing unknown keys."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(f"unknown setting {where}{key}")
        spec = fields[key]
        default = spec.default
        if default is dataclasses.MISSING and spec.default_factory is not dataclasses.MISSING:
            default = spec.default_factory()
        try:
            if dataclasses.is_dataclass(default):
                kwargs[key] = _build(type(default), value, f"{where}{key}.")
            elif isinstance(default, bool):
                kwargs[key] = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            elif isinstance(default, Path):
                kwargs[key] = Path(value)
            elif isinstance(default, tuple):
                kwargs[key] = tuple(value if isinstance(value, list) else str(value).split(","))
            elif isinstance(default, (int, float)):
                kwargs[key] = type(default)(value)
            else:
                kwargs[key] = "" if value is None else str(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"setting {where}{key}: cannot use {value!r} ({exc})") from exc
    return cls(**kwargs)


def load_settings(overrides: dict[str, Any] | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Read settings.toml, then MICROCRED_* variables, then ``overrides``.

    Raises:
        ConfigError: an unknown key or a value of the wrong type.
    """
    with DEFAULTS_FILE.open("rb") as fh:
        values = tomllib.load(fh)
    values = _merge(values, _env_overrides(dict(os.environ if environ is None else environ)))
    values = _merge(values, overrides or {})
    settings = _build(Settings, values, "")
    if settings.log_format not in ("text", "json"):
        raise ConfigError(f"log_format must be text or json, not {settings.log_format!r}")
    if settings.search_engine not in ENGINES:
        raise ConfigError(f"search_engine must be one of {', '.join(ENGINES)}, not {settings.search_engine!r}")
    # OAI-PMH.xsd's emailType: an Identify answer with anything else is invalid, so harvesters would refuse it.
    if not OAI_EMAIL.fullmatch(settings.oai.admin_email):
        raise ConfigError(f"oai.admin_email must be an e-mail address, not {settings.oai.admin_email!r}")
    return settings
