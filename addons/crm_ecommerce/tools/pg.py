import io
import json
import logging
import random
import time
from contextlib import contextmanager

from psycopg2 import errors

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Settings for the nightly aggregates over a shop's whole history. With
# PostgreSQL's default 4MB of work_mem their sorts and hashes spill to disk
# and their time grows faster than the data; and their high estimated cost
# triggers JIT compilation, which costs hundreds of milliseconds and gains
# nothing on these plans. Changed for our statements only, then put back.
AGGREGATE_SETTINGS = {"work_mem": "64MB", "jit": "off"}


@contextmanager
def aggregate_settings(cr, settings=None):
    """Run the statements inside with ``settings`` (default
    AGGREGATE_SETTINGS), local to the transaction and restored afterwards.
    On error the transaction is rolled back, which restores them too."""
    settings = settings or AGGREGATE_SETTINGS
    names = list(settings)
    # The transaction's current values, to put back afterwards.
    cr.execute(
        "SELECT " + ", ".join("current_setting(%s)" for _name in names),
        names,
    )
    previous = dict(zip(names, cr.fetchone(), strict=True))
    # Ours, local to the transaction (set_config's third argument).
    for name, value in settings.items():
        cr.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield
    for name, value in previous.items():
        cr.execute("SELECT set_config(%s, %s, true)", [name, value])


def int_array(values):
    """Integers as one array literal, for ``%s::int[]``: the server reads it
    in one go, where a Python list goes as ARRAY[...] with one constant per
    element to parse (tenths of a second for a first run's customers)."""
    return "{" + ",".join(map(str, values)) + "}"


# Tables of some size (a thousand rows: below, any plan is quick) whose
# planner statistics are missing or stale: never analyzed, or changed by
# more than a fifth since (a history imported in bulk, with autovacuum off
# or not yet come by), by this database's counters; or, where those start
# from nothing (a database copied or restored, a server that crashed), by
# the catalog: half a megabyte or more on disk, and never analyzed nor
# vacuumed, or four times the pages it had when it last was.
STALE_TABLES = """SELECT c.relname
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
    """ANALYZE those of ``tables`` whose statistics are missing or stale, so
    that a heavy statement's plan rests on what the tables hold: on
    statistics that still say a table is empty, an aggregate over a whole
    history can run for minutes instead of a second. Cheap when they are
    current (one catalog query). Returns the tables analyzed."""
    cr.execute(STALE_TABLES, [list(tables)])
    stale = [row[0] for row in cr.fetchall()]
    for table in stale:
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    return stale


def analyze_understated(cr, table, rows):
    """ANALYZE ``table`` when the planner counts under half of the ``rows``
    the caller knows it holds, a thousand or more (rows it just wrote in
    bulk, in its own transaction: no statistics counter has them yet, and
    the catalog may still say the table is empty). Returns whether it did."""
    if rows < 1000:
        return False
    cr.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    if cr.fetchone()[0] >= rows / 2:
        return False
    cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    return True


# From this many customers, write_figures sends their figures by COPY.
COPY_FROM = 2000

# The types whose values array_literal writes as they are.
PLAIN_TYPES = frozenset(("int", "int4", "int8", "float8", "numeric", "date", "bool"))


def array_literal(values, sql_type):
    """``values`` as one array literal of ``sql_type``, for ``%s::type[]``
    (see int_array), None as NULL: numbers, dates and booleans as they are,
    any other element quoted; a jsonb element is its JSON text (None:
    JSON's null)."""
    if sql_type in PLAIN_TYPES:
        # A number's, a date's or a boolean's text needs no quotes (nor
        # holds "None"): joined in one go, 84k values of each column at 1x.
        return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"
    if sql_type == "jsonb":
        values = [json.dumps(value) for value in values]
    return (
        "{"
        + ",".join(
            "NULL"
            if value is None
            else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        )
        + "}"
    )


def write_figures(
    cr, columns, company_id, *, records=None, values=None, all_ids, partner_ids, marker=None
):
    """Write customers' figures into crm_customer_figures in a fixed number
    of statements whatever their number: ``records`` [(partner id, *values
    in ``columns`` order)], or the same by column, ``values`` [partner ids,
    *one list per column], go into the customer's row of the company
    ``company_id`` (created if missing; the other columns of a row that
    exists are left as they are); the customers that had figures
    (``marker`` not null, default the first column) and are not in
    ``all_ids`` (among ``partner_ids`` when given) lose them: every column
    of ``columns`` set to null. Returns the ids of the customers that lost
    them.

    The rows that exist are updated by a hash join to the new values, not
    by an upsert, which probes the unique index and locks row by row (for
    every customer of a company, twice as slow); only new customers are
    inserted. The values go as one array literal per column (read by both
    statements), or, from COPY_FROM customers on, by COPY into a temporary
    table, which PostgreSQL reads faster than it parses array literals."""
    if values is None:
        values = [list(column) for column in zip(*records, strict=True)] if records else []
    if values and values[0]:
        copied = len(values[0]) >= COPY_FROM
        if copied:
            _copy_figures(cr, columns, values)
            source = SQL("crm_figures_in AS v")
        else:
            source = _figure_arrays(columns, values)
        _update_figures(cr, columns, company_id, source)
        _insert_figures(cr, columns, company_id, source)
        if copied:
            cr.execute("DROP TABLE crm_figures_in")
    among = (
        SQL("AND partner_id = ANY(%s::int[])", int_array(partner_ids))
        if partner_ids is not None
        else SQL()
    )
    cr.execute(
        SQL(
            "UPDATE crm_customer_figures SET %s WHERE company_id = %s AND %s IS NOT NULL"
            " AND NOT (partner_id = ANY(%s::int[])) %s RETURNING partner_id",
            SQL(", ").join(SQL("%s = NULL", SQL.identifier(name)) for name, _type in columns),
            company_id,
            SQL.identifier(marker or columns[0][0]),
            int_array(all_ids),
            among,
        )
    )
    return [row[0] for row in cr.fetchall()]


def _figure_arrays(columns, values):
    """The FROM item of ``values`` [partner ids, *one list per column], as
    arrays named v(partner_id, *columns)."""
    return SQL(
        "unnest(%s) AS v(partner_id, %s)",
        SQL(", ").join(
            [SQL("%s::int[]", int_array(values[0]))]
            + [
                SQL("%s::%s[]", array_literal(column, sql_type), SQL(sql_type))
                for column, (_name, sql_type) in zip(values[1:], columns, strict=True)
            ]
        ),
        SQL(", ").join(SQL.identifier(name) for name, _type in columns),
    )


def _copy_figures(cr, columns, values):
    """``values`` [partner ids, *one list per column] into a new temporary
    table crm_figures_in(partner_id, *columns), by COPY (its text format:
    None as \\N, texts escaped, JSON as array_literal writes it). Dropped
    with the transaction if the caller does not drop it first."""
    cr.execute(
        SQL(
            "CREATE TEMPORARY TABLE crm_figures_in (partner_id int4, %s) ON COMMIT DROP",
            SQL(", ").join(
                SQL("%s %s", SQL.identifier(name), SQL(sql_type)) for name, sql_type in columns
            ),
        )
    )
    texts = [[str(partner_id) for partner_id in values[0]]]
    for column, (_name, sql_type) in zip(values[1:], columns, strict=True):
        if sql_type == "jsonb":
            # As array_literal: its JSON text, None as JSON's null.
            texts.append([_copy_escape(json.dumps(value)) for value in column])
        elif sql_type in PLAIN_TYPES:
            texts.append(["\\N" if value is None else str(value) for value in column])
        else:
            texts.append(["\\N" if value is None else _copy_escape(str(value)) for value in column])
    data = io.StringIO("".join("\t".join(row) + "\n" for row in zip(*texts, strict=True)))
    cr.copy_expert("COPY crm_figures_in FROM STDIN", data)


def _copy_escape(text):
    """``text`` as a field of COPY's text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _update_figures(cr, columns, company_id, source):
    """Update the rows of the customers of ``source`` (a FROM item named v)
    that have one, joined by hash."""
    cr.execute(
        SQL(
            "UPDATE crm_customer_figures cf SET %s FROM %s"
            " WHERE cf.partner_id = v.partner_id AND cf.company_id = %s",
            SQL(", ").join(
                SQL("%s = %s", SQL.identifier(name), SQL.identifier("v", name))
                for name, _type in columns
            ),
            source,
            company_id,
        )
    )


def _insert_figures(cr, columns, company_id, source):
    """Insert the rows of the customers of ``source`` (a FROM item named v)
    that have none; a row that another transaction created meanwhile is
    updated instead.

    The rows the company has are read once, before the insert (a
    materialized CTE), not by a subquery on the table being inserted into:
    on the first computation of a shop the table is empty, PostgreSQL plans
    a nested loop that scans it again for every new row, and each scan
    reads the pages the insert has added so far (invisible to it, but read):
    84,198 customers of the 1x bench shop took 50 s, not 1 s. The CTE is
    what the table held when the statement started, whatever the plan."""
    cr.execute(
        SQL(
            "WITH existing AS MATERIALIZED ("
            " SELECT partner_id FROM crm_customer_figures WHERE company_id = %s)"
            " INSERT INTO crm_customer_figures (partner_id, company_id, %s)"
            " SELECT v.partner_id, %s, %s FROM %s"
            " WHERE NOT EXISTS (SELECT FROM existing e WHERE e.partner_id = v.partner_id)"
            " ON CONFLICT (partner_id, company_id) DO UPDATE SET %s",
            company_id,
            SQL(", ").join(SQL.identifier(name) for name, _type in columns),
            company_id,
            SQL(", ").join(SQL.identifier("v", name) for name, _type in columns),
            source,
            SQL(", ").join(
                SQL("%(col)s = EXCLUDED.%(col)s", col=SQL.identifier(name))
                for name, _type in columns
            ),
        )
    )


# What Odoo retries for an HTTP request (odoo.service.model.retrying).
CONCURRENCY_ERRORS = (
    errors.SerializationFailure,
    errors.DeadlockDetected,
    errors.LockNotAvailable,
)


def retry_in_cron(env, func, tries=3):
    """Call ``func()``; inside a cron job, start it again on a new
    transaction when a concurrent one made it fail on rows both wrote (a
    customer scored at the confirmation of their first order while the
    nightly run writes every customer): Odoo's cron runner does not retry,
    and the work would wait a day. Elsewhere the error goes to the caller,
    whose transaction it is."""
    if not env.context.get("ir_cron_progress_id"):
        return func()
    for attempt in range(1, tries + 1):
        try:
            return func()
        except CONCURRENCY_ERRORS:
            if attempt == tries:
                raise
            # Drops the caches and pending writes with the transaction.
            env.cr.rollback()
            _logger.info("Concurrent update: the run starts again (try %s)", attempt + 1)
            time.sleep(random.uniform(0, 2**attempt))
    return None
