"""The memory page cache holds what its byte budget says, not a third more."""
import gc
import os
import tracemalloc

from app.pagecache import stores
from app.pagecache.stores import ENTRY_OVERHEAD, Entry, MemoryPageCache, shared_headers

POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"


def response_headers(number: int) -> list[tuple[str, str]]:
    """Headers as each response makes them: equal text, new string objects every time."""
    return [("Content-Type", "text/html; charset=utf-8".replace("utf", "utf")),
            ("Content-Security-Policy", "".join([POLICY, " " * (number % 1)])),
            ("X-Frame-Options", "SAMEORIGIN".lower().upper()), ("Vary", ", ".join(["Cookie", "Accept-Encoding"]))]


def fill(cache: MemoryPageCache, pages: int, body_size: int) -> None:
    for number in range(pages):
        entry = Entry((number, 1), 1.7e9 + number, "".join(["200 ", "OK"]),
                      shared_headers(response_headers(number)), os.urandom(body_size), "gzip")
        cache.store(f"http://localhost|en|/threads/{100_000 + number}?", entry, 60)


def test_a_full_cache_holds_no_more_than_it_counts(tmp_path):
    """Counted by what this test and the store allocate, so another thread's allocations cannot tip it."""
    cache = MemoryPageCache(1 << 30, str(tmp_path / "generations"))
    gc.collect()
    tracemalloc.start(10)
    try:
        before = tracemalloc.take_snapshot()
        fill(cache, 1_000, 3_500)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    ours = [tracemalloc.Filter(True, path, all_frames=True) for path in (__file__, stores.__file__)]
    held = sum(stat.size_diff for stat in after.filter_traces(ours).compare_to(before.filter_traces(ours), "filename"))
    assert held <= cache._bytes, f"{held} bytes held, {cache._bytes} counted"
    assert held >= cache._bytes * 0.85, "the overhead is overstated: the budget would hold fewer pages than it could"


def test_pages_with_the_same_headers_share_one_copy():
    first, second = shared_headers(response_headers(1)), shared_headers(response_headers(2))
    assert first is second and first == tuple(response_headers(3))


def test_the_budget_evicts_the_least_recently_used(tmp_path):
    cache = MemoryPageCache(10 * (3_000 + ENTRY_OVERHEAD), str(tmp_path / "generations"))
    fill(cache, 10, 3_000)
    cache.lookup("http://localhost|en|/threads/100000?", ())
    fill_more = Entry((1,), 1.7e9, "200 OK", shared_headers(response_headers(0)), os.urandom(3_000), "gzip")
    cache.store("http://localhost|en|/threads/1?", fill_more, 60)
    assert cache._bytes <= cache.max_bytes and len(cache._entries) == 10
    assert "http://localhost|en|/threads/100000?" in cache._entries
    assert "http://localhost|en|/threads/100001?" not in cache._entries
