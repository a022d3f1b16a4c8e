"""Id stores for big files: a set and a map that keep 64-bit hashes, not the ids themselves.

Held as Python strings, a set of 2.7 million SIS ids costs about 110 bytes an id and a map
about 240: a 200 MB users.csv then needs ~700 MB just to remember its logins. These stores
keep each key as its 64-bit `hash()` in sorted machine-word arrays (8 bytes a key, in 65,536
buckets chosen by the hash's low bits, so an insertion moves a few hundred bytes at most) and
a map's string values UTF-8 encoded in one byte arena: the same file needs about 50 bytes an
id (tests/benchmarks/bench_validate_memory.py).

The price: a lookup runs partly in Python rather than all in C (about three times slower, so
the engine only turns to these stores for big files, see `engine.COMPACT_FROM`), keys cannot
be listed back, and two different ids whose hashes collide would count as one (for ten
million ids, a chance of about 3 in a million per run). Values are `str`, `bool` or None.

A store can be `frozen` (the engine does so past `engine.MAX_IDS` ids in all): it keeps
answering for the ids it holds and takes no new ones, so memory stops growing.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import Iterable

_BITS = 16
_LOW = (1 << _BITS) - 1
_NO_KEYS = array("q")  # every bucket until its first key (never written to)
_LEN_BITS = 23  # a value's UTF-8 length: fields are capped at 1 Mi characters, up to 4 MiB
#               (engine.MAX_FIELD_CHARS)
_LEN_MASK = (1 << _LEN_BITS) - 1
# Values that are not strings, as references no string can have.
_CONSTANTS = {None: -1, True: -2, False: -3}
_DECODED = {-1: None, -2: True, -3: False}


class HashedSet:
    __slots__ = ("_buckets", "_len", "frozen")

    def __init__(self, keys: Iterable = ()) -> None:
        self._buckets = [_NO_KEYS] * (1 << _BITS)
        self._len = 0
        self.frozen = False
        self.update(keys)

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def __contains__(self, key) -> bool:
        h = hash(key)
        keys = self._buckets[h & _LOW]
        i = bisect_left(keys, h)
        return i < len(keys) and keys[i] == h

    def add(self, key) -> None:
        self._add_hash(hash(key))

    def has_hash(self, h: int) -> bool:
        """Whether a key whose hash() is `h` is in the set."""
        keys = self._buckets[h & _LOW]
        i = bisect_left(keys, h)
        return i < len(keys) and keys[i] == h

    def _add_hash(self, h: int) -> None:
        keys = self._buckets[h & _LOW]
        i = bisect_left(keys, h)
        if (i < len(keys) and keys[i] == h) or self.frozen:
            return
        if keys is _NO_KEYS:
            keys = self._buckets[h & _LOW] = array("q")
        keys.insert(i, h)
        self._len += 1

    def _hashes(self):
        for keys in self._buckets:
            yield from keys

    def update(self, other: Iterable) -> None:
        if isinstance(other, HashedSet):
            for h in other._hashes():
                self._add_hash(h)
        else:
            for key in other:
                self.add(key)


class HashedMap:
    __slots__ = ("_buckets", "_refs", "_arena", "_len", "frozen")

    def __init__(self, items: dict | None = None) -> None:
        self._buckets = [_NO_KEYS] * (1 << _BITS)
        self._refs = [_NO_KEYS] * (1 << _BITS)
        self._arena = bytearray()
        self._len = 0
        self.frozen = False
        if items:
            self.update(items)

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def __contains__(self, key) -> bool:
        h = hash(key)
        keys = self._buckets[h & _LOW]
        i = bisect_left(keys, h)
        return i < len(keys) and keys[i] == h

    def _encode(self, value) -> int:
        if value.__class__ is str:
            data = value.encode("utf-8", "surrogatepass")
            ref = (len(self._arena) << _LEN_BITS) | len(data)
            self._arena += data
            return ref
        try:
            return _CONSTANTS[value]
        except (KeyError, TypeError):
            raise TypeError(f"HashedMap keeps str, bool or None values, not {value!r}") from None

    def _decode(self, ref: int):
        if ref < 0:
            return _DECODED[ref]
        start = ref >> _LEN_BITS
        return self._arena[start:start + (ref & _LEN_MASK)].decode("utf-8", "surrogatepass")

    def get(self, key, default=None):
        h = hash(key)
        keys = self._buckets[h & _LOW]
        i = bisect_left(keys, h)
        if i < len(keys) and keys[i] == h:
            return self._decode(self._refs[h & _LOW][i])
        return default

    def __getitem__(self, key):
        h = hash(key)
        keys = self._buckets[h & _LOW]
        i = bisect_left(keys, h)
        if i < len(keys) and keys[i] == h:
            return self._decode(self._refs[h & _LOW][i])
        raise KeyError(key)

    def __setitem__(self, key, value) -> None:
        h = hash(key)
        b = h & _LOW
        keys = self._buckets[b]
        i = bisect_left(keys, h)
        if i < len(keys) and keys[i] == h:  # a new value for a known id
            refs = self._refs[b]
            old = refs[i]
            if value.__class__ is str and old >= 0:
                data = value.encode("utf-8", "surrogatepass")
                if len(data) <= old & _LEN_MASK:  # in place: a file repeating an id
                    start = old >> _LEN_BITS      # must not grow the arena
                    self._arena[start:start + len(data)] = data
                    refs[i] = (start << _LEN_BITS) | len(data)
                    return
            refs[i] = self._encode(value)
            return
        if self.frozen:
            return
        if value.__class__ is str:  # inline: this runs once a row on a big users.csv
            data = value.encode("utf-8", "surrogatepass")
            arena = self._arena
            ref = (len(arena) << _LEN_BITS) | len(data)
            arena += data
        else:
            ref = self._encode(value)
        if keys is _NO_KEYS:
            keys = self._buckets[b] = array("q")
            self._refs[b] = array("q")
        keys.insert(i, h)
        self._refs[b].insert(i, ref)
        self._len += 1

    def setdefault(self, key, value):
        """The value of `key`, set to `value` first if it had none: one search, not two
        (this runs once a row on a big users.csv, hence the inlining)."""
        h = hash(key)
        b = h & _LOW
        keys = self._buckets[b]
        i = bisect_left(keys, h)
        if i < len(keys) and keys[i] == h:
            return self._decode(self._refs[b][i])
        if self.frozen:
            return value
        if value.__class__ is str:
            data = value.encode("utf-8", "surrogatepass")
            arena = self._arena
            ref = (len(arena) << _LEN_BITS) | len(data)
            arena += data
        else:
            ref = self._encode(value)
        if keys is _NO_KEYS:
            keys = self._buckets[b] = array("q")
            self._refs[b] = array("q")
        keys.insert(i, h)
        self._refs[b].insert(i, ref)
        self._len += 1
        return value

    def _set_hash(self, h: int, ref: int) -> None:
        b = h & _LOW
        keys = self._buckets[b]
        i = bisect_left(keys, h)
        if i < len(keys) and keys[i] == h:
            self._refs[b][i] = ref  # the old string stays in the arena: ids are rarely redefined
            return
        if self.frozen:
            return
        if keys is _NO_KEYS:
            keys = self._buckets[b] = array("q")
            self._refs[b] = array("q")
        keys.insert(i, h)
        self._refs[b].insert(i, ref)
        self._len += 1

    def values(self):
        for refs in self._refs:
            for ref in refs:
                yield self._decode(ref)

    def update(self, other: dict | HashedMap) -> None:
        if isinstance(other, HashedMap):
            for keys, refs in zip(other._buckets, other._refs):
                for h, ref in zip(keys, refs):
                    self._set_hash(h, self._encode(other._decode(ref)))
        else:
            for key, value in other.items():
                self[key] = value
