"""Loyalty cards that existed before the ledger: their balance opens it,
their past orders earn nothing again, and other cards are left alone."""

from odoo.tests import tagged

from ..hooks import post_init_hook
from .common import LoyaltyCase


@tagged("post_install", "-at_install")
class TestExistingCards(LoyaltyCase):
    def _forget_ledger(self):
        """As before the install: the cards hold points, the ledger nothing."""
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM loyalty_ledger WHERE program_id = %s", (self.program.id,))
        self.env.invalidate_all()

    def test_opening_balance_and_past_orders(self):
        old = self._loyal_order(lines=((None, 2),))  # 200 points
        card = self._card()
        self.assertEqual(card.points, 200)
        gift = self.env["loyalty.program"].create(
            {"name": "Gift Cards (test)", "program_type": "gift_card"}
        )
        gift_card = self.env["loyalty.card"].create(
            {"program_id": gift.id, "points": 50, "partner_id": self.customer.id}
        )
        self._forget_ledger()

        post_init_hook(self.env)

        opening = self._ledger()
        self.assertEqual(len(opening), 1)
        self.assertEqual(
            (opening.kind, opening.points, opening.remaining, opening.state),
            ("adjust", 200, 200, "available"),
        )
        self.assertEqual(opening.partner_id, self.customer)
        self.assertIn("Opening balance", opening.reason)
        self.assertFalse(opening.expiry_date)
        self.assertFalse(opening.order_id)
        self.assertFalse(self.env["loyalty.ledger"].search([("card_id", "=", gift_card.id)]))
        self.assertEqual(gift_card.points, 50)
        self.assertInvariant(card)

        # The old order's delivery releases nothing and earns nothing again.
        self._validate(old.picking_ids)
        self.assertEqual(self._ledger(), opening)
        self.assertEqual(card.points, 200)

        # A new order earns as usual.
        self._loyal_order()
        self.assertEqual(card.points, 300)
        self.assertInvariant(card)

        # Cancelling the old order: sale_loyalty takes its points back, and
        # the ledger says so.
        old.with_user(self.manager)._action_cancel()
        reversal = self._ledger(order_id=old.id)
        self.assertEqual((reversal.kind, reversal.points), ("reverse", -200))
        self.assertIn("before the points ledger", reversal.reason)
        self.assertEqual(card.points, 100)
        self.assertInvariant(card)

    def test_old_redemption_cancelled_gives_the_points_back(self):
        self._loyal_order(lines=((None, 2),))  # 200 points
        spent = self._loyal_order(reward=True)
        card = self._card()
        issued, cost = spent._crm_ledger_changes()[card]
        self.assertEqual(cost, 100)
        balance = card.points
        self._forget_ledger()
        post_init_hook(self.env)
        self.assertInvariant(card)
        spent.with_user(self.manager)._action_cancel()
        self.assertEqual(
            sorted(self._ledger(order_id=spent.id).mapped("points")), sorted([-issued, cost])
        )
        self.assertAlmostEqual(card.points, balance - issued + cost, places=2)
        self.assertInvariant(card)
