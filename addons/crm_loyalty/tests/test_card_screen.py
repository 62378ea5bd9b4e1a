"""The card form and the sums of a card at scale (issue 26): the form reads
the latest entries of the card, not the ids of its whole ledger, and the
sums read the indexes made for them, whatever the size of the card's
ledger and of the database."""

import json
from datetime import timedelta
from unittest.mock import patch

from lxml import etree

from odoo import fields
from odoo.sql_db import Cursor
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..models.loyalty_card import LEDGER_LATEST
from .common import LoyaltyCase

ENTRIES = LEDGER_LATEST + 5


class CardCase(LoyaltyCase):
    """The customer's card with ENTRIES goodwill entries, one an hour, the
    newest first in the ledger's order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.env["loyalty.card"].create(
            {"partner_id": cls.customer.id, "program_id": cls.program.id, "points": 0}
        )
        Ledger = cls.env["loyalty.ledger"]
        start = fields.Datetime.now() - timedelta(days=10)
        cls.entries = Ledger.create(
            [
                Ledger._prepare_entry_vals(
                    cls.card, "goodwill", 1, when=start + timedelta(hours=i), reason=f"Entry {i}"
                )
                for i in range(ENTRIES)
            ]
        )


@tagged("post_install", "-at_install")
class TestCardFormLedger(CardCase):
    def test_the_form_reads_the_latest_entries_only(self):
        """The form's list is the latest LEDGER_LATEST entries, newest
        first; what the web client gets for it is their ids and values, not
        the ids of every entry of the card (as a one2many of the card's
        ledger sends them, whatever page it shows)."""
        card = self.card.with_user(self.loyalty_manager)
        arch = etree.fromstring(card.get_views([(False, "form")])["views"]["form"]["arch"])
        page = arch.xpath("//page[@name='crm_ledger']")[0]
        self.assertEqual(
            [node.get("name") for node in page.iter("field") if node.get("name").endswith("_ids")],
            ["crm_ledger_latest_ids"],
        )
        self.assertFalse(arch.xpath("//field[@name='crm_ledger_ids']"))
        spec = {"crm_ledger_latest_ids": {"fields": {"reason": {}}, "limit": 40}}
        lines = card.web_read(spec)[0]["crm_ledger_latest_ids"]
        self.assertEqual(
            [line["reason"] for line in lines],
            [f"Entry {i}" for i in range(ENTRIES - 1, ENTRIES - 1 - LEDGER_LATEST, -1)],
        )
        action = card.action_crm_view_ledger()
        self.assertEqual(action["res_model"], "loyalty.ledger")
        self.assertEqual(self.env["loyalty.ledger"].search(action["domain"]), self.entries)

    def test_salespeople_see_the_entries_they_may_read(self):
        """The latest entries are those the reader may see: an "Own
        Documents Only" salesperson sees none of another salesperson's
        customer's entries, an "All Documents" one sees them all."""
        other = new_test_user(
            self.env, login="loy_card_other", groups="sales_team.group_sale_salesman"
        )
        everyone = new_test_user(
            self.env, login="loy_card_all", groups="sales_team.group_sale_salesman_all_leads"
        )
        self.customer.user_id = other
        self.assertFalse(self.card.with_user(self.loyalty_user).crm_ledger_latest_ids)
        self.assertEqual(len(self.card.with_user(other).crm_ledger_latest_ids), LEDGER_LATEST)
        self.assertEqual(len(self.card.with_user(everyone).crm_ledger_latest_ids), LEDGER_LATEST)

    def test_a_new_card_has_no_entries(self):
        card = self.env["loyalty.card"].new({"program_id": self.program.id})
        self.assertFalse(card.crm_ledger_latest_ids)
        self.assertEqual((card.crm_points_pending, card.crm_points_expiring), (0, 0))


@tagged("post_install", "-at_install")
class TestCardQueriesAtScale(CardCase):
    """A ledger of OTHER_CARDS cards with PENDING pending entries each
    beside the customer's card, which has OLDER entries more, 3 pending
    entries and 2 lots expiring within 30 days; the statistics are read
    again, so that the planner sees the ledger as it is (under 30,000
    rows: ANALYZE reads all of them, the same statistics every run)."""

    OTHER_CARDS = 2000
    PENDING = 10
    OLDER = 2000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Ledger = cls.env["loyalty.ledger"]
        soon = fields.Date.today() + timedelta(days=10)
        Ledger.create(
            [Ledger._prepare_entry_vals(cls.card, "earn", 5, state="pending") for _i in range(3)]
            + [Ledger._prepare_entry_vals(cls.card, "earn", 7, expiry=soon) for _i in range(2)]
        )
        cls.env.flush_all()
        cr = cls.env.cr
        cr.execute(
            SQL(
                """
                WITH cards AS (
                    INSERT INTO loyalty_card (program_id, company_id, code, points, active)
                    SELECT %(program)s, %(company)s, 'crm-scale-' || g, 0, true
                      FROM generate_series(1, %(cards)s) g
                 RETURNING id
                )
                INSERT INTO loyalty_ledger (card_id, program_id, company_id, kind, points, state,
                                            remaining, date, release_date)
                SELECT c.id, %(program)s, %(company)s, 'earn', 10, 'pending', 0,
                       now() - g * interval '1 hour', now() + interval '30 days'
                  FROM cards c CROSS JOIN generate_series(1, %(pending)s) g
                UNION ALL
                SELECT %(card)s, %(program)s, %(company)s, 'goodwill', 1, 'available', 0,
                       now() - interval '30 days' - g * interval '1 hour', NULL
                  FROM generate_series(1, %(older)s) g
                """,
                card=cls.card.id,
                older=cls.OLDER,
                program=cls.program.id,
                company=cls.program.company_id.id or cls.env.company.id,
                cards=cls.OTHER_CARDS,
                pending=cls.PENDING,
            )
        )
        cr.execute("ANALYZE loyalty_ledger")

    def _plans(self, func):
        """The plans of the queries on the ledger that ``func`` makes."""
        queries = []
        execute = Cursor.execute

        def capture(cursor, query, params=None, log_exceptions=True):
            if isinstance(query, SQL):
                queries.append((query.code, query.params))
            else:
                queries.append((query, params))
            return execute(cursor, query, params, log_exceptions)

        self.env.flush_all()
        self.env.invalidate_all()
        with patch.object(Cursor, "execute", capture):
            func()
        plans = []
        for query, params in queries:
            if "loyalty_ledger" in query:
                self.env.cr.execute("EXPLAIN (FORMAT JSON) " + query, params)
                plans.append(json.dumps(self.env.cr.fetchone()[0]))
        return plans

    def test_the_sums_of_a_card_read_its_index_entries(self):
        """Pending points and expiring lots of a card: the entries of the
        card in the indexes by card, not every pending entry of the
        database (the pending index of the crons), nor the table."""
        card = self.card.with_user(self.loyalty_manager)
        plans = self._plans(lambda: card.crm_points_pending)
        self.assertEqual(len(plans), 1)
        self.assertIn('"Index Name": "loyalty_ledger_card_pending_index"', plans[0])
        self.assertIn('"Index Name": "loyalty_ledger_card_lot_index"', plans[0])
        self.assertNotIn("loyalty_ledger_pending_index", plans[0])
        self.assertNotIn("Seq Scan", plans[0])
        self.assertEqual((card.crm_points_pending, card.crm_points_expiring), (15, 14))
        customer = self.customer.with_user(self.loyalty_user)
        self.assertEqual(
            (customer.loyalty_points_pending, customer.loyalty_points_expiring), (15, 14)
        )

    def test_the_latest_entries_are_the_first_of_the_index(self):
        """The form's entries: the first rows of the index by card and
        date, not all the entries of the card sorted, nor the ledger walked
        by date."""
        card = self.card.with_user(self.loyalty_manager)
        plans = self._plans(lambda: card.crm_ledger_latest_ids)
        search = [plan for plan in plans if '"Node Type": "Limit"' in plan]
        self.assertEqual(len(search), 1)
        self.assertIn('"Index Name": "loyalty_ledger_card_date_index"', search[0])
        self.assertIn('"Scan Direction": "Backward"', search[0])
        self.assertNotIn("Sort", search[0])
        self.assertEqual(len(card.crm_ledger_latest_ids), LEDGER_LATEST)
