from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from ..tools.ledger_guard import as_system
from .common import LoyaltyCase


@tagged("post_install", "-at_install")
class TestTiersAndExpiry(LoyaltyCase):
    def _tiers(self):
        self.program.write(
            {
                "crm_tier_grace_days": 10,
                "crm_tier_ids": [
                    Command.create({"name": "Silver", "threshold": 150, "multiplier": 1.5}),
                    Command.create({"name": "Gold", "threshold": 400, "multiplier": 2}),
                ],
            }
        )
        return self.program.crm_tier_ids.sorted("threshold")

    def test_upgrade_at_once_multiplies_and_tells_the_customer(self):
        silver, _gold = self._tiers()
        self._loyal_order()  # spend 100: no tier
        card = self._card()
        self.assertFalse(card.crm_tier_id)
        self._loyal_order()  # spend 200: Silver now
        self.assertEqual(card.crm_tier_id, silver)
        self.assertEqual(self.customer.loyalty_tier_id, silver)
        told = card.message_ids.filtered(lambda m: "Loyalty tier of" in m.body)
        self.assertEqual(told.mapped("body"), ["<p>Loyalty tier of Test Club: none → Silver</p>"])
        mail = self.env["mail.mail"].search(
            [
                ("subject", "=", "Welcome to Silver!"),
                ("model", "=", "loyalty.card"),
                ("res_id", "=", card.id),
            ]
        )
        self.assertEqual(len(mail), 1)
        self._loyal_order()  # earns 100 x 1.5
        self.assertEqual(card.points, 100 + 100 + 150)
        self.assertInvariant(card)

    def test_an_order_says_it_issued_the_points_its_tier_gave(self):
        """The order's "Issued" (its portal page and form) is what the card
        got, tier multiplier included, not sale_loyalty's points before it."""
        silver, _gold = self._tiers()
        self._loyal_order()
        first = self._loyal_order()  # spend 200: Silver from now on
        order = self._loyal_order()  # earns 100 x 1.5
        card = self._card()
        self.assertEqual(card.crm_tier_id, silver)
        history = self.env["loyalty.history"].search([("order_id", "=", order.id)])
        self.assertEqual(history.issued, 100)
        self.assertEqual(order.loyalty_data["issued"], 150)
        self.assertEqual(first.loyalty_data["issued"], 100)
        self.assertEqual(card.points, 100 + 100 + 150)
        # The same for the order's salesperson, who can't read the ledger.
        order.user_id = self.salesman
        order.invalidate_recordset(["loyalty_data"])
        self.assertEqual(order.with_user(self.salesman).loyalty_data["issued"], 150)

    def test_a_program_shared_by_companies_counts_spend_in_all(self):
        silver, _gold = self._tiers()
        self.program.company_id = False
        self._loyal_order()
        self._loyal_order()  # spend 200
        self.assertEqual(self._card().crm_tier_id, silver)

    def test_downgrade_only_after_grace(self):
        silver, _gold = self._tiers()
        with freeze_time("2025-01-10 10:00:00"):
            self._loyal_order(lines=((self.product, 2),))
            card = self._card()
            self.assertEqual(card.crm_tier_id, silver)
        with freeze_time("2026-02-01 03:00:00"):  # the spend left the 12 months
            self.env["loyalty.card"]._cron_evaluate_tiers()
            self.assertEqual(card.crm_tier_id, silver)
            self.assertEqual(str(card.crm_tier_below_since), "2026-02-01")
        with freeze_time("2026-02-08 03:00:00"):
            self.env["loyalty.card"]._cron_evaluate_tiers()
            self.assertEqual(card.crm_tier_id, silver)
        with freeze_time("2026-02-12 03:00:00"):
            self.env["loyalty.card"]._cron_evaluate_tiers()
            self.assertFalse(card.crm_tier_id)

    def test_release_after_return_window(self):
        self.program.write(
            {"crm_points_release": "return_window", "crm_release_days": 10, "crm_expiry_months": 6}
        )
        with freeze_time("2026-03-01 10:00:00"):
            order = self._loyal_order()
            self._validate(order.picking_ids)
        card = self._card()
        entry = self._ledger(kind="earn")
        self.assertEqual(str(entry.release_date), "2026-03-11 10:00:00")
        with freeze_time("2026-03-06 10:00:00"):
            self.assertEqual(self.env["loyalty.ledger"]._cron_release(), 0)
        self.assertEqual(card.points, 0)
        with freeze_time("2026-03-12 10:00:00"):
            self.assertEqual(self.env["loyalty.ledger"]._cron_release(), 1)
            self.assertEqual(self.env["loyalty.ledger"]._cron_release(), 0)
        self.assertEqual(card.points, 100)
        self.assertEqual(str(entry.expiry_date), "2026-09-11")
        self.assertInvariant(card)

    def test_return_window_counts_from_the_confirmed_delivery(self):
        """Shipped on 03-01, delivered on 03-05: the customer may return the
        goods until 03-15 (crm_fulfillment counts from delivery), and the
        points wait until then too."""
        self.program.write({"crm_points_release": "return_window", "crm_release_days": 10})
        with freeze_time("2026-03-01 10:00:00"):
            order = self._loyal_order()
            self._validate(order.picking_ids)
        entry = self._ledger(kind="earn")
        self.assertEqual(str(entry.release_date), "2026-03-11 10:00:00")
        with freeze_time("2026-03-06 09:00:00"):
            order._fulfillment_mark_delivered(fields.Datetime.to_datetime("2026-03-05 12:00:00"))
        self.assertEqual(order.fulfillment_stage_code, "delivered")
        self.assertEqual(str(entry.release_date), "2026-03-15 12:00:00")
        card = self._card()
        Ledger = self.env["loyalty.ledger"]
        with freeze_time("2026-03-12 10:00:00"):
            self.assertEqual(Ledger._cron_release(), 0)
        self.assertEqual((card.points, card.crm_points_pending), (0, 100))
        with freeze_time("2026-03-15 13:00:00"):
            self.assertEqual(Ledger._cron_release(), 1)
        card.invalidate_recordset()
        self.assertEqual((card.points, card.crm_points_pending), (100, 0))
        self.assertInvariant(card)

    def test_a_delivery_date_never_brings_a_release_forward(self):
        self.program.write({"crm_points_release": "return_window", "crm_release_days": 10})
        with freeze_time("2026-03-01 10:00:00"):
            order = self._loyal_order()
            self._validate(order.picking_ids)
            entry = self._ledger(kind="earn")
            as_system(entry).release_date = "2026-03-20 10:00:00"
            order._fulfillment_mark_delivered()
        self.assertEqual(str(entry.release_date), "2026-03-20 10:00:00")

    def test_release_after_a_pause_expires_what_is_already_past_its_date(self):
        """The release cron stopped for weeks: a lot whose expiry date has
        passed by the time it is released is written once, empty, and its
        points go on the card's expire entry of the same run."""
        self.program.write(
            {"crm_points_release": "return_window", "crm_release_days": 10, "crm_expiry_months": 1}
        )
        with freeze_time("2026-01-05 10:00:00"):  # released 01-15, expires 02-15
            old = self._loyal_order()
            self._validate(old.picking_ids)
        with freeze_time("2026-02-10 10:00:00"):  # released 02-20, expires 03-20
            recent = self._loyal_order()
            self._validate(recent.picking_ids)
        card = self._card()
        old_lot = self._ledger(kind="earn", order_id=old.id)
        recent_lot = self._ledger(kind="earn", order_id=recent.id)
        Ledger = self.env["loyalty.ledger"]
        with freeze_time("2026-03-01 03:00:00"):
            self.assertEqual(Ledger._cron_release(), 2)
            self.assertEqual(Ledger._cron_expire(), 0)
        self.assertEqual(
            [(lot.state, lot.remaining, str(lot.expiry_date)) for lot in old_lot | recent_lot],
            [("available", 0.0, "2026-02-15"), ("available", 100.0, "2026-03-20")],
        )
        expired = self._ledger(kind="expire")
        self.assertEqual(
            [(e.points, str(e.date), e.partner_id) for e in expired],
            [(-100.0, "2026-03-01 03:00:00", self.customer)],
        )
        self.assertEqual(card.points, 100)
        self.assertInvariant(card)

    def test_expiry_takes_what_is_left_and_warns_once(self):
        self.program.write({"crm_expiry_months": 1, "crm_expiry_warning_days": 7})
        with freeze_time("2026-01-05 10:00:00"):
            self._loyal_order(lines=((self.product, 2),))  # 200 points, expire 2026-02-05
            self._loyal_order(lines=((self.product_small, 1),), reward=True)  # +25 -100
        card = self._card()
        self.assertEqual(card.points, 125)
        with freeze_time("2026-01-31 03:00:00"):
            self.env["loyalty.card"]._cron_expiry_warning()
            self.env["loyalty.card"]._cron_expiry_warning()
        warnings = self.env["mail.mail"].search([("subject", "=", "Your points expire soon")])
        self.assertEqual(len(warnings), 1)
        with freeze_time("2026-02-06 03:00:00"):
            self.env["loyalty.ledger"]._cron_expire()
            self.env["loyalty.ledger"]._cron_expire()
        # Both lots expire the same day: one line on the statement.
        expired = self._ledger(kind="expire")
        self.assertEqual(expired.mapped("points"), [-125.0])
        self.assertEqual(str(expired.date), "2026-02-06 03:00:00")
        self.assertEqual(card.points, 0)
        self.assertInvariant(card)

    def test_expiry_writes_one_entry_per_card_and_run(self):
        other = self.env["res.partner"].create({"name": "Other Member"})
        mine = self.customer._crm_card_for(self.program)
        theirs = other._crm_card_for(self.program)
        Ledger = self.env["loyalty.ledger"]
        for card, points, day in (
            (mine, 10, "2026-01-01"),
            (mine, 5, "2026-01-02"),
            (mine, 3, "2026-03-01"),
            (theirs, 7, "2026-01-01"),
        ):
            Ledger.create(
                {
                    "card_id": card.id,
                    "kind": "adjust",
                    "points": points,
                    "reason": "opening",
                    "expiry_date": day,
                }
            )
        Ledger._sync_cards(mine | theirs)
        with freeze_time("2026-02-01 03:00:00"):
            self.assertEqual(Ledger._cron_expire(), 3)
        with freeze_time("2026-03-02 03:00:00"):
            self.assertEqual(Ledger._cron_expire(), 1)
        expired = self._ledger(kind="expire").sorted(lambda e: (e.date, e.card_id.id))
        self.assertEqual(
            [(e.card_id, e.partner_id, e.points, str(e.date)) for e in expired],
            [
                (mine, self.customer, -15.0, "2026-02-01 03:00:00"),
                (theirs, other, -7.0, "2026-02-01 03:00:00"),
                (mine, self.customer, -3.0, "2026-03-02 03:00:00"),
            ],
        )
        self.assertEqual((mine.points, theirs.points), (0.0, 0.0))
        self.assertInvariant(mine | theirs)

    def _entries(self, count, **vals):
        card = self._card() or self.customer._crm_card_for(self.program)
        self.env["loyalty.ledger"].create(
            [
                {"card_id": card.id, "kind": "adjust", "points": 1, "reason": "bulk", **vals}
                for _i in range(count)
            ]
        )
        self.env["loyalty.ledger"]._sync_cards(card)  # as every writer of entries does
        return card

    def _cron_queries(self, method):
        self.env.flush_all()
        before = self.cr.sql_log_count
        getattr(self.env["loyalty.ledger"], method)()
        return self.cr.sql_log_count - before

    def test_crons_are_set_based(self):
        self._cron_queries("_cron_expire")  # warm the caches (user, timezone)
        self._cron_queries("_cron_release")
        past = fields.Date.from_string("2020-01-01")
        self._entries(10, expiry_date=past)
        ten = self._cron_queries("_cron_expire")
        self._entries(1000, expiry_date=past)
        thousand = self._cron_queries("_cron_expire")
        self.assertEqual(thousand, ten)
        self._entries(10, state="pending", release_date="2020-01-01 00:00:00")
        ten = self._cron_queries("_cron_release")
        self._entries(1000, state="pending", release_date="2020-01-01 00:00:00")
        thousand = self._cron_queries("_cron_release")
        self.assertEqual(thousand, ten)
        self.assertInvariant()

    def test_crons_in_batches_take_every_row_once(self):
        """Batches walk the index from the last key of the previous batch:
        lots sharing an expiry date across a batch boundary, or pending
        entries across one, are each handled exactly once."""
        dates = ["2020-01-01"] * 3 + ["2020-02-01"] * 2 + ["2020-03-01"] * 2
        card = self._entries(len(dates))
        lots = self._ledger(kind="adjust")
        as_system(lots).write({"remaining": 1})
        for lot, day in zip(lots, dates, strict=True):
            as_system(lot).expiry_date = day
        self._entries(5, state="pending", release_date="2020-01-01 00:00:00", remaining=0)
        Ledger = self.env["loyalty.ledger"]
        self.assertEqual(Ledger._cron_release(batch_size=2), 5)
        self.assertEqual(card.points, 12)
        released = self._ledger(kind="adjust", state="available") - lots
        self.assertEqual(released.mapped("remaining"), [1.0] * 5)
        self.assertEqual(Ledger._cron_expire(batch_size=2), 7)
        # Four batches, one entry for the card with what all of them took.
        expired = self._ledger(kind="expire")
        self.assertEqual(expired.mapped("points"), [-7.0])
        self.assertEqual(lots.mapped("remaining"), [0.0] * 7)
        self.assertEqual(card.points, 5)
        self.assertEqual(Ledger._cron_expire(batch_size=2), 0)
        self.assertInvariant(card)

    def test_crons_report_what_is_done_and_left(self):
        """Each batch reports to Odoo's cron runner how many rows are done
        and how many are really left."""
        self._tiers()
        self._loyal_order()
        self._loyal_order(partner=self.env["res.partner"].create({"name": "Second Member"}))
        self._entries(5, state="pending", release_date="2020-01-01 00:00:00", remaining=0)
        reports = []

        def notify(cron, *, done, remaining, deactivate=False):
            reports.append((done, remaining))

        with patch.object(type(self.env["ir.cron"]), "_notify_progress", notify):
            self.env["loyalty.ledger"]._cron_release(batch_size=2)
            self.assertEqual(reports, [(2, 3), (4, 1), (5, 0)])
            reports.clear()
            # The two members' cards, and those of other programs with
            # tiers (the demo data's, on a database that has it).
            cards = self.env["loyalty.card"].search_count(
                [("program_id.crm_tier_ids", "!=", False), ("partner_id", "!=", False)]
            )
            self.env["loyalty.card"]._cron_evaluate_tiers(batch_size=1)
            self.assertEqual(reports, [(done, cards - done) for done in range(1, cards + 1)])
            self.assertGreaterEqual(cards, 2)
