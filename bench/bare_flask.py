"""The baseline: a Flask app that does one query and renders one small template.

It measures what Flask, Jinja, SQLAlchemy Core, the driver and gunicorn
cost by themselves on the same database and the same machine, so a
Peerdesk figure divided by this one says how much Peerdesk itself adds,
whatever the hardware. Served by the bench as `bare_flask:app`.
"""
import os

from flask import Flask, abort, render_template
from sqlalchemy import create_engine, text

THREAD_BY_ID = text("SELECT id, title, body_html, score, answer_count, created_at FROM threads WHERE id = :id")


def create_bare_app(database_url: str) -> Flask:
    app = Flask(__name__)
    engine = create_engine(database_url)

    @app.route("/threads/<int:thread_id>")
    def thread(thread_id: int):
        with engine.connect() as connection:
            row = connection.execute(THREAD_BY_ID, {"id": thread_id}).mappings().first()
        if row is None:
            abort(404)
        return render_template("bare_thread.html", thread=row)

    return app


app = create_bare_app(os.environ["DATABASE_URL"])
