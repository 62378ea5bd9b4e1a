"""Heavy batches plan on current statistics: tables imported in bulk are
analyzed before a batch reads them."""

from odoo.tests import TransactionCase, tagged

from ..tools import pg


@tagged("post_install", "-at_install")
class TestStaleStatistics(TransactionCase):
    def test_unanalyzed_table_is_analyzed(self):
        cr = self.env.cr
        cr.execute("CREATE TABLE crm_pg_stats_probe (id serial PRIMARY KEY, n int)")
        cr.execute("INSERT INTO crm_pg_stats_probe (n) SELECT g FROM generate_series(1, 5000) g")
        # A table never analyzed: the catalog knows nothing of its rows.
        cr.execute("SELECT reltuples FROM pg_class WHERE relname = 'crm_pg_stats_probe'")
        self.assertLessEqual(cr.fetchone()[0], 0)
        cr.execute("SELECT pg_stat_force_next_flush()")
        self.assertEqual(pg.analyze_stale(cr, ["crm_pg_stats_probe"]), ["crm_pg_stats_probe"])
        cr.execute("SELECT reltuples FROM pg_class WHERE relname = 'crm_pg_stats_probe'")
        self.assertEqual(cr.fetchone()[0], 5000)
        # Tables that are not ours to list, or unknown, are left alone.
        self.assertEqual(pg.analyze_stale(cr, ["no_such_table"]), [])
