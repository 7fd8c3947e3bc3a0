"""A per-process cache with a time limit, for reference data read on every screening task."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

T = TypeVar("T")


def cached_for(seconds: float) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """Cache a no-argument loader for ``seconds``; ``loader.forget()`` drops the value."""

    def decorator(loader: Callable[[], T]) -> Callable[[], T]:
        lock = threading.Lock()
        state: dict[str, object] = {}

        @wraps(loader)
        def cached() -> T:
            with lock:
                if "value" not in state or time.monotonic() - state["at"] > seconds:
                    state["value"], state["at"] = loader(), time.monotonic()
                return state["value"]

        def forget() -> None:
            with lock:
                state.clear()

        cached.forget = forget
        return cached

    return decorator
