"""The ``microcred`` command line (pinned in docs/architecture.md): run, serve, scheduler, sources, harvest, index,
demo-feeds, keys. Wiring only: every command delegates to the packages."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import click

from config import VERSION, Settings, load_settings
from config.logs import configure_logging
from harvesters.scheduler import HarvestScheduler
from microcred import progress
from microcred.wiring import Catalogue, demo_settings
from offerings.errors import CatalogueError
from offerings.store import Store

__all__ = ["main"]

logger = logging.getLogger(__name__)


def _setup_logging(verbose: bool, log_format: str) -> None:
    configure_logging(log_format, level=logging.DEBUG if verbose else logging.INFO)
    for noisy in ("apscheduler", "werkzeug", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn microcred's own errors into a one-line message and exit status 1, never a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CatalogueError as exc:
            raise click.ClickException(str(exc)) from exc

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="microcred")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """microcred: a federated catalogue of micro-credential offerings."""
    try:
        settings = load_settings()
    except CatalogueError as exc:  # a bad setting is a one-line message, not a traceback
        raise click.ClickException(str(exc)) from exc
    _setup_logging(verbose, settings.log_format)
    ctx.obj = settings


def _catalogue(settings: Settings) -> Catalogue:
    return Catalogue(settings)


# ---- run / serve / scheduler -----------------------------------------------------------------------


def _serve(settings: Settings, catalogue: Catalogue, host: str, port: int, *, on_stop: Callable[[], None]) -> None:
    from werkzeug.serving import make_server

    from search_ui import create_app

    app = create_app(settings, store=catalogue.store, engine=catalogue.engine)
    server = make_server(host, port, app, threaded=True)
    click.echo(f"microcred {VERSION} serving http://{host}:{server.server_port}/ (Ctrl-C to stop)")

    def stop(*_: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        on_stop()
        server.server_close()


@cli.command()
@click.option("--demo", is_flag=True, help="Serve, register and harvest the bundled demo institutions' feeds.")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.pass_obj
@_fail_cleanly
def run(settings: Settings, demo: bool, host: str | None, port: int | None) -> None:
    """The main job: scheduler and web server in one process."""
    from microcred.demo.setup import start_demo

    if demo:
        settings = demo_settings(settings)
    catalogue = _catalogue(settings)
    feeds = start_demo(catalogue) if demo else None
    scheduler = HarvestScheduler(catalogue.store, settings, after_harvest=catalogue.after_harvest)
    if not demo:
        catalogue.sync_index()
    scheduler.start()

    def stop() -> None:
        scheduler.shutdown()
        if feeds is not None:
            feeds.stop()
        catalogue.close()

    _serve(settings, catalogue, host or settings.host, port or settings.port, on_stop=stop)


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.pass_obj
@_fail_cleanly
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Web UI and API only."""
    catalogue = _catalogue(settings)
    _serve(settings, catalogue, host or settings.host, port or settings.port, on_stop=catalogue.close)


@cli.command()
@click.pass_obj
@_fail_cleanly
def scheduler(settings: Settings) -> None:
    """The scheduler only: harvest due sources and keep the index current (scale-out deployments)."""
    catalogue = _catalogue(settings)
    click.echo(f"microcred scheduler: checking for due sources every {settings.scheduler.tick_seconds:g} s")

    def stop(signum: int, frame: object) -> None:
        # SIGTERM (docker stop, systemd) stops as Ctrl-C does: running harvests end, and the leader lock is
        # given up at once rather than left to expire.
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    try:
        HarvestScheduler(catalogue.store, settings, after_harvest=catalogue.after_harvest).run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        catalogue.close()


# ---- sources ---------------------------------------------------------------------------------------


@cli.group()
def sources() -> None:
    """Register and manage sources."""


@sources.command("add")
@click.argument("url")
@click.option("--kind", type=click.Choice(["oai", "web", "feed", "auto"]), default="auto", show_default=True)
@click.option("--name", help="Display name (default: what the feed calls itself).")
@click.option("--set", "sets", multiple=True, help="OAI-PMH set to harvest (repeatable).")
@click.option("--every", default=None, help="Harvest interval, e.g. 6h, 1d (default from settings).")
@click.option("--country", default=None, help="Country of the institution when the records do not say (ISO code).")
@click.option("--contact", "contact_email", default=None, help="Contact e-mail of the source (alerts go there).")
@click.pass_obj
@_fail_cleanly
def sources_add(
    settings: Settings,
    url: str,
    kind: str,
    name: str | None,
    sets: tuple[str, ...],
    every: str | None,
    country: str | None,
    contact_email: str | None,
) -> None:
    """Register URL as a source, active at once (the operator's path)."""
    from harvesters.registration import Registration, register

    wanted = Registration(
        url=url, kind=kind, name=name, sets=list(sets), every=every, country=country, contact_email=contact_email
    )
    catalogue = _catalogue(settings)
    try:
        source, report = register(
            catalogue.store, settings, wanted, status="active", actor="operator (microcred sources add)"
        )
    finally:
        catalogue.close()
    click.echo(f"added {source.id}: {report['kind']} source {report.get('repository_name') or ''} at {url}")
    click.echo(
        f"  formats offered: {', '.join(report['formats']) or 'none'}; "
        f"readable: {', '.join(report['readable_formats'])}"
    )
    for key, label in (
        ("records", "records in the document"),
        ("pages_sampled", "pages sampled"),
        ("courses_found", "courses found"),
    ):
        if report.get(key) is not None:
            click.echo(f"  {label}: {report[key]}")
    for warning in report.get("warnings") or []:
        click.echo(f"  warning: {warning}")
    click.echo(f"  harvest it now with: microcred harvest {source.id}")


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@_fail_cleanly
def sources_list(settings: Settings, as_json: bool) -> None:
    """List sources."""
    catalogue = _catalogue(settings)
    try:
        rows = [s for s in catalogue.store.sources.all() if s.id != "_removed"]
        if as_json:
            click.echo(json.dumps([s.to_dict() for s in rows], indent=2))
            return
        if not rows:
            click.echo("no sources yet; add one with: microcred sources add URL")
        for s in rows:
            live = catalogue.store.count(source_id=s.id)
            last = catalogue.store.sources.runs(s.id, limit=1)
            status = f"{last[0]['status']} {last[0]['finished_at'] or ''}" if last else "never harvested"
            click.echo(f"{s.id:30} {s.status:8} {s.kind:4} {live:6} offerings  last run: {status}  {s.url}")
    finally:
        catalogue.close()


@sources.command("show")
@click.argument("source_id")
@click.option("--runs", "limit", default=10, show_default=True, help="How many runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@_fail_cleanly
def sources_show(settings: Settings, source_id: str, limit: int, as_json: bool) -> None:
    """Show a source, its runs and their problems."""
    catalogue = _catalogue(settings)
    try:
        source = catalogue.store.sources.get(source_id)
        runs = catalogue.store.sources.runs(source_id, limit=limit)
        if as_json:
            click.echo(json.dumps({**source.to_dict(), "probe": source.probe, "runs": runs}, indent=2, default=str))
            return
        click.echo(
            f"{source.id}  {source.name or ''}\n  url: {source.url}\n  kind: {source.kind}  status: {source.status}"
        )
        click.echo(f"  live offerings: {catalogue.store.count(source_id=source_id)}  next due: {source.next_due_at}")
        if source.state.get("held_deletions"):
            held = len(source.state["held_deletions"])
            click.echo(f"  {held} deletions held for confirmation: microcred sources approve {source.id}")
        for run in runs:
            click.echo(
                f"  run {run['id']} {run['started_at']} {run['status']:8} seen {run['seen']} added {run['added']} "
                f"updated {run['updated']} unchanged {run['unchanged']} deleted {run['deleted']} "
                f"skipped {run['skipped']} failed {run['failed']} pages {run['pages']} "
                f"({run['duration_seconds'] or 0:.1f} s, waited {run['wait_seconds']:.1f} s)"
            )
            if run["error"]:
                click.echo(f"    error: {run['error']}")
            for note in run["notes"] or []:
                click.echo(f"    note: {note}")
            for problem in (run["problems"] or [])[:10]:
                click.echo(f"    problem: {problem['identifier']} {problem['field'] or ''}: {problem['message']}")
    finally:
        catalogue.close()


@sources.command("approve")
@click.argument("source_id")
@click.pass_obj
@_fail_cleanly
def sources_approve(settings: Settings, source_id: str) -> None:
    """Make a pending source active (harvested at the next tick), and confirm deletions a run held back."""
    from harvesters.oai import apply_held_deletions
    from offerings.store import lifecycle

    catalogue = _catalogue(settings)
    try:
        source = catalogue.store.sources.get(source_id)
        if source.status != "active":
            lifecycle.transition(
                catalogue.store,
                source_id,
                "active",
                actor="operator (microcred sources approve)",
                reason="approved by the operator",
                next_due_at=None,
            )
            click.echo(f"{source_id} is active")
        if source.state.get("held_deletions"):
            done = apply_held_deletions(catalogue.store, source)
            catalogue.sync_index()
            click.echo(f"{source_id}: applied {done} held deletions")
        elif source.status == "active":
            click.echo(f"{source_id} is active; nothing to confirm")
    finally:
        catalogue.close()


@sources.command("check-links")
@click.argument("source_id")
@click.option("--limit", type=int, default=None, help="Pages to check at most (default: links.max_checks).")
@click.pass_obj
@_fail_cleanly
def sources_check_links(settings: Settings, source_id: str, limit: int | None) -> None:
    """Check the landing pages of a source's offerings now (rule V3) and list the failing ones."""
    from harvesters.landing import check_source
    from offerings.store.landing import failing

    catalogue = _catalogue(settings)
    try:
        report = check_source(catalogue.store, source_id, settings, limit=limit)
        catalogue.sync_index()  # a V3 warning added or cleared changes the record's score
        click.echo(f"{source_id}: {report.summary()}")
        for state in failing(catalogue.store, source_id):
            click.echo(f"  {state.record_id} {state.url}: {state.reason} ({state.failures} in a row)")
    finally:
        catalogue.close()


@sources.command("remove")
@click.argument("source_id")
@click.pass_obj
@_fail_cleanly
def sources_remove(settings: Settings, source_id: str) -> None:
    """Remove a source; its offerings become tombstones (deleted in search and the change feed). The source
    stays listed as ``removed``, with its history."""
    from offerings.store import lifecycle

    catalogue = _catalogue(settings)
    try:
        gone = lifecycle.remove(
            catalogue.store, source_id, actor="operator (microcred sources remove)", reason="removed by the operator"
        )
        catalogue.sync_index()
    finally:
        catalogue.close()
    click.echo(f"removed {source_id}; {gone} offerings deleted")


# ---- harvest / index -------------------------------------------------------------------------------


# ---- keys ---------------------------------------------------------------------------------------------


def _rate_limit(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Check a ``--limit`` in Flask-Limiter's notation ("3000/minute", "100 per second") before storing it."""
    if value is None:
        return None
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a rate limit such as 3000/minute") from exc
    return value


@cli.group()
def keys() -> None:
    """API keys for aggregators: a key's requests are counted against its own limit, not its address's."""


@keys.command("add")
@click.argument("name")
@click.option(
    "--limit",
    "rate_limit",
    default=None,
    callback=_rate_limit,
    help="The key's rate limit, e.g. 3000/minute (default: not limited).",
)
@click.pass_obj
@_fail_cleanly
def keys_add(settings: Settings, name: str, rate_limit: str | None) -> None:
    """Issue a key named NAME and print its token, once: only its hash is stored."""
    store = Store(settings.store_url)
    try:
        key, token = store.keys.add(name, rate_limit=rate_limit)
    finally:
        store.close()
    click.echo(f"added key {key.id} ({key.name}, {key.rate_limit or 'not limited'})")
    click.echo(f"token (shown once; send it as X-API-Key or Authorization: Bearer): {token}")


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@_fail_cleanly
def keys_list(settings: Settings, as_json: bool) -> None:
    """List the keys issued, revoked ones too (never their tokens)."""
    store = Store(settings.store_url)
    try:
        issued = store.keys.all()
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([key.to_dict() for key in issued], indent=2))
        return
    if not issued:
        click.echo("no keys yet; issue one with: microcred keys add NAME")
    for key in issued:
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        limit = key.rate_limit or "not limited"
        click.echo(f"{key.id:4} {key.name:30} {limit:16} {state:24} issued {key.created_at:%Y-%m-%d %H:%M}")


@keys.command("revoke")
@click.argument("key_id", type=int)
@click.pass_obj
@_fail_cleanly
def keys_revoke(settings: Settings, key_id: int) -> None:
    """Revoke key KEY_ID: requests with its token are refused (401) from now on."""
    store = Store(settings.store_url)
    try:
        key = store.keys.revoke(key_id)
    finally:
        store.close()
    click.echo(f"revoked key {key.id} ({key.name})")


@cli.command()
@click.argument("source_ids", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Harvest every active source.")
@click.option("--full", is_flag=True, help="Harvest everything, not only what changed since the last run.")
@click.pass_obj
@_fail_cleanly
def harvest(settings: Settings, source_ids: tuple[str, ...], all_sources: bool, full: bool) -> None:
    """Harvest sources now and bring the search index up to date."""
    if not source_ids and not all_sources:
        raise click.UsageError("name source ids or use --all")
    catalogue = _catalogue(settings)
    failed = 0
    try:
        store = catalogue.store
        chosen = store.sources.all(status="active") if all_sources else [store.sources.get(i) for i in source_ids]
        reports = []
        for source in chosen:
            with progress.HarvestBar(source.id, enabled=settings.log_format != "json") as bar:
                reports.append(catalogue.harvest(source, full=full, progress=bar.update))
        for report in reports:
            failed += report.status == "failed"
            click.echo(report.summary())
    finally:
        catalogue.close()
    if failed:
        sys.exit(1)


@cli.command()
@click.option("--rebuild", is_flag=True, help="Build a new index from the store and swap it in.")
@click.option("--verify", is_flag=True, help="Compare store and index and report drift.")
@click.pass_obj
@_fail_cleanly
def index(settings: Settings, rebuild: bool, verify: bool) -> None:
    """Sync the store into the search engine (or rebuild, or verify it)."""
    from indexer import sync as sync_module

    catalogue = _catalogue(settings)
    try:
        if rebuild:
            label, total = f"rebuilding the {catalogue.engine.name} index", catalogue.store.count()
            with progress.counter(label, total, enabled=settings.log_format != "json") as bar:
                report = sync_module.rebuild(catalogue.store, catalogue.engine, progress=bar)
            click.echo(f"rebuilt the {catalogue.engine.name} index: {report.indexed} offerings")
        elif verify:
            result = sync_module.verify(catalogue.store, catalogue.engine)
            click.echo(json.dumps(result, indent=2, default=str))
            if not result.get("ok", False):
                sys.exit(1)
        else:
            report = sync_module.sync(catalogue.store, catalogue.engine)
            click.echo(f"indexed {report.indexed}, deleted {report.deleted} ({catalogue.engine.name})")
    finally:
        catalogue.close()


@cli.command("demo-feeds")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
def demo_feeds(host: str, port: int) -> None:
    """Serve the demo institutions' OAI-PMH feeds and the demo web catalogue on loopback."""
    from microcred.demo import serve
    from microcred.demo.server import demo_app
    from microcred.demo.web import WEB_SLUG

    app = demo_app()
    server = serve(app, host=host, port=port)
    for slug in sorted(app.providers):
        click.echo(f"{slug} (OAI-PMH): {server.url_for(slug)}")
    click.echo(f"{WEB_SLUG} (web catalogue): {server.base_url}/web/{WEB_SLUG}/")
    click.echo("Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="microcred")
    except KeyboardInterrupt:
        sys.exit(130)
