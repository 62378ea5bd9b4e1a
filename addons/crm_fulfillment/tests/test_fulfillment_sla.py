from unittest.mock import patch

from freezegun import freeze_time

from odoo.addons.crm_fulfillment.models.sale_order_sla import SaleOrder

from .common import FulfillmentCase


class TestFulfillmentSla(FulfillmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stages["ready"].sla_hours = 2

    def _late_activities(self, order):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("summary", "like", "Late in"),
            ]
        )

    def test_late_order_flagged_once_with_one_activity_and_one_hook_call(self):
        with freeze_time("2026-06-01 09:00:00"):
            order = self._order(user_id=self.salesman.id)
        self.assertEqual(str(order.fulfillment_deadline), "2026-06-01 11:00:00")
        calls = []
        original = SaleOrder._on_fulfillment_late

        def spy(records):
            calls.append(records.ids)
            return original(records)

        with patch.object(SaleOrder, "_on_fulfillment_late", spy):
            with freeze_time("2026-06-01 10:30:00"):
                self.env["sale.order"]._cron_fulfillment_sla()
            self.assertFalse(order.fulfillment_late)
            with freeze_time("2026-06-01 11:15:00"):
                self.env["sale.order"]._cron_fulfillment_sla()
            with freeze_time("2026-06-01 14:00:00"):
                self.env["sale.order"]._cron_fulfillment_sla()
        self.assertTrue(order.fulfillment_late)
        self.assertEqual(order.fulfillment_late_stage_id, self.stages["ready"])
        self.assertEqual(calls, [order.ids])
        activity = self._late_activities(order)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(
            self.env["sale.order"].search([("fulfillment_late", "=", True), ("id", "=", order.id)]),
            order,
        )

    def test_leaving_the_stage_clears_lateness(self):
        with freeze_time("2026-06-01 09:00:00"):
            order = self._order()
        with freeze_time("2026-06-01 12:00:00"):
            self.env["sale.order"]._cron_fulfillment_sla()
            self.assertTrue(order.fulfillment_late)
            self._validate(order.picking_ids)
        self.assertFalse(order.fulfillment_late)
        self.assertFalse(order.fulfillment_deadline)  # shipped has no target

    def test_stage_without_target_is_never_late(self):
        self.stages["ready"].sla_hours = 0
        with freeze_time("2026-06-01 09:00:00"):
            order = self._order()
        with freeze_time("2026-07-01 09:00:00"):
            self.env["sale.order"]._cron_fulfillment_sla()
        self.assertFalse(order.fulfillment_late)
        self.assertFalse(self._late_activities(order))

    def test_deadline_on_working_calendar(self):
        self.company.fulfillment_sla_use_calendar = True
        self.company.resource_calendar_id.tz = "UTC"
        self.stages["ready"].sla_hours = 4
        with freeze_time("2026-06-05 15:00:00"):  # a Friday, 2 working hours left
            order = self._order()
        # 2 hours on Friday, then 2 hours from Monday 08:00
        self.assertEqual(str(order.fulfillment_deadline), "2026-06-08 10:00:00")
