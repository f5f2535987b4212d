"""gunicorn settings for one Peerdesk server process (`gunicorn -c deploy/gunicorn.conf.py -b ADDR wsgi:app`).

One worker per process: Flask-SocketIO keeps each client's session in the
process that opened it, so a deployment scales by running several such
processes behind nginx's sticky routing, never by `-w 4` (clients would
hit "Invalid session"). Threads serve plain requests and hold open
sockets (a WebSocket or a long poll occupies one thread while it lasts),
so there are many of them: gunicorn starts them only as connections
arrive, and 500 open pages need about 550 (bench/results/notify.md).
Database connections are pooled separately and sized by DATABASE_POOL_SIZE.
"""
import os

workers = 1
worker_class = "gthread"
threads = int(os.environ.get("PEERDESK_THREADS", "1000"))
# nginx keeps idle upstream connections for up to 60 s; gunicorn must keep them at least as long,
# or nginx would send a request on a connection gunicorn is closing.
keepalive = 75
timeout = 60
graceful_timeout = 15
# Several gunicorn masters on one machine would otherwise share $HOME/.gunicorn/gunicorn.ctl.
control_socket_disable = True
loglevel = os.environ.get("PEERDESK_LOG_LEVEL", "info")


def post_worker_init(worker):
    """With PEERDESK_TRACEMALLOC_DIR set (the soak's leak hunt), a worker writes a tracemalloc
    snapshot there every PEERDESK_TRACEMALLOC_SECONDS (60): diffing the first and the last
    shows which lines of code hold the memory that grew."""
    directory = os.environ.get("PEERDESK_TRACEMALLOC_DIR")
    if not directory:
        return
    import threading
    import time
    import tracemalloc

    tracemalloc.start(int(os.environ.get("PEERDESK_TRACEMALLOC_FRAMES", "1")))
    every = float(os.environ.get("PEERDESK_TRACEMALLOC_SECONDS", "60"))

    def snapshots():
        number = 0
        while True:
            time.sleep(every)
            number += 1
            tracemalloc.take_snapshot().dump(os.path.join(directory, f"{os.getpid()}-{number:03d}.snapshot"))

    threading.Thread(target=snapshots, name="tracemalloc-snapshots", daemon=True).start()
