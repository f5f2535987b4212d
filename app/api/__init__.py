from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import routes, tokens  # noqa: E402,F401
from app.moderation import api as moderation_api  # noqa: E402,F401
