"""Heavy batches plan on current statistics: tables imported in bulk are
analyzed before a batch reads them, small or current ones are not."""

from odoo.tests import TransactionCase, tagged

from ..tools import pg


@tagged("post_install", "-at_install")
class TestStaleStatistics(TransactionCase):
    def _committed(self, *statements):
        """Run ``statements`` in a transaction of their own, committed, with
        their statistics reported at once (as the end of an import)."""
        with self.registry.cursor() as cr:
            for statement in statements:
                cr.execute(statement)
            cr.execute("SELECT pg_stat_force_next_flush()")

    def test_a_table_imported_in_bulk_is_analyzed(self):
        # Tables imported and then read by a batch, each in a transaction of
        # its own (the test's own transaction would lock them from the
        # batch's: it takes no part).
        self._committed(
            "CREATE TABLE crm_pg_stats_big (id serial PRIMARY KEY, n int)",
            "CREATE TABLE crm_pg_stats_small (id serial PRIMARY KEY, n int)",
            "INSERT INTO crm_pg_stats_big (n) SELECT g FROM generate_series(1, 5000) g",
            "INSERT INTO crm_pg_stats_small (n) SELECT g FROM generate_series(1, 50) g",
        )
        try:
            with self.registry.cursor() as cr:
                # Never analyzed: the catalog knows nothing of its rows.
                cr.execute("SELECT reltuples FROM pg_class WHERE relname = 'crm_pg_stats_big'")
                self.assertLessEqual(cr.fetchone()[0], 0)
                tables = ["crm_pg_stats_big", "crm_pg_stats_small", "no_such_table"]
                self.assertEqual(pg.analyze_stale(cr, tables), ["crm_pg_stats_big"])
                cr.execute("SELECT reltuples FROM pg_class WHERE relname = 'crm_pg_stats_big'")
                self.assertEqual(cr.fetchone()[0], 5000)
                cr.execute("SELECT pg_stat_force_next_flush()")
            with self.registry.cursor() as cr:
                # Analyzed now: the next batch finds nothing to do.
                self.assertEqual(pg.analyze_stale(cr, tables), [])
        finally:
            self._committed("DROP TABLE crm_pg_stats_big", "DROP TABLE crm_pg_stats_small")
