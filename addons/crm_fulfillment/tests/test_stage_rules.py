from datetime import datetime

from odoo.tests import TransactionCase

from ..tools import stages


class TestStageRules(TransactionCase):
    def test_order_stage_from_state(self):
        self.assertEqual(stages.order_stage("draft", False, [], False, False), "quotation")
        self.assertEqual(stages.order_stage("sent", False, [], False, False), "quotation")
        self.assertEqual(stages.order_stage("cancel", False, ["ready"], True, True), "cancelled")
        self.assertEqual(
            stages.order_stage("sale", True, ["ready"], False, False), "awaiting_payment"
        )
        self.assertEqual(stages.order_stage("sale", False, [], False, False), "paid")

    def test_partial_delivery_shows_least_advanced(self):
        self.assertEqual(
            stages.order_stage("sale", False, ["packed", "ready"], True, False), "ready"
        )
        self.assertEqual(stages.order_stage("sale", False, [], True, False), "shipped")
        self.assertEqual(stages.order_stage("sale", False, [], True, True), "delivered")
        self.assertEqual(stages.order_stage("sale", False, ["paid"], True, True), "paid")

    def test_picking_stage_per_route(self):
        self.assertEqual(stages.picking_stage("out", "assigned", "ship_only"), "ready")
        self.assertEqual(stages.picking_stage("out", "confirmed", "ship_only"), "paid")
        self.assertEqual(stages.picking_stage("pick", "assigned", "pick_ship"), "ready")
        self.assertEqual(stages.picking_stage("out", "assigned", "pick_ship"), "picked")
        self.assertEqual(stages.picking_stage("pack", "assigned", "pick_pack_ship"), "picked")
        self.assertEqual(stages.picking_stage("out", "assigned", "pick_pack_ship"), "packed")

    def test_hours_and_deadline(self):
        start = datetime(2026, 3, 2, 8, 0)
        self.assertEqual(stages.hours_between(start, datetime(2026, 3, 2, 9, 30)), 1.5)
        self.assertEqual(stages.hours_between(start, datetime(2026, 3, 1)), 0.0)
        self.assertEqual(stages.hours_between(False, start), 0.0)
        self.assertEqual(stages.sla_deadline(start, 4), datetime(2026, 3, 2, 12, 0))
        self.assertIsNone(stages.sla_deadline(start, 0))
