"""Services the test session runs on loopback (PostgreSQL, OpenSearch): how one is had, or missed.

A service that cannot be had is a visible skip, or a failure when ``MICROCRED_REQUIRE_SERVICES`` is
set (CI). A service script started with ``start --lease ID`` is shared by parallel sessions and
stopped when the last lease is released (one started by hand keeps running).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

__all__ = ["REQUIRE_SERVICES", "is_loopback", "leased", "unavailable"]

logger = logging.getLogger(__name__)

REQUIRE_SERVICES = os.environ.get("MICROCRED_REQUIRE_SERVICES", "") not in ("", "0", "false")


def unavailable(reason: str) -> NoReturn:
    """Skip the requesting test with ``reason``, or fail it when services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MICROCRED_REQUIRE_SERVICES is set)", pytrace=False)
    pytest.skip(reason)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine: tests send traffic nowhere else."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def leased(script: Path, what: str, timeout: float) -> Iterator[str]:
    """Start ``script`` under a lease of this session, yield the URL it prints last, release the lease.

    ``what`` names the service in the reasons given when it does not start.
    """
    lease = str(os.getpid())
    try:
        started = subprocess.run(
            [str(script), "start", "--lease", lease],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        subprocess.run([str(script), "release", lease], capture_output=True)
        unavailable(f"{what} did not start within {timeout}s")
    if started.returncode != 0:
        unavailable(f"{what} did not start: {started.stderr.strip()[-1500:]}")
    url = started.stdout.strip().splitlines()[-1]
    logger.info("%s: %s", what, started.stderr.strip().splitlines()[-1:])
    try:
        yield url
    finally:
        subprocess.run([str(script), "release", lease], capture_output=True)
