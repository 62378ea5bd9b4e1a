import json
from contextlib import contextmanager

from odoo.tools import SQL

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
# or not yet come by).
STALE_TABLES = """SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s)
AND n_live_tup >= 1000
AND (COALESCE(last_analyze, last_autoanalyze) IS NULL OR n_mod_since_analyze > 0.2 * n_live_tup)"""


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


def write_company_figures(cr, table, columns, key, *, records, all_ids, partner_ids, marker=None):
    """Write company-dependent figures in two statements whatever their
    number: ``records`` [(id, *values in ``columns`` order)], sent as one
    JSON document, go into the company's ``key`` of each jsonb column of
    ``columns`` [(name, SQL type)]; the rows that had figures and are not
    in ``all_ids`` (among ``partner_ids`` when given) lose that key in every
    column; who has figures is read from ``marker`` (default: the first
    column; one with an index on its keys is best). Returns the ids of the
    rows that lost them."""
    if records:
        sets = SQL(", ").join(
            SQL(
                "%(col)s = COALESCE(t.%(col)s, '{}'::jsonb)"
                " || jsonb_build_object(%(key)s::text, (v.e->>%(at)s)::%(type)s)",
                col=SQL.identifier(name),
                key=key,
                at=at,
                type=SQL(sql_type),
            )
            for at, (name, sql_type) in enumerate(columns, start=1)
        )
        cr.execute(
            SQL(
                "UPDATE %s t SET %s FROM jsonb_array_elements(%s::jsonb) AS v(e)"
                " WHERE t.id = (v.e->>0)::int",
                SQL.identifier(table),
                sets,
                json.dumps(records),
            )
        )
    resets = SQL(", ").join(
        SQL("%(col)s = %(col)s - %(key)s::text", col=SQL.identifier(name), key=key)
        for name, _type in columns
    )
    among = (
        SQL("AND id = ANY(%s::int[])", int_array(partner_ids)) if partner_ids is not None else SQL()
    )
    cr.execute(
        SQL(
            "UPDATE %s SET %s WHERE %s ? %s AND NOT (id = ANY(%s::int[])) %s RETURNING id",
            SQL.identifier(table),
            resets,
            SQL.identifier(marker or columns[0][0]),
            key,
            int_array(all_ids),
            among,
        )
    )
    return [row[0] for row in cr.fetchall()]
