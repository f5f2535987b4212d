"""Admin settings of the staff area: categories' SLA windows and the department list.

A changed SLA applies to questions asked from then on; existing threads keep
the due date they were given when asked, so nobody's deadline moves under them.
"""
import json
import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import policy
from app.domain.business_hours import BusinessHours
from app.extensions import db
from app.models import STAFF_ROLES, Category, Department, User
from app.services.errors import NotFound, ValidationFailed

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


def require_admin(user: User) -> None:
    policy.can_administer(user).enforce()


def parse_business_hours(raw: str | None) -> dict | None:
    """The JSON an admin typed, checked by the same rules the SLA clock uses; clear messages."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValidationFailed(_("Please correct the marked fields."), {
            "business_hours": _("This is not valid JSON (line %(line)d, column %(col)d): %(msg)s",
                                line=error.lineno, col=error.colno, msg=error.msg)}) from None
    try:
        hours = BusinessHours.from_config(data)
    except (ValueError, TypeError) as error:
        raise ValidationFailed(_("Please correct the marked fields."),
                               {"business_hours": _("Business hours: %(problem)s", problem=str(error))}) from None
    return hours.to_config() if hours else None


def update_category_sla(actor: User, category: Category, sla_minutes, staff_response_minutes,
                        business_hours_json: str | None) -> Category:
    require_admin(actor)
    errors = {}
    for name, value in (("sla_minutes", sla_minutes), ("staff_response_minutes", staff_response_minutes)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 60 * 24 * 30:
            errors[name] = _("Use a whole number of minutes from 1 to 43200 (30 days).")
    try:
        hours = parse_business_hours(business_hours_json)
    except ValidationFailed as error:
        errors.update(error.fields)
        hours = None
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    category.sla_minutes, category.staff_response_minutes, category.business_hours = (
        sla_minutes, staff_response_minutes, hours)
    db.session.commit()
    return category


def get_category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(_("No such category."))
    return category


def get_department(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound(_("No such department."))
    return department


def save_department(actor: User, name: str, slug: str, member_ids: list[int],
                    department: Department | None = None) -> Department:
    require_admin(actor)
    name, slug = " ".join((name or "").split()), (slug or "").strip().lower()
    errors = {}
    if not 2 <= len(name) <= 80:
        errors["name"] = _("Use 2 to 80 characters.")
    if not SLUG.match(slug):
        errors["slug"] = _("Use lower-case letters, digits and hyphens (2 to 64).")
    members = list(db.session.scalars(select(User).where(User.id.in_(member_ids or []))))
    if len(members) != len(set(member_ids or [])) or any(m.role not in STAFF_ROLES for m in members):
        errors["members"] = _("Members must be staff accounts.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    if department is None:
        department = Department()
        db.session.add(department)
    department.name, department.slug, department.members = name, slug, members
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed(_("Please correct the marked fields."),
                               {"slug": _("Another department uses this short name.")}) from None
    return department
