from odoo import Command
from odoo.addons.crm_fulfillment.tests.common import FulfillmentCase
from odoo.tests import new_test_user


class LoyaltyCase(FulfillmentCase):
    """A loyalty program giving 1 point per currency unit, a 100-point
    reward, and untaxed products so that the numbers are easy to read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["loyalty.program"].search([("program_type", "=", "loyalty")]).active = False
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Test Club",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "rule_ids": [
                    Command.create({"reward_point_mode": "money", "reward_point_amount": 1})
                ],
                "reward_ids": [
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount": 10,
                            "discount_mode": "per_order",
                            "required_points": 100,
                        }
                    )
                ],
            }
        )
        cls.reward = cls.program.reward_ids
        (cls.product | cls.product_rare).write({"taxes_id": [Command.clear()], "list_price": 100.0})
        cls.product_small = cls._storable("Loyalty Spoon", 25.0, stock=100)
        cls.product_small.taxes_id = [Command.clear()]
        cls.loyalty_user = new_test_user(
            cls.env, login="loy_user", groups="sales_team.group_sale_salesman"
        )
        cls.loyalty_manager = cls.manager

    def _card(self, partner=None):
        return self.env["loyalty.card"].search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("program_id", "=", self.program.id),
            ]
        )

    def _ledger(self, **domain):
        return self.env["loyalty.ledger"].search(
            [("program_id", "=", self.program.id)] + [(k, "=", v) for k, v in domain.items()],
            order="id",
        )

    def _loyal_order(self, lines=((None, 1),), confirm=True, reward=False, partner=None):
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create({"product_id": (p or self.product).id, "product_uom_qty": q})
                    for p, q in lines
                ],
            }
        )
        order._update_programs_and_rewards()
        if reward:
            card = self._card(partner)
            order._apply_program_reward(self.reward, card)
        if confirm:
            order.action_confirm()
        return order

    def assertInvariant(self, card=None):
        """The card's points are the sum of its available entries."""
        self.env.flush_all()
        cards = card or self.env["loyalty.card"].search([("program_id", "=", self.program.id)])
        for each in cards:
            each.invalidate_recordset(["points"])
            available = sum(self._ledger(card_id=each.id, state="available").mapped("points"))
            self.assertAlmostEqual(each.points, available, places=2, msg=f"card {each.code}")
