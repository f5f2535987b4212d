import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.converters import MAX_DATABASE_ID

_THREAD_REFERENCE = re.compile(r"(?:^#?|/(?:threads|kb)/)(\d+)(?:[/?#].*)?$")


def thread_id_from(reference: str | None) -> int | None:
    """A thread id from what staff paste: "123", "#123" or the thread's (or article's) URL."""
    match = _THREAD_REFERENCE.search((reference or "").strip())
    if not match or len(match.group(1)) > 10 or int(match.group(1)) > MAX_DATABASE_ID:
        return None
    return int(match.group(1))


class ArticleForm(FlaskForm):
    title = StringField(_l("Article title"), validators=[Optional(), Length(max=150)],
                        description=_l("How a customer would search for it. Leave empty to keep the question's title "
                                       "and remove the article."))
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)],
                            description=_l("The short answer, shown above the thread. Plain text."))


class DuplicateForm(FlaskForm):
    canonical = StringField(_l("Duplicate of"), validators=[DataRequired()],
                            description=_l("The number or link of the question that already answers this one."))
