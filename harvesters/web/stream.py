"""The message stream of a crawl subprocess: one JSON object per line on a private copy of standard output.

A module of its own (not :mod:`harvesters.web.crawl`) because scrapy imports the pipeline by its
dotted path: had it lived in the ``__main__`` script, the crawl would hold two copies of the class,
and the one scrapy used would not know where to write.
"""

from __future__ import annotations

import json
import os
import sys
from typing import IO, Any

__all__ = ["JsonLinesPipeline", "open_private_stdout", "write"]

_output: list[IO[str]] = [sys.stdout]


def open_private_stdout() -> None:
    """Keep the real standard output for messages; fd 1 (and so ``print``) is pointed at standard error."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    _output[0] = os.fdopen(fd, "w", encoding="utf-8")


def write(message: dict[str, Any]) -> None:
    """One message, one line, flushed at once so the parent sees progress as it happens."""
    _output[0].write(json.dumps(message, ensure_ascii=False, default=str) + "\n")
    _output[0].flush()


class JsonLinesPipeline:
    """Item pipeline writing each message (a dict) to the stream."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """Write ``item`` and pass it on."""
        write(item)
        return item
