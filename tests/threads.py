"""Running database calls at the same moment from real threads, for concurrency tests."""

import threading
from collections.abc import Callable

from django.db import connection


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; returns each result or raised exception.

    Each thread has its own database connection and closes it, so the test needs
    `django_db(transaction=True)`.
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as e:  # noqa: BLE001 (the test inspects it)
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results
