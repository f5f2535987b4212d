"""Periodic jobs that run inside a server process (event relay, SLA sweep, search indexer).

Each job is idempotent and safe beside a second copy (see the job's own
module), so several server processes, or a cron run of the same CLI
command, never do the work twice. Deployments with several processes
switch the in-server sweep and indexer off and run `flask jobs` instead (README).
"""
import logging

from flask import Flask

from app.extensions import socketio

log = logging.getLogger("peerdesk.background")


def _loop(app: Flask, name: str, interval: float, job) -> None:
    while True:
        try:
            with app.app_context():
                job()
        except Exception:
            log.exception("background job %s failed; retrying in %ss", name, interval)
        socketio.sleep(interval)


def every_job(app: Flask) -> list[tuple[str, float, object, str]]:
    """The jobs one process does for the whole deployment, each with the setting that runs it in a server."""
    config = app.config
    from app.services.sla import run_scheduled_work

    jobs = [("sla", config["SLA_SWEEP_INTERVAL_SECONDS"], run_scheduled_work, "SLA_RUN_SWEEP_IN_SERVER")]
    # PostgreSQL search is written in each change's own transaction: nothing to drain,
    # unless thread vectors (SEARCH_SEMANTIC) follow the outbox.
    if config["SEARCH_BACKEND"] == "whoosh" or (config["SEARCH_BACKEND"] == "postgres" and config["SEARCH_SEMANTIC"]):
        jobs.append(("search-indexer", config["SEARCH_INDEXER_INTERVAL_SECONDS"], _drain_search_outbox,
                     "SEARCH_RUN_INDEXER_IN_SERVER"))
    return jobs


def _drain_search_outbox(batch_size: int | None = None) -> int:
    """The indexer, imported by the process that runs it: it brings the vector store and numpy."""
    from app.search.indexer import drain_outbox

    return drain_outbox(batch_size)


def jobs_for(app: Flask) -> list[tuple[str, float, object]]:
    """The jobs this server process runs: its own event relay, and the others when switched on."""
    config = app.config
    jobs = []
    if config["EVENTS_RUN_RELAY_IN_SERVER"]:
        from app.events.relay import Relay

        relay = Relay(gap_seconds=config["EVENTS_RELAY_GAP_SECONDS"])
        jobs.append(("events-relay", config["EVENTS_RELAY_INTERVAL_SECONDS"], relay.relay_once))
    return jobs + [(name, interval, job) for name, interval, job, setting in every_job(app) if config[setting]]


def start(app: Flask) -> None:
    for name, interval, job in jobs_for(app):
        socketio.start_background_task(_loop, app, name, interval, job)
        log.info("started background job %s every %ss", name, interval)
    if app.config["NOTIFY_RUN_WORKER_IN_SERVER"]:
        from app.notifications.dispatcher import run_worker

        # Its own loop: a committed event wakes it at once, instead of waiting for the next tick.
        socketio.start_background_task(run_worker, app)
        log.info("started the notification dispatcher and mail delivery worker")


def run_every_job(app: Flask) -> None:
    """`flask jobs`: the one background process of a deployment with several server processes.

    The servers there switch their in-server jobs off; this process runs every
    job whatever those settings say, until it is stopped.
    """
    workers = [socketio.start_background_task(_loop, app, name, interval, job)
               for name, interval, job, _setting in every_job(app)]
    for name, interval, _job, _setting in every_job(app):
        log.info("running background job %s every %ss", name, interval)
    for worker in workers:
        worker.join()
