"""`flask reputation …` and `flask badges …`: rebuilding the cache and awarding what history earned."""
import click
from flask.cli import AppGroup

from app.domain.badges import BADGES
from app.services import badges, reputation_history, reputation_ledger

reputation_cli = AppGroup("reputation", help="The reputation ledger.")
badges_cli = AppGroup("badges", help="Badge awards.")


@reputation_cli.command("recompute")
def recompute():
    """Set every user's reputation to 1 + the sum of their ledger rows; report who differed."""
    with click.progressbar(length=reputation_ledger.user_count(), label="Recomputing reputation") as bar:
        mismatches = reputation_ledger.recompute(progress=bar.update)
    for item in mismatches:
        click.echo(f"{item.username} (#{item.user_id}): stored {item.stored}, ledger {item.ledger} — fixed")
    click.echo(f"{len(mismatches)} user(s) differed from the ledger.")


@reputation_cli.command("import-history")
def import_history():
    """Write ledger rows for votes and acceptances made before the ledger existed (once; safe to repeat)."""
    with click.progressbar(length=reputation_history.pending_count(), label="Importing history") as bar:
        written = reputation_history.import_history(progress=bar.update)
    click.echo(f"Wrote {written} ledger row(s).")


@badges_cli.command("backfill")
def backfill():
    """Award every badge the whole history has earned and nobody holds yet, dated when it was earned."""
    with click.progressbar(length=len(BADGES), label="Evaluating badges") as bar:
        gained = badges.backfill(progress=lambda _badge: bar.update(1))
    for slug, count in gained.items():
        if count:
            click.echo(f"{slug}: +{count}")
    click.echo(f"{sum(gained.values())} badge(s) awarded.")
