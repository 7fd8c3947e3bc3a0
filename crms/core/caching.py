"""A per-process cache for data read on every screening batch, valid while the criteria revision holds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

T = TypeVar("T")


def cached_per_revision(loader: Callable[[], T]) -> Callable[[int | None], T]:
    """Cache a no-argument loader until the revision passed in moves (None: never cached).

    For data that can change a screening result (the criteria revision covers it): a time limit
    would let a batch run on data older than a change committed before the batch started.
    """
    lock = threading.Lock()
    state: dict[str, object] = {}

    @wraps(loader)
    def cached(revision: int | None) -> T:
        with lock:
            if revision is None or state.get("revision") != revision or "value" not in state:
                state["value"], state["revision"] = loader(), revision
            return state["value"]

    def forget() -> None:
        with lock:
            state.clear()

    cached.forget = forget
    return cached
