"""PostgreSQL helpers of the fulfilment and loyalty batches: plain
functions on a cursor, no ORM."""

import logging
import random
import time

from psycopg2 import errors

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Of a thousand rows or more (below, any plan is quick): never analyzed,
# or a fifth of the rows changed since the last ANALYZE, by this database's
# counters; or, where those start from nothing (a database copied, or
# restored, or a server that crashed: they are not kept), by the catalog:
# half a megabyte or more on disk, and never analyzed nor vacuumed, or four
# times the pages it had when it last was.
_STALE = """SELECT c.relname
  FROM pg_class c
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
 WHERE c.relname = ANY(%s) AND c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
   AND (
        (s.n_live_tup >= 1000
         AND (COALESCE(s.last_analyze, s.last_autoanalyze) IS NULL
              OR s.n_mod_since_analyze > 0.2 * s.n_live_tup))
     OR (pg_relation_size(c.oid) >= 64 * current_setting('block_size')::int
         AND (c.reltuples < 0
              OR pg_relation_size(c.oid) > 4 * GREATEST(c.relpages, 1)::bigint
                                           * current_setting('block_size')::int))
   )"""


def analyze_stale(cr, tables):
    """Bring the planner statistics of ``tables`` up to date where they are
    missing or stale (orders and transfers imported in bulk, autovacuum off
    or behind), before a statement that reads them all: a plan made for
    empty tables can run for minutes. One catalog query when they are
    current; returns the tables analyzed."""
    cr.execute(_STALE, [list(tables)])
    analyzed = [name for (name,) in cr.fetchall()]
    for name in analyzed:
        cr.execute(SQL("ANALYZE %s", SQL.identifier(name)))
    return analyzed


# What Odoo retries for an HTTP request (odoo.service.model.retrying): two
# transactions wrote the same rows, and one must start again.
CONCURRENCY_ERRORS = (
    errors.SerializationFailure,
    errors.DeadlockDetected,
    errors.LockNotAvailable,
)
CRON_TRIES = 3


def retry_in_cron(env, func):
    """Call ``func()``; inside a cron job (ir.cron._run_job, which runs it
    in a transaction of its own), start it again on a new transaction when
    a concurrent transaction made it fail on the rows both wrote: Odoo
    retries such errors for HTTP requests but not for crons, whose work
    would wait for their next interval (a day for some). Elsewhere (a
    button, a test) the error goes to the caller, whose transaction it is."""
    if not env.context.get("ir_cron_progress_id"):
        return func()
    for attempt in range(1, CRON_TRIES + 1):
        try:
            return func()
        except CONCURRENCY_ERRORS:
            if attempt == CRON_TRIES:
                raise
            # Drops the caches and pending writes with the transaction.
            env.cr.rollback()
            _logger.info("Concurrent update: the batch starts again (try %s)", attempt + 1)
            time.sleep(random.uniform(0, 2**attempt))
    return None
