"""Per-session caches: one kind of cache, one eviction rule, one way to build a key.

Each :class:`SessionCache` keeps its entries in ``st.session_state[name]`` (an OrderedDict,
least recently used first), so every browser session has its own and nothing user-specific
lives in this module. The rule is LRU: a hit moves its entry to the end, and after a put the
oldest entries go while there are more than ``max_entries``. Caches differ only in size.

Every key comes from :func:`cache_key`: the data's content hash (a stratified sample's ends
in "#sample-<rows>-seed<seed>"), its target columns, its label separator and the comparison
config, then what else the entry depends on (a strategy, a positive class, ...). Two
comparisons that differ in any of these never share an entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import streamlit as st

T = TypeVar("T")


class DataIdentity(Protocol):
    """What identifies the data a result came from (a Dataset or a comparison's summary)."""

    content_hash: str
    target: Sequence[str]
    label_sep: str | None


def cache_key(data: DataIdentity | None, config: object = None, *parts: Hashable) -> tuple:
    """The key of a cached result computed from ``data`` with ``config``, plus ``parts``.

    A tuple (no joined strings, so ("a|b",) and ("a", "b") stay apart); the config enters as
    its repr, since its options may hold unhashable values.
    """
    source = (None, None, None)
    if data is not None:
        source = (data.content_hash, tuple(data.target), data.label_sep)
    return (*source, None if config is None else repr(config), *parts)


@dataclass(frozen=True)
class SessionCache:
    """A bounded LRU cache in ``st.session_state[name]``; the object holds only its name."""

    name: str
    max_entries: int

    def __post_init__(self) -> None:
        if self.max_entries < 1:
            raise ValueError(f"max_entries must be at least 1; got {self.max_entries}")

    def _entries(self) -> OrderedDict:
        entries = st.session_state.get(self.name)
        if not isinstance(entries, OrderedDict):
            entries = OrderedDict()
            st.session_state[self.name] = entries
        return entries

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The entry of ``key`` (now the most recently used), or ``default``."""
        entries = self._entries()
        if key not in entries:
            return default
        entries.move_to_end(key)
        return entries[key]

    def put(self, key: Hashable, value: Any) -> Any:
        """Store ``value`` under ``key`` as the most recently used; drop the oldest beyond
        ``max_entries``. Returns ``value``."""
        entries = self._entries()
        entries[key] = value
        entries.move_to_end(key)
        while len(entries) > self.max_entries:
            entries.popitem(last=False)
        return value

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The entry of ``key``, computed by ``compute()`` and stored on a miss."""
        entries = self._entries()
        if key in entries:
            entries.move_to_end(key)
            return entries[key]
        return self.put(key, compute())

    def __contains__(self, key: Hashable) -> bool:
        """Whether ``key`` is cached (without counting as a use)."""
        return key in self._entries()

    def keys(self) -> list[Hashable]:
        """The cached keys, least recently used first."""
        return list(self._entries())


class BuiltOnce:
    """``make`` as a callable that runs it once, on the first call, and then returns the same
    value: e.g. a download's bytes, built on the first click and kept for the next ones.

    Safe from any thread (Streamlit runs a download button's callable off the script
    thread): concurrent first calls wait for one build instead of building twice."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._built = False
        self._value: Any = None

    @property
    def built(self) -> bool:
        """Whether the value has been made."""
        return self._built

    def __call__(self) -> Any:
        with self._lock:
            if not self._built:
                self._value = self._make()
                self._built = True
            return self._value
