"""Server entry point: `python wsgi.py` (development) or `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Only servers import this module (the `flask` CLI uses the factory in `app`),
so this is where the in-process background jobs start, and the app is built
without the migration commands (Alembic is 8 MiB a worker would never use).
"""
import ctypes
import ctypes.util
import gc
import os

from app import background, create_app
from app.extensions import socketio

#: glibc's mallopt parameter for the number of allocator arenas (malloc.h).
_M_ARENA_MAX = -8


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """Two allocator arenas instead of glibc's eight per core: a server's threads would otherwise each
    start an arena of their own, 15-20 MiB more per process under load (bench/results/deploy-soak.md).
    Done here, before the first request thread exists, so every server has it without a setting; an
    operator's MALLOC_ARENA_MAX wins. Other C libraries have no such call and need nothing."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError, TypeError):
        return


_limit_malloc_arenas()
app = create_app(serving=True)
background.start(app)
# What exists now (modules, the app, its routes and models: about 150,000 objects) lives as long as the
# process. Left to the collector, each full collection walked all of it: 48 ms in which every request
# thread of the worker stood still, a p99 in itself. Frozen, a full collection walks only what requests
# made since (bench: member page p99 76 ms against 84-94, list pages 140 against 151-163 ms).
gc.freeze()

if __name__ == "__main__":
    # Imported here: the semantic store brings numpy, which a gunicorn worker never needs for this line.
    from app.search.semantic.store import status_line

    print(status_line(app), flush=True)
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                 allow_unsafe_werkzeug=True)
