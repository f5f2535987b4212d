"""`flask sla …` (the sweep, for cron) and `flask staff …` commands."""
import click
from flask.cli import AppGroup

sla_cli = AppGroup("sla", help="The SLA clock: escalation sweep and follow-ups.")
staff_cli = AppGroup("staff", help="Staff area settings.")


@sla_cli.command("sweep")
def sweep():
    """One pass: escalate overdue threads, send resolution checks, auto-resolve. Safe to run from cron."""
    from app.services.sla import run_scheduled_work

    result = run_scheduled_work()
    click.echo(f"SLA sweep: {result.summary()}.")
    for label, ids in (("escalated", result.escalated), ("prompted", result.prompted),
                       ("auto-resolved", result.auto_resolved)):
        if ids:
            click.echo(f"  {label}: " + ", ".join(f"#{thread_id}" for thread_id in ids[:50])
                       + (" …" if len(ids) > 50 else ""))


@staff_cli.command("department")
@click.argument("slug")
@click.argument("name")
@click.option("--member", "members", multiple=True, help="Username of a staff member (repeatable).")
def department(slug, name, members):
    """Create or update a department and its members."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Department, User

    users = list(db.session.scalars(select(User).where(User.username.in_(members)))) if members else []
    missing = set(members) - {user.username for user in users}
    not_staff = [user.username for user in users if not user.is_staff]
    if missing or not_staff:
        raise click.UsageError(f"unknown users: {sorted(missing)}; not staff: {not_staff}")
    item = db.session.scalar(select(Department).where(Department.slug == slug)) or Department(slug=slug)
    item.name, item.members = name, users
    db.session.add(item)
    db.session.commit()
    click.echo(f"Department {slug} ({name}): {', '.join(u.username for u in users) or 'no members'}.")
