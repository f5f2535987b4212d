"""Jinja's gettext functions bound to the request's catalogue.

Flask-Babel looks the catalogue up again on every call; a thread page makes
about fifty calls, which was a tenth of its render time. These functions
fetch it once per request and keep Jinja's "newstyle" semantics (escape
the translation, then interpolate the keyword arguments). A string without
arguments comes out the same every time, so each catalogue keeps its
finished Markup (`%%` already turned into `%`) and a call is one dict lookup.
They take the evaluation context, not the template context: Jinja copies the
whole template context for a `pass_context` call made inside a loop or a
block with local variables, which was most of what a translated string cost.
The request's catalogue is kept beside the Locale object it belongs to, so a
mail rendered under `force_locale` (and the page after it) each get their own
language: Flask-Babel 4 keeps the current Locale in `g._flask_babel`.
"""
from flask import Flask
from flask.globals import _cv_app, _cv_request
from flask_babel import get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup


def _catalogue():
    # The context variables behind `has_request_context()` and `g`: a page makes sixty calls, and each
    # proxied read of `g` cost more than the lookup it guards.
    if _cv_request.get(None) is None:
        return get_translations()
    globals_ = _cv_app.get().g
    locale = getattr(getattr(globals_, "_flask_babel", None), "babel_locale", None)
    cached = getattr(globals_, "_catalogue", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    catalogue = get_translations()
    globals_._catalogue = (globals_._flask_babel.babel_locale, catalogue)
    return catalogue


@pass_eval_context
def gettext(eval_ctx, string, **variables):
    catalogue = _catalogue()
    if not eval_ctx.autoescape:
        return catalogue.gettext(string) % variables
    if variables:
        return Markup(catalogue.gettext(string)) % variables
    finished = catalogue.__dict__.setdefault("_peerdesk_finished_markup", {})
    markup = finished.get(string)
    if markup is None:
        markup = finished[string] = Markup(catalogue.gettext(string)) % {}
    return markup


@pass_eval_context
def ngettext(eval_ctx, singular, plural, num, **variables):
    variables.setdefault("num", num)
    translated = _catalogue().ngettext(singular, plural, num)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


def install(app: Flask) -> None:
    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
