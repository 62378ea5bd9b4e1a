from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models.sale_order_loyalty import SaleOrder
from .common import LoyaltyCase


@tagged("post_install", "-at_install")
class TestLedgerFlows(LoyaltyCase):
    def test_confirm_earns_per_line_as_odoo_does(self):
        order = self._loyal_order(lines=((self.product, 1), (self.product_small, 2)))
        card = self._card()
        self.assertEqual(card.points, 150)
        earned = self._ledger(kind="earn")
        self.assertEqual(earned.mapped("order_line_id"), order.order_line)
        self.assertEqual(sorted(earned.mapped("points")), [50.0, 100.0])
        self.assertEqual(set(earned.mapped("state")), {"available"})
        self.assertEqual(self.customer.loyalty_points_available, 150)
        self.assertInvariant(card)

    def test_confirm_cancel_reconfirm_never_earns_twice(self):
        order = self._loyal_order()
        card = self._card()
        order._action_cancel()
        self.assertEqual(card.points, 0)
        self.assertInvariant(card)
        order.action_draft()
        order._update_programs_and_rewards()
        order.action_confirm()
        self.assertEqual(card.points, 100)
        self.assertEqual(self._ledger(kind="reverse").mapped("points"), [-100.0])
        self.assertInvariant(card)

    def test_pending_until_delivery(self):
        self.program.crm_points_release = "delivery"
        order = self._loyal_order()
        card = self._card()
        self.assertEqual(card.points, 0)
        self.assertEqual(card.crm_points_pending, 100)
        self.assertEqual(self.customer.loyalty_points_pending, 100)
        self._validate(order.picking_ids)
        self.assertEqual(card.points, 100)
        card.invalidate_recordset()
        self.assertEqual(card.crm_points_pending, 0)
        self.assertInvariant(card)

    def test_cancelling_pending_points(self):
        self.program.crm_points_release = "delivery"
        order = self._loyal_order()
        order._action_cancel()
        card = self._card()
        self.assertEqual(self._ledger(kind="earn").state, "cancelled")
        self.assertEqual(card.points, 0)
        self.assertInvariant(card)

    def test_redemption_consumes_oldest_first(self):
        self._loyal_order(lines=((self.product_small, 3),))  # 75 points
        self._loyal_order(lines=((self.product_small, 3),))  # 75 more
        card = self._card()
        self.assertEqual(card.points, 150)
        old_lot, new_lot = self._ledger(kind="earn")
        self._loyal_order(lines=((self.product_small, 1),), reward=True)  # +25, -100
        self.assertEqual(card.points, 75)
        self.assertEqual(self._ledger(kind="redeem").points, -100)
        self.assertEqual(old_lot.remaining, 0)
        self.assertEqual(new_lot.remaining, 50)
        self.assertInvariant(card)

    def test_redeeming_more_than_available_is_refused(self):
        self._loyal_order(lines=((self.product_small, 6),))  # 150 points
        card = self._card()
        order = self._loyal_order(lines=((self.product_small, 1),), confirm=False)
        order._apply_program_reward(self.reward, card)
        self.assertTrue(order.order_line.filtered("is_reward_line"))
        card.points = 50  # spent elsewhere meanwhile: 50 + 25 < 100
        before = len(self._ledger())
        with self.assertRaises(ValidationError):
            order.action_confirm()
        self.assertEqual(len(self._ledger()), before)
        self.assertEqual(card.points, 50)
        self.assertInvariant(card)

    def test_goodwill_once_per_late_order(self):
        self.program.crm_goodwill_points = 10
        order = self._loyal_order()
        order._on_fulfillment_late()
        order._on_fulfillment_late()
        goodwill = self._ledger(kind="goodwill")
        self.assertEqual(goodwill.mapped("points"), [10.0])
        self.assertEqual(self._card().points, 110)
        self.assertInvariant()

    def test_goodwill_from_a_program_shared_by_companies(self):
        self.program.write({"crm_goodwill_points": 10, "company_id": False})
        order = self._loyal_order()
        order._on_fulfillment_late()
        self.assertEqual(self._ledger(kind="goodwill").mapped("points"), [10.0])
        self.assertInvariant()

    def test_outside_changes_become_adjustments(self):
        self._loyal_order()
        card = self._card()
        card.points = 130
        adjust = self._ledger(kind="adjust")
        self.assertEqual(adjust.points, 30)
        self.assertIn("Balance changed on the card", adjust.reason)
        self.assertInvariant(card)


@tagged("post_install", "-at_install")
class TestLedgerQueries(LoyaltyCase):
    def _confirm_queries(self, line_count, record=True):
        order = self._loyal_order(lines=[(self.product_small, 1)] * line_count, confirm=False)
        self.env.flush_all()
        before = self.cr.sql_log_count
        if record:
            order.action_confirm()
        else:
            with patch.object(SaleOrder, "_crm_record_confirmation", lambda self: None):
                order.action_confirm()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_confirm_adds_a_fixed_number_of_queries(self):
        self._confirm_queries(1)  # warm up: the card exists from now on
        added_1 = self._confirm_queries(1) - self._confirm_queries(1, record=False)
        added_20 = self._confirm_queries(20) - self._confirm_queries(20, record=False)
        self.assertEqual(added_20, added_1)
