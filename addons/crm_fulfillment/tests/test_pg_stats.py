"""Heavy batches plan on current statistics: tables imported in bulk are
analyzed before a batch reads them, small or current ones are not. And a
cron that a concurrent transaction made fail starts again."""

from unittest.mock import patch

from psycopg2 import errors

from odoo.tests import BaseCase, TransactionCase, tagged

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

    def test_a_copied_database_is_analyzed_by_its_size(self):
        # A database copied (or restored, or after a crash) starts its
        # counters from nothing: the catalog's pages, against the table's
        # size on disk, tell what the counters cannot.
        self._committed(
            "CREATE TABLE crm_pg_stats_copied (id serial PRIMARY KEY, n int)",
            "ANALYZE crm_pg_stats_copied",  # analyzed while empty
            "INSERT INTO crm_pg_stats_copied (n) SELECT g FROM generate_series(1, 20000) g",
        )
        self._committed(
            "SELECT pg_stat_reset_single_table_counters('crm_pg_stats_copied'::regclass)"
        )
        try:
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT n_live_tup, last_analyze FROM pg_stat_user_tables"
                    " WHERE relname = 'crm_pg_stats_copied'"
                )
                self.assertEqual(cr.fetchone(), (0, None))
                self.assertEqual(
                    pg.analyze_stale(cr, ["crm_pg_stats_copied"]), ["crm_pg_stats_copied"]
                )
                cr.execute("SELECT reltuples FROM pg_class WHERE relname = 'crm_pg_stats_copied'")
                self.assertEqual(cr.fetchone()[0], 20000)
                cr.execute("SELECT pg_stat_force_next_flush()")
            with self.registry.cursor() as cr:
                self.assertEqual(pg.analyze_stale(cr, ["crm_pg_stats_copied"]), [])
        finally:
            self._committed("DROP TABLE crm_pg_stats_copied")


class _Cursor:
    def __init__(self):
        self.rollbacks = 0

    def rollback(self):
        self.rollbacks += 1


class _Env:
    def __init__(self, context):
        self.context = context
        self.cr = _Cursor()


@tagged("post_install", "-at_install")
class TestRetryInCron(BaseCase):
    def _flaky(self, failures):
        calls = []

        def run():
            calls.append(1)
            if len(calls) <= failures:
                raise errors.SerializationFailure("could not serialize access")
            return "done"

        return run, calls

    def test_a_cron_starts_again_after_a_concurrent_update(self):
        env = _Env({"ir_cron_progress_id": 7})
        run, calls = self._flaky(2)
        with patch.object(pg.time, "sleep") as sleep:
            self.assertEqual(pg.retry_in_cron(env, run), "done")
        self.assertEqual((len(calls), env.cr.rollbacks, sleep.call_count), (3, 2, 2))

    def test_a_cron_gives_up_after_its_tries(self):
        env = _Env({"ir_cron_progress_id": 7})
        run, calls = self._flaky(5)
        with patch.object(pg.time, "sleep"), self.assertRaises(errors.SerializationFailure):
            pg.retry_in_cron(env, run)
        self.assertEqual((len(calls), env.cr.rollbacks), (pg.CRON_TRIES, pg.CRON_TRIES - 1))

    def test_outside_a_cron_the_caller_gets_the_error(self):
        env = _Env({})
        run, calls = self._flaky(1)
        with self.assertRaises(errors.SerializationFailure):
            pg.retry_in_cron(env, run)
        self.assertEqual((len(calls), env.cr.rollbacks), (1, 0))
