"""`flask mail worker | deliver | digest` and `flask notify dispatch`."""
import threading

import click
from flask import current_app
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="The mail outbox: delivery worker and daily digest.")
notify_cli = AppGroup("notify", help="Turn committed events into notifications and mail.")


@mail_cli.command("worker")
@click.option("--once", is_flag=True,
              help="One pass (staff-target breaches, dispatch events, send due mail), then exit.")
def worker(once):
    """Dispatch events and send the outbox until stopped (safe beside a second worker)."""
    from app.notifications import breaches, delivery, dispatcher

    if once:
        breaches.announce_breaches()
        dispatched = dispatcher.dispatch_all()
        sent = delivery.deliver_due()
        click.echo(f"dispatched {dispatched} events, sent {sent} messages")
        return
    click.echo("mail worker running (Ctrl+C stops it)")
    dispatcher.run_worker(current_app._get_current_object(), stop=threading.Event())


@mail_cli.command("deliver")
def deliver():
    """Send every message that is due now, once."""
    from app.notifications import delivery

    click.echo(f"sent {delivery.deliver_due()} messages")


@mail_cli.command("digest")
def digest():
    """Queue today's digest for every user who has one (idempotent per user and day)."""
    from app.notifications.digest import send_digests

    click.echo(f"queued {send_digests()} digests")


@notify_cli.command("dispatch")
def dispatch():
    """Turn every undispatched event into notifications and outbox rows, once."""
    from app.notifications import dispatcher

    click.echo(f"dispatched {dispatcher.dispatch_all()} events")


def register(app):
    app.cli.add_command(mail_cli)
    app.cli.add_command(notify_cli)
