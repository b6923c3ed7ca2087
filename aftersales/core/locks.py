"""One runner at a time for a periodic job, held only as long as its process lives.

Huey's `lock_task` keeps its lock as a key in the queue's storage and removes it when the task
ends: a worker killed mid-task (SIGKILL, the OOM killer, a host lost) leaves the key behind and
every later run of the job is refused until someone deletes it by hand. These locks belong to
something the operating system cleans up when the holder dies: on PostgreSQL a session
advisory lock (the server drops it with the connection), on SQLite an advisory file lock in
the var folder (the kernel drops it with the process; SQLite means one host).

A lock only spares the database a pointless second pass: the jobs using it must stay correct
when two runs overlap (they claim their rows with SKIP LOCKED or a compare-and-swap update).
"""

from __future__ import annotations

import fcntl
import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


@contextmanager
def held_while_alive(name: str) -> Iterator[bool]:
    """Try to take the lock `name` without waiting; yields whether this process holds it."""
    if connection.vendor == "postgresql":
        with _advisory_lock(name) as held:
            yield held
    else:
        with _file_lock(name) as held:
            yield held


@contextmanager
def _advisory_lock(name: str) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [name])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [name])


@contextmanager
def _file_lock(name: str) -> Iterator[bool]:
    folder = Path(settings.VAR_DIR) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "a+b") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def one_at_a_time(name: str) -> Callable[[Callable[..., Result]], Callable[..., Result | None]]:
    """Decorate a periodic job: a run that finds another one under way does nothing (None)."""

    def decorate(job: Callable[..., Result]) -> Callable[..., Result | None]:
        @functools.wraps(job)
        def run(*args: Any, **kwargs: Any) -> Result | None:
            with held_while_alive(name) as held:
                if not held:
                    logger.info("%s: another run is under way, this one is skipped", name)
                    return None
                return job(*args, **kwargs)

        return run

    return decorate
