"""Run contenders at the same moment, each on a thread and a database connection of its own.

The PostgreSQL concurrency tests race two users through one service call:

    outcomes = race(
        {
            "analyst": lambda: save_as(analyst),
            "other_analyst": lambda: save_as(other_analyst),
        }
    )
    assert sorted(outcomes.values()) == ["EditConflict: ...", "saved"]

Each contender opens its connection first, then all wait at a barrier and call at once. A
contender's outcome is what it returned (as text), or the exception it raised as
``"ExceptionName: message"``: an unexpected error shows in the assertion on the outcomes.
"""

import threading
from collections.abc import Callable, Mapping

import pytest
from django.db import connection

START_TIMEOUT = 30


def race(contenders: Mapping[str, Callable[[], object]], *, timeout: float = 60) -> dict[str, str]:
    """Call every contender at once, each on its own thread; return each one's outcome."""
    barrier = threading.Barrier(len(contenders), timeout=START_TIMEOUT)
    outcomes: dict[str, str] = {}

    def run(name: str, contender: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()  # connected before the start, not during the race
            barrier.wait()
            outcomes[name] = str(contender())
        except Exception as exc:  # reported in the outcomes, for the test to assert on
            outcomes[name] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(name, contender), name=f"race-{name}", daemon=True)
        for name, contender in contenders.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    still_running = [thread.name for thread in threads if thread.is_alive()]
    if still_running:
        pytest.fail(f"still running after {timeout}s: {still_running}", pytrace=False)
    return outcomes
