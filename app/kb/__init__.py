"""Search and the knowledge base (mounted at /: /search, /kb/…).

Besides its pages this package registers the search JSON API on the
existing api blueprint (app.kb.api: /api/v1/search, /search/similar,
/search/deflection) and, once per app, the search extension
(app.extensions["peerdesk.search"], see app.services.search).
"""
from flask import Blueprint

bp = Blueprint("kb", __name__)

from app.kb import api, routes  # noqa: E402,F401
from app.services import search as search_service  # noqa: E402

bp.record_once(lambda state: search_service.init_app(state.app))
