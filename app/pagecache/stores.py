"""Where cached pages live: this process's memory (the embedded default) or Redis (several processes).

Both answer a lookup with the stored entry *and* the current generations of
its tags in one step (for Redis: one round trip), so checking freshness
costs nothing extra.
"""
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from app.pagecache.generations import FileGenerations

log = logging.getLogger("peerdesk.pagecache")


#: What a stored page costs this process beyond its body, measured with tracemalloc
#: (tests/unit/test_page_cache_entry.py): the entry, its key and generations, the LRU's link to it.
ENTRY_OVERHEAD = 512
#: Distinct header lists kept for sharing; pages of one app carry a handful (same CSP, same Vary, …).
_SHARED_HEADER_LISTS = 64
_shared_headers: dict[tuple, tuple] = {}


def shared_headers(headers) -> tuple[tuple[str, str], ...]:
    """The one copy of this header list that every entry carrying it points to.

    Every thread page's headers are the same seven strings (a 190-character Content-Security-Policy
    among them), made afresh by each response: kept per entry they cost about 1.5 kB, a third of a
    compressed page, which the byte budget did not count.
    """
    headers = tuple((str(name), str(value)) for name, value in headers)
    shared = _shared_headers.get(headers)
    if shared is None:
        if len(_shared_headers) >= _SHARED_HEADER_LISTS:
            return headers
        shared = _shared_headers.setdefault(headers, headers)
    return shared


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored page. `body` is gzip-compressed when `encoding` is "gzip" (every page stored since
    compression came), so the same memory holds about four times as many pages and a browser that
    accepts gzip gets the stored bytes as they are; `headers` then carry no Content-Length."""

    generations: tuple[int, ...]
    expires_at: float
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    encoding: str = ""

    @property
    def size(self) -> int:
        """Bytes this entry holds in a process; headers count only when no other entry shares them."""
        unshared = 0 if _shared_headers.get(self.headers) is self.headers else \
            sum(len(name) + len(value) + 150 for name, value in self.headers)
        return len(self.body) + ENTRY_OVERHEAD + unshared

    def dumps(self) -> bytes:
        header = json.dumps([list(self.generations), self.expires_at, self.status, self.headers, self.encoding])
        return header.encode() + b"\n" + self.body

    @classmethod
    def loads(cls, raw: bytes) -> "Entry":
        header, _newline, body = raw.partition(b"\n")
        generations, expires_at, status, headers, *encoding = json.loads(header)
        return cls(tuple(generations), expires_at, status, shared_headers(headers), body, *encoding)


class Counters:
    """Hits, misses, stores and bypasses of this process; plain ints (approximate under threads)."""

    def __init__(self):
        self.hits = self.misses = self.stores = self.bypasses = 0


class MemoryPageCache:
    """An LRU of entries in this process, bounded in bytes, with generations shared by file."""

    shared = False

    def __init__(self, max_bytes: int, generations_file: str):
        self.max_bytes = max_bytes
        self.generations = FileGenerations(generations_file)
        self.counters = Counters()
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def lookup(self, key: str, tags: tuple[str, ...]) -> tuple[Entry | None, tuple[int, ...]]:
        generations = self.generations.read(tags)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        return entry, generations

    def store(self, key: str, entry: Entry, ttl: int) -> None:
        if entry.size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += entry.size
            while self._bytes > self.max_bytes:
                _key, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.size

    def invalidate(self, tags) -> None:
        self.generations.bump(tags)

    def generation(self, tag: str) -> int:
        return self.generations.read((tag,))[0]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def count(self, outcome: str) -> None:
        setattr(self.counters, outcome, getattr(self.counters, outcome) + 1)
        self.generations.publish({"hits": self.counters.hits, "misses": self.counters.misses,
                                  "stores": self.counters.stores, "bypasses": self.counters.bypasses,
                                  "entries": len(self._entries), "bytes": self._bytes})

    def stats(self) -> dict:
        processes = self.generations.processes()
        return {"store": "memory", "processes": processes, **_totals(processes),
                "max_bytes_per_process": self.max_bytes}


class RedisPageCache:
    """Entries and generations in Redis, shared by every process; Redis expires entries itself."""

    shared = True
    PREFIX = "peerdesk:pagecache:"

    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.errors = redis.RedisError
        self._stats_key = self.PREFIX + "stats"
        self._lock = threading.Lock()
        self._unsent: dict[str, int] = {}
        self._sent_at = 0.0

    def _generation_keys(self, tags) -> list[str]:
        return [f"{self.PREFIX}gen:{tag}" for tag in tags]

    def lookup(self, key: str, tags: tuple[str, ...]) -> tuple[Entry | None, tuple[int, ...]]:
        raw = self.redis.mget([self.PREFIX + "page:" + key, *self._generation_keys(tags)])
        entry = Entry.loads(raw[0]) if raw[0] is not None else None
        return entry, tuple(int(value or 0) for value in raw[1:])

    def store(self, key: str, entry: Entry, ttl: int) -> None:
        self.redis.set(self.PREFIX + "page:" + key, entry.dumps(), ex=max(1, ttl))

    def generation(self, tag: str) -> int:
        return int(self.redis.get(self._generation_keys((tag,))[0]) or 0)

    def invalidate(self, tags) -> None:
        pipeline = self.redis.pipeline(transaction=False)
        for name in self._generation_keys(set(tags)):
            pipeline.incr(name)
        pipeline.execute()

    def clear(self) -> None:
        for name in self.redis.scan_iter(self.PREFIX + "page:*", count=1000):
            self.redis.delete(name)

    def count(self, outcome: str) -> None:
        """Counted here, added to the shared hash at most once a second: no extra round trip per request."""
        with self._lock:
            self._unsent[outcome] = self._unsent.get(outcome, 0) + 1
            now = time.monotonic()
            if now - self._sent_at < 1.0:
                return
            unsent, self._unsent, self._sent_at = self._unsent, {}, now
        self.flush_counts(unsent)

    def flush_counts(self, unsent: dict[str, int] | None = None) -> None:
        if unsent is None:
            with self._lock:
                unsent, self._unsent = self._unsent, {}
        if unsent:
            pipeline = self.redis.pipeline(transaction=False)
            for outcome, number in unsent.items():
                pipeline.hincrby(self._stats_key, outcome, number)
            try:
                pipeline.execute()
            except self.errors:
                log.warning("page cache statistics not sent: Redis is unreachable")

    def stats(self) -> dict:
        self.flush_counts()
        counts = {name.decode(): int(value) for name, value in self.redis.hgetall(self._stats_key).items()}
        entries = stored_bytes = 0
        for name in self.redis.scan_iter(self.PREFIX + "page:*", count=1000):
            entries += 1
            stored_bytes += self.redis.memory_usage(name) or 0
        return {"store": "redis", "processes": [], "hits": counts.get("hits", 0),
                "misses": counts.get("misses", 0), "stores": counts.get("stores", 0),
                "bypasses": counts.get("bypasses", 0), "entries": entries, "bytes": stored_bytes}


def _totals(processes: list[dict]) -> dict:
    return {name: sum(process[name] for process in processes)
            for name in ("hits", "misses", "stores", "bypasses", "entries", "bytes")}
