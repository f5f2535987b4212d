"""Index generations: how a rebuild replaces the index while searches go on.

``<index_dir>/gen-<n>/`` each hold a complete Whoosh index and the file
``<index_dir>/CURRENT`` names the one in use. A rebuild fills a new generation,
points ``CURRENT`` at it with ``os.replace`` (atomic), then deletes the others.
Readers look at ``CURRENT`` on every search, so they move over on their next one;
a search already running keeps its open files, which POSIX keeps readable after
deletion.

A generation that is missing or cannot be opened is replaced by an empty one, so
a damaged disk degrades search (until the next rebuild) instead of the forum.
The broken one stays on disk for inspection until the next rebuild retires it.
"""

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex

logger = logging.getLogger(__name__)

POINTER = "CURRENT"
_GENERATION = re.compile(r"gen-(\d+)")


class Generations:
    """The generations under one index directory, and which one is current.

    Caches the opened current generation; the cache is one tuple replaced
    whole, so threads may share an instance without a lock.
    """

    def __init__(self, root: Path, schema):
        self.root = root
        self._schema = schema
        self._opened: tuple[str, FileIndex] | None = None
        root.mkdir(parents=True, exist_ok=True)

    def pointer(self) -> str | None:
        """The generation ``CURRENT`` names, or None if it names none."""
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return name if _GENERATION.fullmatch(name) else None

    def current(self) -> FileIndex:
        """The current generation's index, opened once; an empty one if it is broken."""
        name = self.pointer()
        opened = self._opened
        if opened is None or opened[0] != name:
            opened = self._opened = self._open(name)
        return opened[1]

    def reopen(self) -> FileIndex:
        """The current generation opened afresh, after its cached index failed:
        a rebuild retired it, or its files were damaged."""
        self._opened = None
        return self.current()

    def create(self) -> tuple[str, FileIndex]:
        """A new, empty, not yet current generation."""
        number = max(self._numbers(), default=0) + 1
        while True:
            path = self.root / f"gen-{number}"
            try:
                path.mkdir()
            except FileExistsError:  # claimed by another process meanwhile
                number += 1
                continue
            return path.name, _storage(path).create_index(self._schema)

    def publish(self, name: str) -> None:
        """Make generation ``name`` current, then delete all others."""
        self._point_to(name)
        for other in self._numbers():
            if f"gen-{other}" != name:
                self.discard(f"gen-{other}")

    def discard(self, name: str) -> None:
        # A generation that cannot be deleted now is retried at the next publish.
        shutil.rmtree(self.root / name, ignore_errors=True)

    def _open(self, name: str | None) -> tuple[str, FileIndex]:
        try:
            return name, self._open_valid(name)
        # Garbage files make Whoosh raise almost anything (pickle, struct, EOF,
        # index errors); any failure to open means the generation is unusable.
        except Exception as error:
            now = self.pointer()
            if now != name:  # a rebuild swapped generations while we opened
                return self._open(now)
            logger.warning(
                "search index in %s is missing or unusable (%s); started an empty one, which the "
                "indexer refills from the database (or run `flask search reindex`)", self.root, str(error),
            )  # str: a record holding the exception would hold its open files
            name, ix = self.create()
            self._point_to(name)
            return name, ix

    def _open_valid(self, name: str | None) -> FileIndex:
        if name is None:
            raise FileNotFoundError(f"{POINTER} names no generation")
        ix = _storage(self.root / name).open_index()  # raises if absent or garbled
        if ix.schema.names() != self._schema.names():
            raise ValueError("it was built with another schema")
        with ix.reader():
            pass
        return ix

    def _point_to(self, name: str) -> None:
        with tempfile.NamedTemporaryFile(
            "w", dir=self.root, prefix=f"{POINTER}.", delete=False, encoding="utf-8"
        ) as pointer:
            pointer.write(name)
        os.replace(pointer.name, self.root / POINTER)

    def _numbers(self) -> list[int]:
        return [
            int(match[1])
            for match in map(_GENERATION.fullmatch, os.listdir(self.root))
            if match
        ]


def _storage(path: Path) -> FileStorage:
    """Index files read through plain file handles, not memory maps.

    Whoosh copies every memory-mapped part of a segment into a buffer each time
    a searcher opens (tens of milliseconds per search on a large index). With
    one plain handle per (compound) segment file nothing is copied, and a
    search keeps reading its segments even after a merge or a rebuild has
    deleted them; uncompounded segments open some files lazily and would not.
    """
    return FileStorage(str(path), supports_mmap=False)
