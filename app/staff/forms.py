from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=5000)],
                         description=_l("Only staff can see this."))


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), validators=[DataRequired()])


class DepartmentForm(FlaskForm):
    department = SelectField(_l("Department"), validators=[DataRequired()])
    note = TextAreaField(_l("Internal note for the department"), validators=[DataRequired(), Length(max=5000)])


class ReturnForm(FlaskForm):
    note = TextAreaField(_l("What did the department find?"), validators=[DataRequired(), Length(max=5000)])


class CannedReplyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=3, max=120)])
    body = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(min=10, max=10000)],
                         description=_l("Markdown. Placeholders: {asker} and {thread_title}."))


class AnnouncementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=3, max=160)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)],
                         description=_l("Markdown works: **bold**, lists, links."))
    severity = SelectField(_l("Severity"), choices=[SelectChoice("info", _l("Information")),
                                                    SelectChoice("warning", _l("Warning")),
                                                    SelectChoice("outage", _l("Outage"))])
    starts_at = DateTimeLocalField(_l("Starts (UTC)"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                   description=_l("Empty means now."))
    ends_at = DateTimeLocalField(_l("Ends (UTC)"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                 description=_l("Empty means until removed."))
    categories = SelectMultipleField(_l("Only for these categories"), validators=[Optional()],
                                     description=_l("None selected: shown on every page."))


class CategorySlaForm(FlaskForm):
    sla_minutes = IntegerField(_l("Community window (minutes)"),
                               validators=[InputRequired(), NumberRange(min=1, max=60 * 24 * 30)],
                               description=_l("How long the community has before the question goes to staff."))
    staff_response_minutes = IntegerField(_l("Staff target (minutes)"),
                                          validators=[InputRequired(), NumberRange(min=1, max=60 * 24 * 30)])
    business_hours = TextAreaField(_l("Business hours (JSON)"), validators=[Optional()],
                                   description=_l('Empty: the clock always runs. Example: {"timezone": '
                                                  '"Europe/Berlin", "weekdays": [0, 1, 2, 3, 4], "opens": "09:00", '
                                                  '"closes": "17:00", "holidays": ["2026-12-25"]}'))


class DepartmentEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=80)])
    slug = StringField(_l("Short name (URL)"), validators=[DataRequired(), Length(min=2, max=64)])
    members = SelectMultipleField(_l("Members"), validators=[Optional()])


class ResolutionForm(FlaskForm):
    comment = TextAreaField(_l("What is still wrong? (optional)"), validators=[Optional(), Length(max=2000)])
