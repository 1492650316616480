"""The store's tables (SQLAlchemy Core). The schema itself is created by the Alembic migrations in
``offerings/store/migrations``; this module only describes it for queries, and a test keeps both equal.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)

__all__ = [
    "api_keys",
    "counters",
    "harvest_runs",
    "landing_checks",
    "metadata",
    "record_sets",
    "records",
    "scheduler_leaders",
    "sources",
]

metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("url", Text, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("name", Text),
    Column("sets", JSON, nullable=False, default=list),
    Column("status", String(20), nullable=False),  # active, pending, disabled
    Column("every_seconds", Integer, nullable=False),
    Column("country", String(2)),
    Column("contact_email", Text),
    Column("metadata_prefix", String(100)),
    Column("state", JSON, nullable=False, default=dict),  # harvester checkpoint and incremental watermark
    Column("probe", JSON),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("next_due_at", DateTime),
    Column("lease_owner", String(100)),
    Column("lease_until", DateTime),
    # Added by migration 0010: the HEI's own alert webhook and its signing secret, and a "harvest now" that
    # arrived after the claim of the run under way (see SourceRegistry.schedule).
    Column("webhook_url", Text),
    Column("webhook_secret", String(100)),
    Column("harvest_requested", Boolean, nullable=False, server_default=false()),
)

harvest_runs = Table(
    "harvest_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(100), ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", String(20), nullable=False),  # running, success, partial, failed
    Column("full", Boolean, nullable=False, default=False),
    # Text since migration 0005: response_date is the provider's, verbatim (and VARCHAR(30) in older SQLite files).
    Column("from_date", Text),
    Column("until_date", Text),
    Column("response_date", Text),
    Column("seen", Integer, nullable=False, default=0),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("pages", Integer, nullable=False, default=0),
    Column("wait_seconds", Float, nullable=False, default=0.0),
    Column("duration_seconds", Float),
    Column("error", Text),
    Column("problems", JSON, nullable=False, default=list),
    Column("notes", JSON, nullable=False, default=list),
    # Added by migration 0010: mean completeness of the source's live offerings after the run.
    Column("completeness", Float),
    Index("ix_harvest_runs_source", "source_id", "id"),
)

records = Table(
    "records",
    metadata,
    Column("id", String(150), primary_key=True),
    Column("source_id", String(100), ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("original_identifier", Text, nullable=False),
    Column("source_format", String(40), nullable=False),
    Column("raw", LargeBinary),
    Column("document", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("completeness", Integer, nullable=False, default=0),
    Column("tier", String(40), nullable=False, default="incomplete"),
    Column("quality", JSON, nullable=False, default=dict),
    Column("seq", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("datestamp", Text),  # the source's own, verbatim: Text since migration 0005
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # Added by migration 0002: duplicate cluster, its match keys, Annex I core count, computed status.
    Column("cluster", String(150)),
    Column("match_url", String(40)),
    Column("match_title", String(40)),
    Column("core_present", Integer, nullable=False, default=0),
    Column("status", String(20)),
    # Added by migration 0004: the search document (see offerings.store.IndexChange) and the content hash
    # it was computed from; a row whose hash differs (or has none) gets its document computed when read.
    Column("search", JSON),
    Column("search_hash", String(64)),
    Index("ix_records_seq", "seq", unique=True),
    Index("ix_records_source", "source_id", "deleted"),
    Index("ix_records_cluster", "cluster"),
    Index("ix_records_match_url", "match_url"),
    Index("ix_records_match_title", "match_title"),
)

# Added by migration 0011: the OAI-PMH sets each record is in (offerings.store.sets), so that a list of one
# set is an indexed query. A tombstone keeps its rows; they go with the record's row (a source's removal).
record_sets = Table(
    "record_sets",
    metadata,
    Column("spec", String(100), primary_key=True),  # "provider:<slug>" (80 characters at most) or "country:<code>"
    Column("record_id", String(150), ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),  # order of the record's sets in its OAI header
    # The record's change sequence number, kept equal to records.seq by a trigger (migration 0011) whatever
    # writes it: a page of a set is then a range of this index, as a page of the whole list is of records'.
    Column("seq", Integer, nullable=False),
    Index("ix_record_sets_record", "record_id"),
    Index("ix_record_sets_spec_seq", "spec", "seq"),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Integer, nullable=False),
)

# Added by migration 0003: the last landing-page check of each record's record_url (V3).
landing_checks = Table(
    "landing_checks",
    metadata,
    Column("record_id", String(150), ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", String(100), ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("checked_at", DateTime, nullable=False),
    Column("status", Integer),  # HTTP status of the last answer; None when there was none
    Column("reason", Text),  # why the last check failed; None when it passed
    Column("failures", Integer, nullable=False, default=0),  # consecutive failed checks
    Index("ix_landing_checks_source", "source_id", "checked_at"),
)

# Added by migration 0008: keys issued to aggregators by ``microcred keys add``.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("token_hash", String(64), nullable=False),  # SHA-256 of the token, hex; the token is not kept
    Column("rate_limit", String(100)),  # e.g. "3000/minute"; None: the key is not limited
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Index("ix_api_keys_token_hash", "token_hash", unique=True),
)

# One row per lock name (migration 0009): which scheduler process may harvest, until when. The holder renews
# ``expires_at`` on every tick; a lock past its expiry is free, so a killed leader is replaced.
scheduler_leaders = Table(
    "scheduler_leaders",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)
