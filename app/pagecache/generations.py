"""Generation counters: the one piece of cache state every process must agree on.

An entry is stored with the generations of its tags as they were *before*
the page was rendered; a change bumps them after its commit. A lookup
compares the two, so an entry rendered from data older than the last
change is never served, even if it was stored after the bump.

`FileGenerations` shares the counters between the processes of one machine
(gunicorn workers, a `flask sla sweep` from cron) through a memory-mapped
file: reading is a few loads, bumping takes a file lock. Tags hash to one
of 65,536 slots; two tags sharing a slot only invalidate each other more
often, never less. The same file holds a small record per process with its
counters, so the admin page can add them up.
"""
import fcntl
import mmap
import os
import struct
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path

SLOTS = 1 << 16
PROCESS_RECORDS = 64
RECORD = struct.Struct("<8q")  # pid, hits, misses, stores, bypasses, entries, bytes, reserved
HEADER_BYTES = PROCESS_RECORDS * RECORD.size
SLOT = struct.Struct("<Q")
FILE_BYTES = HEADER_BYTES + SLOTS * SLOT.size
COUNTERS = ("hits", "misses", "stores", "bypasses", "entries", "bytes")


class FileGenerations:
    def __init__(self, path: str | Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._thread_lock = threading.Lock()
        with self._locked():
            if os.fstat(self._fd).st_size < FILE_BYTES:
                os.ftruncate(self._fd, FILE_BYTES)
        self._map = mmap.mmap(self._fd, FILE_BYTES)
        self._record_pid = 0
        self._record_offset = -1

    @contextmanager
    def _locked(self):
        """lockf locks belong to the process (unlike flock, they hold across a fork); the mutex covers threads."""
        with self._thread_lock:
            fcntl.lockf(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.lockf(self._fd, fcntl.LOCK_UN)

    @staticmethod
    def _offset(tag: str) -> int:
        return HEADER_BYTES + (zlib.crc32(tag.encode()) % SLOTS) * SLOT.size

    def read(self, tags: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(SLOT.unpack_from(self._map, self._offset(tag))[0] for tag in tags)

    def bump(self, tags) -> None:
        offsets = {self._offset(tag) for tag in tags}
        with self._locked():
            for offset in offsets:
                SLOT.pack_into(self._map, offset, SLOT.unpack_from(self._map, offset)[0] + 1)

    # -- per-process counters ------------------------------------------------------------------------

    def publish(self, counters: dict[str, int]) -> None:
        """Write this process's counters into its own record (claimed once per process id)."""
        pid = os.getpid()
        if self._record_pid != pid:
            self._record_offset = self._claim_record(pid)
            self._record_pid = pid
        if self._record_offset >= 0:
            RECORD.pack_into(self._map, self._record_offset, pid, *(counters[name] for name in COUNTERS), 0)

    def _claim_record(self, pid: int) -> int:
        with self._locked():
            for index in range(PROCESS_RECORDS):
                offset = index * RECORD.size
                owner = RECORD.unpack_from(self._map, offset)[0]
                if owner == pid or owner == 0 or not _alive(owner):
                    RECORD.pack_into(self._map, offset, pid, *([0] * 7))
                    return offset
        return -1

    def processes(self) -> list[dict[str, int]]:
        """The counters of every live process that uses this file."""
        found = []
        for index in range(PROCESS_RECORDS):
            pid, *values = RECORD.unpack_from(self._map, index * RECORD.size)
            if pid and _alive(pid):
                found.append({"pid": pid, **dict(zip(COUNTERS, values))})
        return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
