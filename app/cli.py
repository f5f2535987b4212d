"""`flask users …` and `flask seed …` commands; other areas add their own groups here."""
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from app.services import accounts
from app.services.errors import ValidationFailed

users_cli = AppGroup("users", help="Manage accounts.")
seed_cli = AppGroup("seed", help="Load demo data.")


@users_cli.command("create")
@click.argument("username")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["member", "staff", "moderator", "admin"]), default="member")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(username, email, role, password_stdin):
    """Create an account; prompts for the password unless --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.register(accounts.Registration(username, email, password, role=role))
    except ValidationFailed as error:
        for field, message in error.fields.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1)
    click.echo(f"Created {user.role} {user.username} <{user.email}>.")


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_demo(if_empty):
    """Categories, staff, members and 40+ threads in every state."""
    from app.services import demo_data

    if if_empty and demo_data.has_users():
        click.echo("Database has users already; demo data not loaded.")
        return
    summary = demo_data.load()
    click.echo(summary)


@click.command("jobs")
def run_jobs():
    """Run every background job (SLA sweep, search indexer) until stopped: one such process per deployment."""
    import logging

    from flask import current_app

    from app import background

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    background.run_every_job(current_app._get_current_object())


def register_cli(app: Flask) -> None:
    app.cli.add_command(run_jobs)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_cli)
    from app.staff.cli import sla_cli, staff_cli

    app.cli.add_command(sla_cli)
    app.cli.add_command(staff_cli)
    from app.kb.cli import search_cli
    from app.notifications.cli import register as register_notifications_cli

    register_notifications_cli(app)

    app.cli.add_command(search_cli)
    from app.moderation.cli import trust_cli

    app.cli.add_command(trust_cli)
    from app.people.cli import badges_cli, reputation_cli

    app.cli.add_command(reputation_cli)
    app.cli.add_command(badges_cli)
