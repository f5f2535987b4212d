"""Server entry point: `python wsgi.py` (development) or `gunicorn -w 1 --threads 100 wsgi:app`.

Only servers import this module (the `flask` CLI uses the factory in `app`),
so this is where the in-process background jobs start.
"""
import os

from app import background, create_app
from app.extensions import socketio
from app.search.semantic.store import status_line

app = create_app()
background.start(app)

if __name__ == "__main__":
    print(status_line(app), flush=True)
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                 allow_unsafe_werkzeug=True)
