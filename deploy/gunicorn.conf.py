"""gunicorn settings for one Peerdesk server process (`gunicorn -c deploy/gunicorn.conf.py -b ADDR wsgi:app`).

One worker per process: Flask-SocketIO keeps each client's session in the
process that opened it, so a deployment scales by running several such
processes behind nginx's sticky routing, never by `-w 4` (clients would
hit "Invalid session"). Threads serve plain requests and hold open
sockets (a WebSocket or a long poll occupies one thread while it lasts),
so there are many of them; database connections are pooled separately
and sized by DATABASE_POOL_SIZE.
"""
import os

workers = 1
worker_class = "gthread"
threads = int(os.environ.get("PEERDESK_THREADS", "100"))
# nginx keeps idle upstream connections for up to 60 s; gunicorn must keep them at least as long,
# or nginx would send a request on a connection gunicorn is closing.
keepalive = 75
timeout = 60
graceful_timeout = 15
# Several gunicorn masters on one machine would otherwise share $HOME/.gunicorn/gunicorn.ctl.
control_socket_disable = True
loglevel = os.environ.get("PEERDESK_LOG_LEVEL", "info")
