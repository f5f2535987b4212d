"""The posting lists of a segment's common words, decoded once when the segment is written.

Whoosh stores postings in blocks of 128, each pickled and zlib-compressed with
a pickled header. A search for a word found in most of 50,000 threads spent
three quarters of its time decoding them (unpickling 23 %, zlib 15 %, block
headers 25 %), every time a process met the word for the first time. A
segment never changes once written, so the process that writes the index (the
indexer, or `flask search reindex`) decodes each common word of each new
segment once and stores the document numbers and weights as flat arrays
beside it, in ``<segment id>.hot``. A search reads one word with one
``pread``.

The file name matches Whoosh's own per-segment pattern, so Whoosh deletes it
with its segment after a merge. It is written to a temporary name and renamed,
so a reader sees all of it or nothing; a missing or unreadable file only means
"decode the blocks", as before.

Layout: ``MAGIC``, an 8-byte little-endian header length, the header (JSON:
``"<field>:<term bytes in hex>"`` → ``[offset, count]``), then for each word
``count`` uint32 document numbers followed by ``count`` float32 weights,
native byte order (the file never leaves the machine that wrote it).
"""

import json
import logging
import os
import struct
import sys
import threading
from array import array
from collections import OrderedDict
from pathlib import Path

logger = logging.getLogger(__name__)

MAGIC = b"PEERDESK-HOT-1" + sys.byteorder[0].encode()
EXTENSION = ".hot"
#: A word is decoded ahead when it is in at least this many documents of the segment (eight blocks):
#: rarer words decode in well under a millisecond.
MIN_POSTINGS = 1024
_CACHED_HEADERS = 48

_headers_lock = threading.Lock()
_headers: OrderedDict = OrderedDict()


def path_for(folder: str | Path, segment_id: str) -> Path:
    return Path(folder) / f"{segment_id}{EXTENSION}"


def write_missing(ix, fields, decode_blocks) -> int:
    """Write the file of every segment of ``ix`` that has none yet; the number written.

    ``decode_blocks(matcher)`` yields a posting list's (ids, weights) block by
    block (word_scoring's decoder); deleted documents stay in the file, as in
    Whoosh's own postings, and searches leave them out.
    """
    folder = getattr(ix.storage, "folder", None)
    if folder is None:  # an index in memory (tests): nothing to keep beside it
        return 0
    written = 0
    with ix.reader() as reader:
        for segment_reader, _offset in reader.leaf_readers():
            segment = segment_reader.segment()
            if segment is None:  # an empty index has no segment
                continue
            target = path_for(folder, segment.segment_id())
            if target.exists():
                continue
            _write(segment_reader, fields, decode_blocks, target)
            written += 1
    return written


def _write(reader, fields, decode_blocks, target: Path) -> None:
    header, chunks, offset = {}, [], 0
    for fieldname in sorted(fields):
        if fieldname not in reader.schema:
            continue
        common = [text for text, info in reader.iter_field(fieldname) if info.doc_frequency() >= MIN_POSTINGS]
        for text in common:
            ids, weights = array("I"), array("f")
            # The segment's own postings, without the wrapper that hides deleted documents.
            for block_ids, block_weights in decode_blocks(reader._terms.matcher(fieldname, text,
                                                                                reader.schema[fieldname].format,
                                                                                None)):
                ids.extend(block_ids)
                weights.extend(block_weights)
            header[f"{fieldname}:{text.hex()}"] = [offset, len(ids)]
            chunks += [ids.tobytes(), weights.tobytes()]
            offset += len(ids) * 8
    encoded = json.dumps(header, separators=(",", ":")).encode()
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        with open(temporary, "wb") as out:
            out.write(MAGIC + struct.pack("<Q", len(encoded)) + encoded)
            for chunk in chunks:
                out.write(chunk)
        os.replace(temporary, target)
    except BaseException:  # a full disk, say: leave no half-written file behind (Whoosh never cleans "." files)
        temporary.unlink(missing_ok=True)
        raise


def read(folder: str | None, segment_id: str, fieldname: str, btext: bytes) -> tuple[array, array] | None:
    """The word's document numbers and weights in the segment (deleted ones included), or None when the
    segment has no file or the word is not among its common words."""
    if folder is None:
        return None
    path = path_for(folder, segment_id)
    try:
        header, start = _header(path)
        found = header.get(f"{fieldname}:{btext.hex()}")
        if found is None:
            return None
        offset, count = found
        fd = os.open(path, os.O_RDONLY)
        try:
            raw = os.pread(fd, count * 8, start + offset)
        finally:
            os.close(fd)
    except (OSError, ValueError):  # no file (yet, or merged away meanwhile) or a damaged one
        return None
    if len(raw) != count * 8:
        return None
    ids, weights = array("I"), array("f")
    ids.frombytes(raw[:count * 4])
    weights.frombytes(raw[count * 4:])
    return ids, weights


def _header(path: Path) -> tuple[dict, int]:
    """The file's word table and where its arrays start; kept per file (a file never changes)."""
    key = str(path)
    with _headers_lock:
        found = _headers.get(key)
        if found is not None:
            _headers.move_to_end(key)
            return found
    with open(path, "rb") as source:
        if source.read(len(MAGIC)) != MAGIC:
            raise ValueError(f"{path} is not a posting file of this machine")
        (length,) = struct.unpack("<Q", source.read(8))
        header = json.loads(source.read(length))
    found = (header, len(MAGIC) + 8 + length)
    with _headers_lock:
        _headers[key] = found
        while len(_headers) > _CACHED_HEADERS:
            _headers.popitem(last=False)
    return found


def forget_headers() -> None:
    """Drop the word tables this process has read (benchmarks measure a cold process)."""
    with _headers_lock:
        _headers.clear()
