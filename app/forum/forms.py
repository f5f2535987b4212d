from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired


class QuestionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired()],
                        description=_l("Say what is wrong in one sentence, e.g. “Printer shows error E42 after update”."))
    body = TextAreaField(_l("Details"), validators=[DataRequired()],
                         description=_l("Markdown works: **bold**, lists, `code`, links."))
    category = SelectField(_l("Category"), validators=[DataRequired()])
    tags = StringField(_l("Tags"), description=_l("Up to 5, separated by commas, e.g. billing, invoice."))
    submit = SubmitField(_l("Post your question"))


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), validators=[DataRequired()],
                         description=_l("Markdown works: **bold**, lists, `code`, links."))
    submit = SubmitField(_l("Post your answer"))
