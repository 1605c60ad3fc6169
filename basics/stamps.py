"""Pages cached on what they show, never served stale.

A page built from data that can change is cached under a key holding the *stamps* of that
data: counters that every write moves on (`bump`) in the same transaction as the write. A
reader reads the stamps before the data (`cached_html` is given them first), so a stamp
read is never newer than the data read after it: a write committed in between is cached
under the old key, which no one asks for again once the new stamp is visible. A page of
data that never changes (a closed quarter) is keyed on that data's identity alone.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

from .models import Stamp


def bump(*names: str) -> None:
    """Move the named stamps on; call it inside the transaction that writes the data."""
    for name in names:
        if not Stamp.objects.filter(name=name).update(version=F("version") + 1):
            # The stamp's first write. A writer creating it at the same moment waits for
            # this one's row, then moves it on too: neither write is lost.
            Stamp.objects.bulk_create([Stamp(name=name)], ignore_conflicts=True)
            Stamp.objects.filter(name=name).update(version=F("version") + 1)


def read(*names: str) -> tuple[int, ...]:
    """The stamps' versions, in the order named (0: never written); one query."""
    found = dict(Stamp.objects.filter(name__in=names).values_list("name", "version"))
    return tuple(found.get(name, 0) for name in names)


def cached(key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`'s value (picklable: HTML, small dicts), from the cache under `key` if
    it is there.

    `key` holds everything the value depends on: the stamps or the identity of its data,
    and what the reader may see of it (their role), so one reader's page is never served
    to another who may see less. A value of None is cached too.
    """
    digest = hashlib.sha256(repr(key).encode()).hexdigest()
    cache_key = f"page:{digest}"
    found = cache.get(cache_key, _MISSING)
    if found is _MISSING:
        found = compute()
        cache.set(cache_key, found, settings.PAGE_CACHE_SECONDS)
    return found


_MISSING = object()
