from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import FulfillmentCase


@tagged("post_install", "-at_install")
class TestFulfillmentStages(FulfillmentCase):
    def test_one_step_route_to_delivered_with_one_event_per_change(self):
        with freeze_time("2026-03-02 08:00:00"):
            order = self._order(qty=2, confirm=False)
            self.assertStage(order, "quotation")
        with freeze_time("2026-03-02 10:00:00"):
            order.action_confirm()
            self.assertStage(order, "ready")
        with freeze_time("2026-03-02 15:30:00"):
            self._validate(order.picking_ids)
            self.assertStage(order, "shipped")
            self.assertEqual(order.fulfillment_shipped_date, fields.Datetime.now())
            self.assertEqual(order.fulfillment_delivered_percent, 100.0)
        with freeze_time("2026-03-04 09:00:00"):
            order.action_fulfillment_recompute()
            order._fulfillment_mark_delivered(fields.Datetime.from_string("2026-03-03 15:30:00"))
            self.assertStage(order, "delivered")
        self.assertEqual(
            self._codes(order),
            [
                (False, "quotation"),
                ("quotation", "ready"),
                ("ready", "shipped"),
                ("shipped", "delivered"),
            ],
        )
        durations = order.fulfillment_event_ids.sorted(lambda e: (e.date, e.id)).mapped(
            "duration_hours"
        )
        self.assertEqual(durations, [0.0, 2.0, 5.5, 24.0])

    def test_unreserved_order_waits_in_paid(self):
        order = self._order(product=self.product_rare)
        self.assertStage(order, "paid")
        self.env["stock.quant"]._update_available_quantity(
            self.product_rare, self.warehouse.lot_stock_id, 5
        )
        order.picking_ids.action_assign()
        self.assertStage(order, "ready")
        order.picking_ids.do_unreserve()
        self.assertStage(order, "paid")

    def test_two_step_route(self):
        self.warehouse.delivery_steps = "pick_ship"
        order = self._order()
        self.assertStage(order, "ready")
        self._validate(self._open_picking(order, self.warehouse.pick_type_id))
        self.assertStage(order, "picked")
        self._validate(self._open_picking(order, self.warehouse.out_type_id))
        self.assertStage(order, "shipped")
        self.assertEqual(
            [code for _old, code in self._codes(order)], ["quotation", "ready", "picked", "shipped"]
        )

    def test_three_step_route(self):
        self.warehouse.delivery_steps = "pick_pack_ship"
        order = self._order()
        self.assertStage(order, "ready")
        self._validate(self._open_picking(order, self.warehouse.pick_type_id))
        self.assertStage(order, "picked")
        self._validate(self._open_picking(order, self.warehouse.pack_type_id))
        self.assertStage(order, "packed")
        self._validate(self._open_picking(order, self.warehouse.out_type_id))
        self.assertStage(order, "shipped")
        self.assertEqual(len(order.fulfillment_event_ids), 5)

    def test_partial_delivery_with_backorder(self):
        order = self._order(qty=3)
        self._validate(order.picking_ids, qty=1)
        self.assertEqual(len(order.picking_ids), 2)
        self.assertStage(order, "ready")
        self.assertAlmostEqual(order.fulfillment_delivered_percent, 100.0 / 3, places=2)
        # The first parcel left: the shipped date (return windows count from it).
        first = order.picking_ids.filtered(lambda p: p.state == "done")
        self.assertEqual(order.fulfillment_shipped_date, first.date_done)
        with self.assertRaisesMessage(UserError, "Only shipped orders"):
            order._fulfillment_mark_delivered()
        self._validate(order.picking_ids.filtered(lambda p: p.state != "done"))
        self.assertStage(order, "shipped")
        self.assertEqual(order.fulfillment_delivered_percent, 100.0)

    def test_payment_required_by_company(self):
        self.company.fulfillment_require_payment = True
        order = self._order()
        self.assertStage(order, "awaiting_payment")
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertStage(order, "awaiting_payment")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertStage(order, "ready")
        self.assertEqual(
            [code for _old, code in self._codes(order)], ["quotation", "awaiting_payment", "ready"]
        )

    def test_payment_required_by_payment_term_only(self):
        term = self.env["account.payment.term"].create(
            {"name": "Prepaid", "fulfillment_require_payment": True}
        )
        prepaid = self._order(payment_term_id=term.id)
        self.assertStage(prepaid, "awaiting_payment")
        self.assertStage(self._order(), "ready")

    def test_no_payment_requirement_goes_straight_on(self):
        self.assertFalse(self.company.fulfillment_require_payment)
        self.assertStage(self._order(), "ready")

    def test_cancel_and_reconfirm_never_duplicate_events(self):
        order = self._order()
        order._action_cancel()
        self.assertStage(order, "cancelled")
        order.action_draft()
        self.assertStage(order, "quotation")
        order.action_confirm()
        self.assertStage(order, "ready")
        order._fulfillment_sync()
        order.action_fulfillment_recompute()
        self.assertEqual(
            self._codes(order),
            [
                (False, "quotation"),
                ("quotation", "ready"),
                ("ready", "cancelled"),
                ("cancelled", "quotation"),
                ("quotation", "ready"),
            ],
        )

    def test_mark_delivered_refuses_bad_input_and_writes_nothing(self):
        order = self._order()
        with self.assertRaisesMessage(UserError, "Only shipped orders can be marked as delivered"):
            order._fulfillment_mark_delivered()
        self._validate(order.picking_ids)
        with self.assertRaisesMessage(UserError, "can't be in the future"):
            order._fulfillment_mark_delivered(fields.Datetime.now() + timedelta(days=1))
        with self.assertRaisesMessage(UserError, "choose a delivery date after shipping"):
            order._fulfillment_mark_delivered(fields.Datetime.now() - timedelta(days=3))
        self.assertFalse(order.fulfillment_delivered_date)
        self.assertStage(order, "shipped")
        self.assertEqual(len(order.fulfillment_event_ids), 3)

    def test_mark_delivered_wizard_as_salesman(self):
        order = self._order(user_id=self.salesman.id)
        self._validate(order.picking_ids)
        action = order.with_user(self.salesman).action_fulfillment_mark_delivered()
        wizard = Form(
            self.env[action["res_model"]].with_user(self.salesman).with_context(**action["context"])
        )
        self.assertEqual(wizard.order_ids[:], order)
        wizard.save().action_confirm()
        self.assertStage(order, "delivered")
        self.assertEqual(order.fulfillment_event_ids[0].user_id, self.salesman)

    def test_stage_codes_are_fixed_and_sla_not_negative(self):
        stage = self.stages["ready"]
        target = stage.sla_hours  # 0, or the demo data's
        with self.assertRaisesMessage(UserError, "code of a fulfilment stage can't be changed"):
            stage.write({"code": "paid"})
        with self.assertRaisesMessage(ValidationError, "can't be negative"):
            stage.write({"sla_hours": -1})
        stage.invalidate_recordset()
        self.assertEqual(stage.sla_hours, target)
        with self.assertRaises(AccessError):
            stage.with_user(self.salesman).write({"sla_hours": 4})
        stage.with_user(self.manager).write({"sla_hours": 4, "name": "Ready to pick"})
        self.assertEqual(stage.sla_hours, 4)

    def test_shipped_email_only_when_switched_on(self):
        order = self._order()
        self._validate(order.picking_ids)
        subject = f"your order {order.name} is on its way"
        self.assertFalse(order.message_ids.filtered(lambda m: subject in (m.subject or "")))
        self.company.fulfillment_notify_shipped = True
        order2 = self._order()
        self._validate(order2.picking_ids)
        sent = order2.message_ids.filtered(
            lambda m: f"your order {order2.name} is on its way" in (m.subject or "")
        )
        self.assertEqual(len(sent), 1)
        self.assertIn(self.customer, sent.partner_ids)

    def test_auto_delivery_after_company_delay(self):
        self.company.fulfillment_auto_deliver_days = 3
        with freeze_time("2026-05-04 10:00:00"):
            order = self._order()
            self._validate(order.picking_ids)
        with freeze_time("2026-05-06 10:00:00"):
            self.env["sale.order"]._cron_fulfillment_auto_deliver()
            self.assertStage(order, "shipped")
        with freeze_time("2026-05-08 12:00:00"):
            self.env["sale.order"]._cron_fulfillment_auto_deliver()
            self.assertStage(order, "delivered")
            self.assertEqual(
                order.fulfillment_delivered_date, fields.Datetime.from_string("2026-05-07 10:00:00")
            )

    def test_kanban_shows_every_stage_even_empty(self):
        groups = self.env["sale.order"].web_read_group(
            [("id", "=", self._order().id)], ["fulfillment_stage_id"], ["fulfillment_stage_id"]
        )["groups"]
        self.assertEqual(len(groups), 9)


@tagged("post_install", "-at_install")
class TestFulfillmentPerformance(FulfillmentCase):
    def _sync_queries(self, orders, when):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order SET fulfillment_stage_id = %s WHERE id IN %s",
            (self.stages["quotation"].id, tuple(orders.ids)),
        )
        self.env.invalidate_all()
        with freeze_time(when):
            before = self.cr.sql_log_count
            orders._fulfillment_sync()
            self.env.flush_all()
            return self.cr.sql_log_count - before

    def test_recompute_50_orders_costs_the_queries_of_one(self):
        orders = self.env["sale.order"]
        for _i in range(51):
            orders |= self._order()
        one = self._sync_queries(orders[:1], "2030-01-01 10:00:00")
        fifty = self._sync_queries(orders[1:], "2030-01-01 11:00:00")
        self.assertTrue(all(o.fulfillment_stage_id.code == "ready" for o in orders))
        self.assertEqual(
            len(
                orders[1:].fulfillment_event_ids.filtered(
                    lambda e: e.from_stage_code == "quotation"
                )
            ),
            100,
        )
        self.assertEqual(fifty, one)

    def _flow_queries(self, **context):
        env = self.env(context=dict(self.env.context, **context))
        before = self.cr.sql_log_count
        order = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.product.id, "product_uom_qty": 2})
                ],
            }
        )
        order.action_confirm()
        self._validate(order.picking_ids)
        self.env.flush_all()
        self.assertEqual(order.picking_ids.state, "done")
        return self.cr.sql_log_count - before

    def test_confirm_and_deliver_cost_at_most_15_percent_more_queries(self):
        self._flow_queries()  # warm up caches of both paths
        without = self._flow_queries(fulfillment_defer_sync=True)
        with_addon = self._flow_queries()
        ratio = with_addon / without
        self.assertLessEqual(ratio, 1.15, f"{with_addon} vs {without} queries: {ratio:.2f}x")
