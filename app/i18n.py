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
from flask import Flask, g, has_request_context
from flask_babel import get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup


def _catalogue():
    if not has_request_context():
        return get_translations()
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    cached = g.get("_catalogue")
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    catalogue = get_translations()
    g._catalogue = (g._flask_babel.babel_locale, catalogue)
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
