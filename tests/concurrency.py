"""Running work in real threads at once, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection
from django.utils.translation import override


def run_together(workers: list[Callable[[], object]], timeout: float = 60) -> list[object]:
    """Run each callable in its own thread, all released at once by a barrier.

    Returns, per worker, what it returned or the exception it raised. Every thread closes
    its own database connection, so none is left open when the test database is dropped.
    """
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(index: int, work: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=timeout)
            with override("en"):
                results[index] = work()
        except BaseException as error:  # handed back to the test thread
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w), daemon=True) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return results
