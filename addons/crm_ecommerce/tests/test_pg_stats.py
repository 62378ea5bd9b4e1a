"""A bulk write of the figures is followed by statistics that count it: the
statements that read the table next are not planned for an empty one."""

from unittest.mock import patch

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

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


@tagged("post_install", "-at_install")
class TestWriteFigures(TransactionCase):
    def _written(self, columns, partners):
        """The rows of ``partners`` in the current company, ``columns``
        (SQL expressions) after the partner id, by partner."""
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, %s FROM crm_customer_figures"
                " WHERE company_id = %s AND partner_id = ANY(%s) ORDER BY partner_id",
                SQL(columns),
                self.env.company.id,
                partners.ids,
            )
        )
        return self.env.cr.fetchall()

    def _both_ways(self, check):
        """``check()`` with the figures sent as array literals, then by
        COPY (as from COPY_FROM customers on)."""
        for copy_from in (pg.COPY_FROM, 1):
            with self.subTest(copy=copy_from == 1), patch.object(pg, "COPY_FROM", copy_from):
                check()
                self.env.cr.execute("SELECT to_regclass('crm_figures_in')")
                self.assertIsNone(self.env.cr.fetchone()[0], "the temporary table is dropped")

    def test_every_value_comes_back_as_it_was_sent(self):
        """The figures go as one array literal per column, or by COPY: any
        text, a missing value and JSON (its null too) are read back
        unchanged."""
        self._both_ways(self._check_every_value)

    def _check_every_value(self):
        partners = self.env["res.partner"].create([{"name": f"Figures {i}"} for i in range(3)])
        columns = (
            ("rfm_signature", "text"),
            ("rfm_frequency", "int"),
            ("churn_risk", "bool"),
            ("rfm_last_order_date", "date"),
            ("rfm_monetary", "float8"),
            ("score_factors", "jsonb"),
        )
        texts = ['a "quoted", {braced} \\ back\\slash', "NULL", "été\nnext\tline\r\\N"]
        records = [
            (partners[0].id, texts[0], 3, True, "2026-11-29", 12.5, [["Recency", 20]]),
            (partners[1].id, texts[1], None, False, None, None, None),
            (partners[2].id, texts[2], 0, None, "2024-02-29", -0.25, {"a": 'b"c'}),
        ]
        company = self.env.company.id
        lost = pg.write_figures(
            self.env.cr,
            columns,
            company,
            records=records,
            all_ids=partners.ids,
            partner_ids=partners.ids,
        )
        self.assertEqual(lost, [])
        self.assertEqual(
            self._written(
                "rfm_signature, rfm_frequency, churn_risk, rfm_last_order_date::text,"
                " rfm_monetary, score_factors, jsonb_typeof(score_factors)",
                partners,
            ),
            [
                (*records[0], "array"),
                (*records[1][:6], None, "null"),
                (*records[2], "object"),
            ],
        )
        # Written again without one of them: it loses its figures.
        lost = pg.write_figures(
            self.env.cr,
            columns,
            company,
            records=records[:1],
            all_ids=partners[:1].ids,
            partner_ids=partners.ids,
        )
        self.assertEqual(sorted(lost), sorted(partners[1:].ids))

    def test_existing_rows_are_updated_and_new_ones_inserted(self):
        """Given by column, a customer with a row and one without: the first
        row keeps its other columns and gets the new values, the second is
        created; nobody else is touched."""
        self._both_ways(self._check_existing_rows)

    def _check_existing_rows(self):
        partners = self.env["res.partner"].create([{"name": f"Mixed {i}"} for i in range(3)])
        company = self.env.company.id
        self.env.cr.execute(
            "INSERT INTO crm_customer_figures (partner_id, company_id, rfm_segment, rfm_frequency)"
            " VALUES (%s, %s, 'champions', 7), (%s, %s, 'at_risk', 2)",
            (partners[0].id, company, partners[2].id, company),
        )
        columns = (("rfm_frequency", "int"), ("rfm_signature", "text"))
        lost = pg.write_figures(
            self.env.cr,
            columns,
            company,
            values=[[partners[1].id, partners[0].id], [4, 9], ["new", "updated"]],
            all_ids=partners.ids,
            partner_ids=partners.ids,
        )
        self.assertEqual(lost, [])
        self.assertEqual(
            self._written("rfm_segment, rfm_frequency, rfm_signature", partners),
            [
                (partners[0].id, "champions", 9, "updated"),
                (partners[1].id, None, 4, "new"),
                (partners[2].id, "at_risk", 2, None),
            ],
        )

    def test_new_rows_do_not_read_the_table_again_for_each_of_them(self):
        """On a shop's first computation the figures' table is empty, and
        PostgreSQL checks which customers have a row with a nested loop
        over the table (forced here, as it plans it for an empty table).
        Each new row must not read the table again with the pages inserted
        so far: 84,198 customers took 50 s on the 1x bench shop, 0.5 s
        without."""
        cr = self.env.cr
        settings = ("hashjoin", "mergejoin", "material", "indexscan", "indexonlyscan", "bitmapscan")
        rows = 1000
        ids = list(range(2_000_000_001, 2_000_000_001 + rows))
        columns = (("rfm_frequency", "int"), ("rfm_signature", "text"))
        source = pg._figure_arrays(columns, [ids, list(range(rows)), ["x" * 200] * rows])
        fetched = SQL("SELECT pg_stat_get_xact_blocks_fetched('crm_customer_figures'::regclass)")
        before = self.env.execute_query(fetched)[0][0]
        pages = self.env.execute_query(
            SQL(
                "SELECT pg_relation_size('crm_customer_figures') / current_setting('block_size')::int"
            )
        )[0][0]
        try:
            for setting in settings:
                cr.execute(SQL("SET enable_%s = off", SQL(setting)))
            pg._insert_figures(cr, columns, self.env.company.id, source)
        finally:
            for setting in settings:
                cr.execute(SQL("RESET enable_%s", SQL(setting)))
        read = self.env.execute_query(fetched)[0][0] - before
        count = self.env.execute_query(
            SQL("SELECT count(*) FROM crm_customer_figures WHERE partner_id = ANY(%s)", ids)
        )
        self.assertEqual(count[0][0], rows)
        # The table once, and a few pages per row inserted (where it goes):
        # not the table again per row (a hundred times as many here).
        self.assertLess(read, pages + 4 * rows)

    def test_texts_read_back_as_sent_whatever_they_hold(self):
        """Texts go quoted, their quotes and backslashes escaped:
        PostgreSQL reads back the same texts."""
        for texts in (
            ["7:2026-11-29:10|15|2025-01-19", "", " spaced ", "NULL", "a,b", "{x}"],
            ['a","b', "plain"],
            ['one "quote"', "back\\slash"],
            ["alone"],
            [],
        ):
            with self.subTest(texts=texts):
                self.env.cr.execute("SELECT %s::text[]", [pg.array_literal(texts, "text")])
                self.assertEqual(self.env.cr.fetchone()[0], texts)
