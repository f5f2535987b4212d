"""`flask trust recompute`: bring every stored trust level up to date (idempotent, with a progress bar)."""
import click
from flask.cli import AppGroup

from app.services import trust

trust_cli = AppGroup("trust", help="Trust levels.")


@trust_cli.command("recompute")
def recompute():
    """Recompute the trust level of every member whose level is not locked by staff."""
    with click.progressbar(length=trust.unlocked_count(), label="Recomputing trust levels", show_pos=True) as bar:
        changed = trust.recompute_all(progress=bar.update)
    click.echo(f"{changed} trust levels changed.")
