from datetime import timedelta

import psycopg2
from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LoyaltyCase


@tagged("post_install", "-at_install")
class TestLedgerReturns(LoyaltyCase):
    def _odoo_return(self, order, qty_by_product):
        picking = order.picking_ids.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        )
        wizard = self.env["stock.return.picking"].create({"picking_id": picking.id})
        for line in wizard.product_return_moves:
            line.quantity = qty_by_product.get(line.product_id, 0)
        return_picking = wizard._create_return()
        self._validate(return_picking)
        return return_picking

    def test_partial_return_reverses_in_proportion_once(self):
        order = self._loyal_order(lines=((self.product, 2), (self.product_small, 4)))  # 200 + 100
        self._validate(order.picking_ids)
        card = self._card()
        self.assertEqual(card.points, 300)
        return_picking = self._odoo_return(order, {self.product: 1})
        reverse = self._ledger(kind="reverse")
        self.assertEqual(reverse.points, -100)
        self.assertEqual(reverse.order_line_id.product_id, self.product)
        self.assertEqual(card.points, 200)
        return_picking._action_done()  # validating again changes nothing
        self.assertEqual(len(self._ledger(kind="reverse")), 1)
        self.assertInvariant(card)
        # and the database refuses a second reversal for the same move
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            reverse.copy()
            self.env.flush_all()
        self.assertEqual(len(self._ledger(kind="reverse")), 1)

    def test_points_sit_on_the_products_that_earned_them(self):
        # the program rewards the mugs only: the spoons earn nothing
        self.program.rule_ids.product_ids = self.product
        order = self._loyal_order(lines=((self.product, 2), (self.product_small, 4)))
        self._validate(order.picking_ids)
        card = self._card()
        self.assertEqual(card.points, 200)
        earned = self._ledger(kind="earn")
        self.assertEqual(earned.order_line_id.product_id, self.product)
        self.assertEqual(earned.points, 200)
        self._odoo_return(order, {self.product_small: 4})  # nothing to take back
        self.assertFalse(self._ledger(kind="reverse"))
        self._odoo_return(order, {self.product: 2})  # all of it
        self.assertEqual(self._ledger(kind="reverse").points, -200)
        self.assertEqual(card.points, 0)
        self.assertInvariant(card)

    def test_spent_points_capped_at_zero_unless_negative_allowed(self):
        order = self._loyal_order()  # 100
        self._validate(order.picking_ids)
        self._loyal_order(lines=((self.product_small, 1),), reward=True)  # +25 -100
        card = self._card()
        self.assertEqual(card.points, 25)
        self._odoo_return(order, {self.product: 1})
        self.assertEqual(card.points, 0)
        self.assertEqual(self._ledger(kind="reverse").points, -25)
        self.assertIn("could not be taken back", card.message_ids[0].body)
        self.assertInvariant(card)

    def test_a_return_reads_the_lots_it_spends_from(self):
        """A card's lots grow with every order: a debit reads the first
        lots that hold what it takes, with the points they hold (the whole
        balance when it holds less), in one statement when the first lots
        hold it, two when it needs more of them."""
        order = self._loyal_order()  # 100
        self._validate(order.picking_ids)
        card = self._card()
        Ledger = self.env["loyalty.ledger"].sudo()
        Ledger.create(
            [Ledger._prepare_entry_vals(card, "adjust", 10, reason=f"Lot {i}") for i in range(30)]
        )
        lots = Ledger._lots(card)
        self.assertEqual(len(lots), 31)
        self.assertEqual(Ledger._lots_covering(card, 100), (lots[:1], 100))
        self.assertEqual(Ledger._lots_covering(card, 100.01), (lots[:2], 110))
        self.assertEqual(Ledger._lots_covering(card, 135), (lots[:5], 140))
        # More than the first read (16 lots: 250 points) holds.
        self.assertEqual(Ledger._lots_covering(card, 260), (lots[:17], 260))
        self.assertEqual(Ledger._lots_covering(card, 1000), (lots, 400))
        self.assertEqual(Ledger._lots_covering(card, 400), (lots, 400))
        self.assertEqual(Ledger._lots_covering(card, 0), (lots[:0], 0))
        self.env.flush_all()
        with self.assertQueryCount(1):
            Ledger._lots_covering(card, 135)
        with self.assertQueryCount(2):
            Ledger._lots_covering(card, 260)
        self._odoo_return(order, {self.product: 1})
        self.assertEqual(card.points, 300)
        self.assertEqual(self._ledger(kind="reverse").points, -100)
        self.assertEqual(sum(Ledger._lots(card).mapped("remaining")), 300)
        self.assertInvariant(card)

    def test_negative_balance_when_allowed(self):
        self.program.crm_allow_negative = True
        order = self._loyal_order()
        self._validate(order.picking_ids)
        self._loyal_order(lines=((self.product_small, 1),), reward=True)
        self._odoo_return(order, {self.product: 1})
        self.assertEqual(self._card().points, -75)
        self.assertInvariant()

    def test_pending_points_of_returned_goods_are_cancelled(self):
        self.program.write({"crm_points_release": "return_window", "crm_release_days": 10})
        order = self._loyal_order(lines=((self.product, 2),))
        self._validate(order.picking_ids)
        self._odoo_return(order, {self.product: 1})
        card = self._card()
        self.assertEqual(card.crm_points_pending, 100)
        self.assertEqual(card.points, 0)
        self.env["loyalty.ledger"]._release(self._ledger(state="pending"))
        self.assertEqual(card.points, 100)
        self.assertEqual(self._ledger(kind="earn").remaining, 100)
        self.assertInvariant(card)

    def test_release_in_batches_takes_a_later_batch_reversal_off_its_lot(self):
        """Half the goods came back before the points were released: the
        pending reversal comes after its earned entry, in a later batch of
        the release cron. The lot is released with what is left of it, not
        with the whole of its points, so that expiry later takes only that."""
        self.program.write(
            {"crm_points_release": "return_window", "crm_release_days": 10, "crm_expiry_months": 1}
        )
        with freeze_time("2026-03-01 10:00:00"):
            order = self._loyal_order(lines=((self.product, 2),))  # 200 points
            self._validate(order.picking_ids)
            self._odoo_return(order, {self.product: 1})
        card = self._card()
        earned = self._ledger(kind="earn")
        reversal = self._ledger(kind="reverse")
        self.assertEqual((earned.points, reversal.points, reversal.state), (200, -100, "pending"))
        self.assertGreater(reversal.id, earned.id)
        Ledger = self.env["loyalty.ledger"]
        with freeze_time("2026-03-12 10:00:00"):
            self.assertEqual(Ledger._cron_release(batch_size=1), 2)
        self.assertEqual((earned.state, earned.remaining), ("available", 100))
        self.assertEqual((reversal.state, reversal.remaining), ("available", 0))
        self.assertEqual(card.points, 100)
        with freeze_time("2026-04-20 03:00:00"):
            self.assertEqual(Ledger._cron_expire(), 1)
        self.assertEqual(self._ledger(kind="expire").points, -100)
        self.assertEqual(card.points, 0)
        self.assertInvariant(card)

    def test_cancelling_after_a_partial_return_takes_back_the_rest(self):
        """Half the goods came back, then the order was cancelled: the
        customer keeps none of its points, and the part the return already
        took is not taken twice."""
        order = self._loyal_order(lines=((self.product, 2),))  # 200
        self._validate(order.picking_ids)
        self._odoo_return(order, {self.product: 1})
        card = self._card()
        self.assertEqual(card.points, 100)
        order._action_cancel()
        self.assertEqual(card.points, 0)
        reversals = self._ledger(kind="reverse").sorted("id")
        self.assertEqual(
            [(r.points, bool(r.move_id), r.reason.split(":")[0]) for r in reversals],
            [(-100.0, True, "Returned"), (-100.0, False, "Order cancelled")],
        )
        self.assertInvariant(card)

    def test_cancelling_after_a_partial_return_while_pending_cancels_both(self):
        """The points were still pending when half the goods came back and
        the order was cancelled: the earned entry and its pending reversal
        are both cancelled, and the release cron later releases nothing."""
        self.program.write({"crm_points_release": "return_window", "crm_release_days": 10})
        with freeze_time("2026-03-01 10:00:00"):
            order = self._loyal_order(lines=((self.product, 2),))
            self._validate(order.picking_ids)
            self._odoo_return(order, {self.product: 1})
            order._action_cancel()
        card = self._card()
        self.assertEqual(
            sorted((e.kind, e.points, e.state) for e in self._ledger(order_id=order.id)),
            [("earn", 200.0, "cancelled"), ("reverse", -100.0, "cancelled")],
        )
        card.invalidate_recordset()
        self.assertEqual(card.crm_points_pending, 0)
        with freeze_time("2026-03-20 10:00:00"):
            self.assertEqual(self.env["loyalty.ledger"]._cron_release(), 0)
        self.assertEqual(card.points, 0)
        self.assertInvariant(card)

    def test_goods_returned_after_cancelling_are_not_taken_twice(self):
        """The order was cancelled after delivery (its points taken back),
        then the goods came back: the return takes nothing more from the
        points the customer earned elsewhere."""
        self._loyal_order()  # 100 from another order
        order = self._loyal_order(lines=((self.product, 2),))  # 200
        self._validate(order.picking_ids)
        card = self._card()
        order._action_cancel()
        self.assertEqual(card.points, 100)
        self._odoo_return(order, {self.product: 1})
        self.assertEqual(self._ledger(kind="reverse").mapped("points"), [-200.0])
        self.assertEqual(card.points, 100)
        self.assertInvariant(card)

    def test_full_return_gives_redeemed_points_back(self):
        self._loyal_order(lines=((self.product, 2),))  # 200
        order = self._loyal_order(lines=((self.product_small, 4),), reward=True)  # +100 -100
        self._validate(order.picking_ids)
        card = self._card()
        self.assertEqual(card.points, 200)
        self._odoo_return(order, {self.product_small: 4})
        # earned 100 reversed, redeemed 100 given back
        self.assertEqual(card.points, 200)
        self.assertEqual(sorted(self._ledger(kind="reverse").mapped("points")), [-100.0, 100.0])
        self.assertInvariant(card)

    def test_store_credit_through_the_ledger(self):
        self.program.crm_store_credit_rate = 2
        self.product.invoice_policy = "order"
        order = self._loyal_order()
        self._validate(order.picking_ids)
        reason = self.env["sale.return.reason"].create({"name": "Credit reason"})
        ret = self.env["sale.return"].create(
            {
                "order_id": order.id,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "order_line_id": order.order_line[0].id,
                            "quantity": 1,
                            "reason_id": reason.id,
                            "resolution": "credit",
                        },
                    )
                ],
            }
        )
        ret.action_request()
        ret.action_approve()
        self._validate(ret.picking_ids)
        ret.action_done()
        credit = self._ledger(kind="adjust")
        self.assertEqual(credit.points, 200)  # 100 x 2 points per unit
        self.assertIn(ret.name, credit.reason)
        self.assertEqual(self._card().points, 100 - 100 + 200)
        self.assertInvariant()


@tagged("post_install", "-at_install")
class TestLedgerExchanges(LoyaltyCase):
    """Goods an RMA return exchanges keep their points: the customer keeps
    what they paid for. The resolution can change until the return is
    resolved, and the points follow the final one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.invoice_policy = "order"
        cls.reason = cls.env["sale.return.reason"].create({"name": "Wrong size"})

    def _delivered(self, qty=2, **kw):
        order = self._loyal_order(lines=((self.product, qty),), **kw)
        self._validate(order.picking_ids)
        order._create_invoices().action_post()
        return order

    def _rma(self, order, qty, resolution, product=None):
        line = order.order_line.filtered(lambda ln: ln.product_id == (product or self.product))
        ret = self.env["sale.return"].create(
            {
                "order_id": order.id,
                "line_ids": [
                    Command.create(
                        {
                            "order_line_id": line.id,
                            "quantity": qty,
                            "reason_id": self.reason.id,
                            "resolution": resolution,
                        }
                    )
                ],
            }
        )
        ret.action_request()
        ret.action_approve()
        self._validate(ret.picking_ids)
        self.assertEqual(ret.state, "received")
        return ret

    def assertLotsHoldTheBalance(self, card):
        lots = self._ledger(card_id=card.id, state="available").filtered(lambda e: e.remaining > 0)
        card.invalidate_recordset(["points"])
        self.assertAlmostEqual(sum(lots.mapped("remaining")), card.points, places=2)

    def test_an_exchange_keeps_its_points(self):
        order = self._delivered()
        card = self._card()
        ret = self._rma(order, 1, "exchange")
        self.assertFalse(self._ledger(kind="reverse"))
        self.assertEqual(card.points, 200)
        ret.action_done()
        self.assertFalse(self._ledger(kind="reverse"))
        self.assertEqual(card.points, 200)
        self.assertInvariant(card)

    def test_a_refund_takes_the_points_back_on_receipt(self):
        order = self._delivered()
        card = self._card()
        ret = self._rma(order, 1, "refund")
        self.assertEqual(self._ledger(kind="reverse").points, -100)
        self.assertEqual(card.points, 100)
        ret.action_done()  # nothing more
        self.assertEqual(self._ledger(kind="reverse").points, -100)
        self.assertEqual(card.points, 100)
        self.assertInvariant(card)

    def test_switched_to_a_refund_after_receipt_takes_them_at_resolution(self):
        order = self._delivered()
        card = self._card()
        ret = self._rma(order, 1, "exchange")
        ret.line_ids.resolution = "refund"  # no replacement in stock, say
        ret.action_done()
        self.assertEqual(self._ledger(kind="reverse").points, -100)
        self.assertEqual(card.points, 100)
        self.assertInvariant(card)
        self.assertLotsHoldTheBalance(card)

    def test_switched_to_an_exchange_after_receipt_gives_them_back_once(self):
        order = self._delivered()
        card = self._card()
        ret = self._rma(order, 1, "refund")
        self.assertEqual(card.points, 100)
        ret.line_ids.resolution = "exchange"
        ret.action_done()
        reversal, counter = self._ledger(kind="reverse")
        self.assertEqual((reversal.points, counter.points), (-100, 100))
        self.assertEqual(counter.source_id, reversal)
        self.assertIn("Exchanged", counter.reason)
        self.assertEqual(card.points, 200)
        self.assertInvariant(card)
        self.assertLotsHoldTheBalance(card)
        ret.order_id._crm_restore_exchanged(reversal.move_id)  # a second call gives nothing
        self.assertEqual(len(self._ledger(kind="reverse")), 2)
        # cancelling the order afterwards takes back all the order gave
        order._action_cancel()
        self.assertEqual(card.points, 0)
        self.assertInvariant(card)

    def test_a_pending_reversal_is_given_back_pending(self):
        self.program.write({"crm_points_release": "return_window", "crm_release_days": 10})
        with freeze_time("2026-03-01 10:00:00"):
            order = self._delivered()
            ret = self._rma(order, 1, "refund")
            ret.line_ids.resolution = "exchange"
            ret.action_done()
        card = self._card()
        counter = self._ledger(kind="reverse", state="pending").filtered(lambda e: e.points > 0)
        self.assertEqual(counter.points, 100)
        self.assertEqual(str(counter.release_date), "2026-03-11 10:00:00")
        self.assertEqual((card.points, card.crm_points_pending), (0, 200))
        with freeze_time("2026-03-12 10:00:00"):
            self.env["loyalty.ledger"]._cron_release()
        card.invalidate_recordset()
        self.assertEqual((card.points, card.crm_points_pending), (200, 0))
        self.assertInvariant(card)
        self.assertLotsHoldTheBalance(card)

    def test_cancelling_a_pending_order_cancels_the_give_back_too(self):
        self.program.write({"crm_points_release": "return_window", "crm_release_days": 10})
        order = self._delivered()
        ret = self._rma(order, 1, "refund")
        ret.line_ids.resolution = "exchange"
        ret.action_done()
        order._action_cancel()
        self.assertFalse(self._ledger(state="pending"))
        with freeze_time(fields.Datetime.now() + timedelta(days=11)):
            self.env["loyalty.ledger"]._cron_release()
        card = self._card()
        self.assertEqual(card.points, 0)
        self.assertInvariant(card)

    def test_a_full_exchange_keeps_the_redeemed_points_spent(self):
        self._loyal_order(lines=((self.product, 2),))  # 200
        order = self._delivered(qty=1, reward=True)  # +100 -100
        card = self._card()
        self.assertEqual(card.points, 200)
        self._rma(order, 1, "exchange").action_done()
        self.assertFalse(self._ledger(kind="reverse"))
        self.assertEqual(card.points, 200)
        self.assertInvariant(card)
