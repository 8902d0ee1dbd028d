"""Timestamps in ``study.json``: UTC, ISO 8601 with microseconds, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["now", "parse", "stamp"]


def now() -> datetime:
    return datetime.now(UTC)


def stamp(when: datetime) -> str:
    """``2026-12-06T18:55:01.123456Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
