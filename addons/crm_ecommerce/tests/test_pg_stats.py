"""A bulk write of the figures is followed by statistics that count it: the
statements that read the table next are not planned for an empty one."""

from odoo.tests import TransactionCase, tagged

from ..tools import pg


@tagged("post_install", "-at_install")
class TestUnderstatedTable(TransactionCase):
    def _committed(self, *statements):
        with self.registry.cursor() as cr:
            for statement in statements:
                cr.execute(statement)

    def test_rows_written_in_bulk_are_counted_before_they_are_read(self):
        # Analyzed while empty: the catalog says 0 rows, and the rows then
        # written by the reader's own transaction are in no counter.
        self._committed(
            "CREATE TABLE crm_pg_stats_understated (id serial PRIMARY KEY, n int)",
            "ANALYZE crm_pg_stats_understated",
        )
        try:
            with self.registry.cursor() as cr:
                cr.execute(
                    "INSERT INTO crm_pg_stats_understated (n)"
                    " SELECT g FROM generate_series(1, 20000) g"
                )
                table = "crm_pg_stats_understated"
                # A few rows (a customer scored at an order's confirmation):
                # nothing to do, whatever the catalog says.
                self.assertFalse(pg.analyze_understated(cr, table, 999))
                self.assertTrue(pg.analyze_understated(cr, table, 20000))
                cr.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
                self.assertEqual(cr.fetchone()[0], 20000)
                # Counted now: no second ANALYZE.
                self.assertFalse(pg.analyze_understated(cr, table, 20000))
        finally:
            self._committed("DROP TABLE crm_pg_stats_understated")
