"""The loyalty flow in the browser, as a salesperson and as the customer:
points earned, a tier reached, a reward redeemed, and the customer's page."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import LoyaltyCase


@tagged("post_install", "-at_install")
class TestLoyaltyFlowTour(LoyaltyCase, HttpCase):
    """A program of 1 Star per currency unit, a reward of 10 off the order
    for 200 Stars, Silver from 150 of spend (points x1.5) and Gold from
    1,000 (x2); a portal customer of the salesperson, with a card and a
    first order of 100 (100 Stars, no tier yet)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only the test program can give a reward to the tour's orders.
        cls.env["loyalty.program"].search([("id", "!=", cls.program.id)]).active = False
        cls.program.write(
            {
                "portal_point_name": "Stars",
                "crm_tier_ids": [
                    Command.create({"name": "Silver", "threshold": 150, "multiplier": 1.5}),
                    Command.create({"name": "Gold", "threshold": 1000, "multiplier": 2}),
                ],
            }
        )
        cls.reward.required_points = 200
        cls.silver, cls.gold = cls.program.crm_tier_ids.sorted("threshold")
        cls.portal = new_test_user(
            cls.env,
            login="tour_loy_portal",
            groups="base.group_portal",
            name="Tour Loyal Customer",
        )
        cls.tour_customer = cls.portal.partner_id
        cls.tour_customer.user_id = cls.loyalty_user
        cls.card = cls.env["loyalty.card"].create(
            {"partner_id": cls.tour_customer.id, "program_id": cls.program.id, "points": 0}
        )

    def test_earn_reach_a_tier_and_redeem(self):
        first = self._loyal_order(partner=self.tour_customer, confirm=False)
        first.user_id = self.loyalty_user
        first.action_confirm()
        self.assertEqual(self.card.points, 100)
        self.assertFalse(self.card.crm_tier_id)

        self.start_tour("/odoo", "crm_loyalty_flow", login=self.loyalty_user.login, timeout=240)

        orders = self.env["sale.order"].search(
            [("partner_id", "=", self.tour_customer.id), ("id", "!=", first.id)], order="id"
        )
        self.assertEqual(len(orders), 2, "the tour confirms two orders")
        earned, redeemed = orders
        self.assertEqual(orders.mapped("state"), ["sale", "sale"])
        self.assertEqual(orders.user_id, self.loyalty_user)
        self.assertEqual(earned.amount_untaxed, 100)
        self.assertEqual(redeemed.amount_untaxed, 90)
        self.assertEqual(redeemed.order_line.filtered("reward_id").reward_id, self.reward)
        self.assertEqual(
            [(e.kind, e.points, e.state) for e in self._ledger(card_id=self.card.id)],
            [
                ("earn", 100, "available"),
                ("earn", 100, "available"),
                ("redeem", -200, "available"),
                ("earn", 150, "available"),  # 100 x 1.5 in Silver
            ],
        )
        self.assertEqual(self._ledger(kind="earn", order_id=earned.id).points, 100)
        self.assertEqual(self._ledger(kind="redeem").order_id, redeemed)
        self.assertEqual(self.card.points, 150)
        self.assertEqual(self.card.crm_tier_id, self.silver)
        self.assertInvariant(self.card)
        upgrades = self.card.message_ids.filtered(lambda m: "Loyalty tier of" in m.body)
        self.assertEqual(len(upgrades), 1)
        self.assertIn("Loyalty tier of Test Club: none → Silver", upgrades.body)

        self.start_tour("/my/loyalty", "crm_loyalty_portal", login=self.portal.login)
