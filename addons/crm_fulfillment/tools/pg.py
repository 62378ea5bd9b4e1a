"""PostgreSQL helpers of the fulfilment and loyalty batches: plain
functions on a cursor, no ORM."""

from odoo.tools import SQL

# Of a thousand rows or more (below, any plan is quick): never analyzed,
# or a fifth of the rows changed since the last ANALYZE.
_STALE = """SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s)
AND n_live_tup >= 1000
AND (COALESCE(last_analyze, last_autoanalyze) IS NULL OR n_mod_since_analyze > 0.2 * n_live_tup)"""


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
