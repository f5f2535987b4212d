"""`flask search …`: rebuild, check and feed the search index.

All three take the index's single-writer lock (app.search.indexer.writer_lock),
so they never write beside each other or beside the in-server indexer.
"""
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.search import indexer
from app.search.documents import all_documents, count_visible, documents_for
from app.search.semantic import store as vectors
from app.services import search as search_service

search_cli = AppGroup("search", help="Rebuild, verify and feed the search index.")

REPAIR_CHUNK = 500
LOCK_WAIT_SECONDS = 300


@search_cli.command("reindex")
def reindex():
    """Rebuild the whole index from the database into a new generation and swap it in.

    Searches keep using the old index until the new one is complete. Index
    updates wait meanwhile (their outbox rows stay) and are applied after.
    With SEARCH_SEMANTIC on, every thread's vector is then brought up to date
    (computed where its text or the model changed; the others are identical).
    """
    started = time.perf_counter()
    try:
        with indexer.writer_lock(wait=LOCK_WAIT_SECONDS):
            total = count_visible()
            with click.progressbar(length=total, label="Indexing threads", show_pos=True,
                                   show_percent=True) as bar:
                indexed = search_service.backend().rebuild(all_documents(), progress=bar.update)
            seconds = time.perf_counter() - started
            rate = indexed / seconds if seconds else 0.0
            click.echo(f"Indexed {indexed} threads in {seconds:.1f} s ({rate:.0f} threads/s).")
            if vectors.enabled():
                started = time.perf_counter()
                with click.progressbar(length=total, label="Embedding threads", show_pos=True,
                                       show_percent=True) as bar:
                    embedded = vectors.rebuild(all_documents(), progress=bar.update)
                seconds = time.perf_counter() - started
                click.echo(f"Embedded {embedded} threads in {seconds:.1f} s "
                           f"({embedded / seconds if seconds else 0.0:.1f} threads/s); "
                           f"{total - embedded} vectors were current.")
    except indexer.WriterBusy as error:
        raise click.ClickException(f"{error}; try again later") from None


@search_cli.command("verify")
@click.option("--repair", is_flag=True, help="Index missing and stale threads, drop extra ones.")
@click.option("--show", default=20, show_default=True, help="How many ids of each kind to list.")
def verify(repair, show):
    """Compare the index with the database: missing, stale and extra threads."""
    docs = list(all_documents())
    expected = {doc.thread_id: doc.version for doc in docs}
    indexed = search_service.backend().doc_versions()
    missing = sorted(expected.keys() - indexed.keys())
    extra = sorted(indexed.keys() - expected.keys())
    stale = sorted(thread_id for thread_id in expected.keys() & indexed.keys()
                   if expected[thread_id] != indexed[thread_id])
    click.echo(f"{len(expected)} visible threads, {len(indexed)} indexed.")
    _list_ids({"missing": missing, "stale": stale, "extra": extra}, show)
    vector_problems = vectors.compare(docs) if vectors.enabled() else {}
    if vector_problems:
        click.echo("Vectors (SEARCH_SEMANTIC):")
        _list_ids(vector_problems, show, indent="  ")
    off_vectors = any(vector_problems.values())
    if not (missing or stale or extra or off_vectors):
        click.echo("The index matches the database.")
        return
    if not repair:
        click.echo("Run `flask search verify --repair` (or `flask search reindex`) to fix it.")
        raise SystemExit(1)
    try:
        with indexer.writer_lock(wait=LOCK_WAIT_SECONDS):
            to_index = missing + stale
            for start in range(0, len(to_index), REPAIR_CHUNK):
                # Read again under the lock: a thread may have changed since the comparison.
                search_service.add(list(documents_for(to_index[start:start + REPAIR_CHUNK]).values()))
            gone = set(extra) - documents_for(extra).keys()
            search_service.remove(sorted(gone))
            if off_vectors:
                embedded = vectors.rebuild(all_documents())
                click.echo(f"Repaired vectors: embedded {embedded}.")
    except indexer.WriterBusy as error:
        raise click.ClickException(f"{error}; try again later") from None
    click.echo(f"Repaired: indexed {len(to_index)}, removed {len(gone)}.")


def _list_ids(kinds: dict[str, list[int]], show: int, indent: str = "") -> None:
    for label, ids in kinds.items():
        listed = ", ".join(map(str, ids[:show])) + (" …" if len(ids) > show else "")
        click.echo(f"{indent}{label}: {len(ids)}" + (f" ({listed})" if ids else ""))


@search_cli.command("indexer")
@click.option("--once", is_flag=True, help="Drain the outbox until it is empty, then exit.")
@click.option("--interval", type=float, default=None, help="Seconds to sleep when idle "
              "(default: SEARCH_INDEXER_INTERVAL_SECONDS).")
def run_indexer(once, interval):
    """The single indexer process for deployments with several server processes.

    Switch the in-server indexer off there (SEARCH_RUN_INDEXER_IN_SERVER=false);
    if both run anyway, the writer lock keeps them from writing at once.
    """
    if once:
        processed = indexer.drain_all()
        click.echo(f"Processed {processed} outbox rows; {indexer.pending_count()} left.")
        return
    interval = interval or current_app.config["SEARCH_INDEXER_INTERVAL_SECONDS"]
    click.echo(f"Indexer running (idle interval {interval} s); Ctrl+C stops it.")
    try:
        indexer.run_forever(interval)
    except KeyboardInterrupt:
        click.echo("Indexer stopped.")
