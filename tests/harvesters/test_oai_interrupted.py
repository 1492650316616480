"""A harvest process killed mid-run (SIGKILL) resumes from its checkpoint: the store ends equal to the feed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harvesters.runner import harvest_source
from microcred.demo import load_demo_feeds, make_app, serve
from offerings.model import make_record_id
from offerings.store import Source, Store
from tests.conftest import REPO, make_settings
from tests.harvesters import faults
from tests.harvesters.conftest import NL


def test_sigkill_mid_harvest_then_resume(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    provider = load_demo_feeds(batch_size=2)[NL]  # 24 records → 12 pages
    app = faults.FaultyApp(make_app({NL: provider}), every=faults.stall(0.3))
    with serve(app, host="127.0.0.1", port=0) as server:
        store = Store(settings.store_url)
        store.sources.add(Source(id="nl", url=server.url_for(NL), country="NL"))
        env = {
            **os.environ,
            "MICROCRED_DATA_DIR": str(settings.data_dir),
            "MICROCRED_ALLOW_PRIVATE_FEEDS": "true",
        }
        env.pop("MICROCRED_DATABASE_URL", None)
        child = subprocess.Popen(
            [sys.executable, "-m", "microcred", "harvest", "nl"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Wait until some pages are stored and checkpointed, then kill without warning.
            for _ in range(600):
                checkpoint = store.sources.get("nl").state.get("checkpoint")
                if checkpoint and store.count() >= 4:
                    break
                assert child.poll() is None, "the harvest ended before it could be interrupted"
                time.sleep(0.05)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
        partial = store.count()
        assert 0 < partial < len([r for r in provider.records() if not r.deleted])
        assert store.sources.runs("nl")[0]["status"] == "running"

        app.every = None
        report = harvest_source(store, store.sources.get("nl"), settings)
        assert report.status == "success", report.error
        assert "resumed an interrupted run from its last checkpoint" in report.notes
        live = {make_record_id("nl", r.identifier) for r in provider.records() if not r.deleted}
        assert store.live_ids("nl") == live
        assert store.count(deleted=True) == len(provider.records()) - len(live)
        statuses = [r["status"] for r in store.sources.runs("nl")]
        assert statuses == ["success", "interrupted"]
        # The resumed run asked for the pages after the checkpoint, not the whole list again.
        first_pages = [r for r in app.requests if r.get("verb") == "ListRecords" and "resumptionToken" not in r]
        assert len(first_pages) == 1
        store.close()
