"""The moderation area. Importing it registers the in-transaction trust-level reactions (app.services.trust)."""
from flask import Blueprint

bp = Blueprint("moderation", __name__)

from app.moderation import routes  # noqa: E402,F401
from app.services import trust  # noqa: E402,F401
