from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.services.moderation import FLAG_REASON_LABELS
from app.services.user_reports import REASON_LABELS as REPORT_REASON_LABELS


class FlagForm(FlaskForm):
    reason = SelectField(_l("What is wrong with it?"), choices=[SelectChoice(value, label) for value, label in FLAG_REASON_LABELS.items()],
                         validators=[DataRequired()])
    text = StringField(_l("Details (needed for “Other”)"), validators=[Optional(), Length(max=500)])


class ReportForm(FlaskForm):
    reason = SelectField(_l("Why are you reporting this member?"),
                         choices=[SelectChoice(value, label) for value, label in REPORT_REASON_LABELS.items()],
                         validators=[DataRequired()])
    text = TextAreaField(_l("What happened? (needed for “Other”)"), validators=[Optional(), Length(max=500)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason shown to the author"), validators=[Optional(), Length(max=500)])


class SanctionForm(FlaskForm):
    kind = SelectField(_l("Sanction"), choices=[SelectChoice("warn", _l("Warn")),
                                                SelectChoice("silence", _l("Silence (read-only)")),
                                                SelectChoice("suspend", _l("Suspend")), SelectChoice("ban", _l("Ban"))])
    days = IntegerField(_l("Days (silence and suspension)"), validators=[Optional(), NumberRange(1, 3650)])
    reason = TextAreaField(_l("Reason shown to the member"), validators=[DataRequired(), Length(max=500)])


class WatchedWordForm(FlaskForm):
    pattern = StringField(_l("Word or pattern"), validators=[DataRequired(), Length(max=200)])
    is_regex = BooleanField(_l("Regular expression"))
    mode = SelectField(_l("What happens"), choices=[SelectChoice("block", _l("Block the post with a message")),
                                                    SelectChoice("hold", _l("Hold it for review")),
                                                    SelectChoice("flag", _l("Flag it automatically"))])
    message = StringField(_l("Message shown when blocked"), validators=[Optional(), Length(max=300)])


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])


class HouseRulesForm(FlaskForm):
    body = TextAreaField(_l("House rules (Markdown)"), validators=[Optional(), Length(max=20000)])
