"""WSGI entry point: `gunicorn -w 1 --threads 100 wsgi:app` (see README, Deployment)."""
import os

from app import create_app
from app.extensions import socketio

app = create_app(os.environ.get("PEERDESK_CONFIG", "development"))

if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), allow_unsafe_werkzeug=True)
