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


class HashedStore:
    """The keys' hashes, sorted within each bucket, and what both stores ask of them."""

    __slots__ = ("_buckets", "_len", "frozen")

    def __init__(self) -> None:
        self._buckets = [_NO_KEYS] * (1 << _BITS)
        self._len = 0
        self.frozen = False

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def _locate(self, h: int) -> tuple[array, int, bool]:
        """The bucket of hash `h`, where `h` is or would go in it, and whether it is there."""
        keys = self._buckets[h & _LOW]
        i = bisect_left(keys, h)
        return keys, i, i < len(keys) and keys[i] == h

    def has_hash(self, h: int) -> bool:
        """Whether a key whose hash() is `h` is held."""
        return self._locate(h)[2]

    def __contains__(self, key) -> bool:
        return self._locate(hash(key))[2]

    def _new_bucket(self, h: int) -> array:
        keys = self._buckets[h & _LOW] = array("q")
        return keys


class HashedSet(HashedStore):
    __slots__ = ()

    def __init__(self, keys: Iterable = ()) -> None:
        super().__init__()
        self.update(keys)

    def add(self, key) -> None:
        self._add_hash(hash(key))

    def _add_hash(self, h: int) -> None:
        keys, i, found = self._locate(h)
        if found or self.frozen:
            return
        if keys is _NO_KEYS:
            keys = self._new_bucket(h)
        keys.insert(i, h)
        self._len += 1

    def update(self, other: Iterable) -> None:
        if isinstance(other, HashedSet):
            for keys in other._buckets:
                for h in keys:
                    self._add_hash(h)
        else:
            for key in other:
                self.add(key)


_MISSING = object()


class HashedMap(HashedStore):
    __slots__ = ("_refs", "_arena")

    def __init__(self, items: dict | None = None) -> None:
        super().__init__()
        self._refs = [_NO_KEYS] * (1 << _BITS)  # each value's reference, as its key's bucket
        self._arena = bytearray()
        if items:
            self.update(items)

    def _new_bucket(self, h: int) -> array:
        self._refs[h & _LOW] = array("q")
        return super()._new_bucket(h)

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
        keys, i, found = self._locate(h)
        return self._decode(self._refs[h & _LOW][i]) if found else default

    def __getitem__(self, key):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key, value) -> None:
        self._put(hash(key), value)

    def setdefault(self, key, value):
        """The value of `key`, set to `value` first if it had none: one search, not two
        (the claimed-login check runs this once a row of a users.csv)."""
        h = hash(key)
        keys = self._buckets[h & _LOW]  # _locate, inline: the hot path of a big users.csv
        i = bisect_left(keys, h)
        if i < len(keys) and keys[i] == h:
            return self._decode(self._refs[h & _LOW][i])
        if not self.frozen:
            self._insert(h, keys, i, self._encode(value))
        return value

    def _put(self, h: int, value) -> None:
        keys, i, found = self._locate(h)
        if not found:
            if not self.frozen:
                self._insert(h, keys, i, self._encode(value))
            return
        refs = self._refs[h & _LOW]
        old = refs[i]
        if value.__class__ is str and old >= 0:
            data = value.encode("utf-8", "surrogatepass")
            if len(data) <= old & _LEN_MASK:  # in place: a file repeating an id must not
                start = old >> _LEN_BITS      # grow the arena
                self._arena[start:start + len(data)] = data
                refs[i] = (start << _LEN_BITS) | len(data)
                return
        refs[i] = self._encode(value)  # the old string stays in the arena (rare)

    def _insert(self, h: int, keys: array, i: int, ref: int) -> None:
        if keys is _NO_KEYS:
            keys = self._new_bucket(h)
        keys.insert(i, h)
        self._refs[h & _LOW].insert(i, ref)
        self._len += 1

    def values(self):
        for refs in self._refs:
            for ref in refs:
                yield self._decode(ref)

    def update(self, other: dict | HashedMap) -> None:
        if isinstance(other, HashedMap):
            for keys, refs in zip(other._buckets, other._refs):
                for h, ref in zip(keys, refs):
                    self._put(h, other._decode(ref))
        else:
            for key, value in other.items():
                self[key] = value
