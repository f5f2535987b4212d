"""Server entry point: `python wsgi.py` (development) or `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Only servers import this module (the `flask` CLI uses the factory in `app`),
so this is where the in-process background jobs start, and the app is built
without the migration commands (Alembic is 8 MiB a worker would never use).
"""
import os

from app import background, create_app
from app.extensions import socketio

app = create_app(serving=True)
background.start(app)

if __name__ == "__main__":
    # Imported here: the semantic store brings numpy, which a gunicorn worker never needs for this line.
    from app.search.semantic.store import status_line

    print(status_line(app), flush=True)
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                 allow_unsafe_werkzeug=True)
