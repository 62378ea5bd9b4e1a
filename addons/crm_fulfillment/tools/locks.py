"""The one way the addons serialize two flows on the same rows."""

from odoo.tools import SQL


def lock_rows(cr, table, ids):
    """Lock the rows ``ids`` of ``table`` until the transaction ends, with a
    no-op UPDATE: a concurrent transaction that locks or writes them waits,
    then fails to serialize (Odoo retries it, and the retry sees this
    transaction's work). The UPDATE writes a new version of each row, so
    the concurrent one fails even where this flow reads the rows without
    changing them (the order lines a return claims); a ``SELECT ... FOR
    UPDATE`` would let it go on after the wait with what it read before."""
    if ids:
        cr.execute(
            SQL(
                "UPDATE %s SET write_date = write_date WHERE id IN %s",
                SQL.identifier(table),
                tuple(ids),
            )
        )
