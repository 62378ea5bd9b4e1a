"""Orders that existed before the addon: their history comes from their
documents, and what the stages and return windows say is true."""

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..hooks import post_init_hook
from ..tools import stages as rules
from .common_returns import ReturnCase

TWO_YEARS_AGO = datetime(2024, 11, 2, 9, 0)


@tagged("post_install", "-at_install")
class TestExistingOrders(ReturnCase):
    def _as_before_install(self, orders, created, confirmed=None, shipped=None):
        """Date the orders' documents in the past, and forget what the addon
        wrote about them, as if they predated it."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "UPDATE sale_order SET create_date = %s, date_order = %s, fulfillment_stage_id = NULL,"
            " fulfillment_stage_date = NULL, fulfillment_shipped_date = NULL WHERE id IN %s",
            (created, confirmed or created, tuple(orders.ids)),
        )
        if shipped:
            cr.execute(
                "UPDATE stock_picking SET date_done = %s WHERE sale_id IN %s AND state = 'done'",
                (shipped, tuple(orders.ids)),
            )
        cr.execute("DELETE FROM sale_fulfillment_event WHERE order_id IN %s", (tuple(orders.ids),))
        self.env.invalidate_all()

    def _messages(self, orders):
        return self.env["mail.message"].search_count(
            [("model", "=", "sale.order"), ("res_id", "in", orders.ids)]
        )

    def test_history_is_rebuilt_from_the_documents(self):
        delivered = self._delivered_order(qty=2)
        partial = self._order(qty=3)
        self._validate(partial.picking_ids, qty=1)
        quotation = self._order(confirm=False)
        cancelled = self._order()
        cancelled._action_cancel()
        orders = delivered | partial | quotation | cancelled
        confirmed_on = TWO_YEARS_AGO + timedelta(hours=5)
        shipped_on = TWO_YEARS_AGO + timedelta(days=2)
        self._as_before_install(orders, TWO_YEARS_AGO, confirmed_on, shipped_on)
        messages = self._messages(orders)
        activities = self.env["mail.activity"].search_count([])

        self.env["sale.order"]._fulfillment_rebuild_history(batch_size=2)

        self.assertStage(delivered, "shipped")
        self.assertEqual(delivered.fulfillment_shipped_date, shipped_on)
        self.assertFalse(delivered.fulfillment_delivered_date)
        self.assertEqual(delivered.fulfillment_stage_date, shipped_on)
        events = delivered.fulfillment_event_ids.sorted("date")
        self.assertEqual(
            [(e.from_stage_id.code or False, e.to_stage_id.code, e.date) for e in events],
            [
                (False, "quotation", TWO_YEARS_AGO),
                ("quotation", "paid", confirmed_on),
                ("paid", "shipped", shipped_on),
            ],
        )
        self.assertEqual(events.mapped("duration_hours"), [0.0, 5.0, 43.0])
        self.assertEqual(set(events.mapped("source")), {"history"})
        self.assertEqual(events[1].label, "Confirmed")

        # Partly delivered: waiting for the rest, shipped date of the first parcel.
        self.assertStage(partial, "ready")
        self.assertEqual(partial.fulfillment_shipped_date, shipped_on)
        self.assertEqual(partial.fulfillment_stage_date, confirmed_on)
        self.assertEqual(self._codes(partial), [(False, "quotation"), ("quotation", "paid")])
        self.assertStage(quotation, "quotation")
        self.assertEqual(self._codes(quotation), [(False, "quotation")])
        self.assertStage(cancelled, "cancelled")
        self.assertFalse(cancelled.fulfillment_shipped_date)

        # Nothing was sent, scheduled or flagged for the past.
        self.assertEqual(self._messages(orders), messages)
        self.assertEqual(self.env["mail.activity"].search_count([]), activities)
        self.assertFalse(orders.filtered("fulfillment_late"))

    def test_upgrade_rebuilds_only_orders_without_history(self):
        old = self._delivered_order(qty=1)
        self._as_before_install(old, TWO_YEARS_AGO, shipped=TWO_YEARS_AGO + timedelta(days=1))
        self.env.cr.execute(
            "UPDATE sale_order SET fulfillment_stage_id = %s, fulfillment_shipped_date = now()"
            " WHERE id = %s",
            (self.stages["shipped"].id, old.id),
        )
        live = self._delivered_order(qty=1)
        live_events = live.fulfillment_event_ids
        self.env.invalidate_all()
        self.env["sale.order"]._fulfillment_rebuild_history(only_without_events=True)
        self.assertEqual(old.fulfillment_shipped_date, TWO_YEARS_AGO + timedelta(days=1))
        self.assertEqual(
            self._codes(old), [(False, "quotation"), ("quotation", "paid"), ("paid", "shipped")]
        )
        self.assertEqual(live.fulfillment_event_ids, live_events)
        self.assertEqual(set(live_events.mapped("source")), {"live"})

    def test_install_keeps_the_history_of_orders_that_have_one(self):
        """The install rebuilds the orders that predate it; those that
        already have a history (the addon's demo data, loaded just before
        the install hook) keep it, and their stage: no second history."""
        old = self._delivered_order(qty=1)
        self._as_before_install(old, TWO_YEARS_AGO, shipped=TWO_YEARS_AGO + timedelta(days=1))
        live = self._delivered_order(qty=1)
        live._fulfillment_mark_delivered()
        live_events = live.fulfillment_event_ids
        post_init_hook(self.env)
        self.assertStage(old, "shipped")
        self.assertEqual(
            self._codes(old), [(False, "quotation"), ("quotation", "paid"), ("paid", "shipped")]
        )
        self.assertStage(live, "delivered")
        self.assertEqual(live.fulfillment_event_ids, live_events)

    def test_migration_from_18_0_1_0_2(self):
        script = Path(__file__).parent.parent / "migrations" / "18.0.1.0.3" / "post-migrate.py"
        spec = importlib.util.spec_from_file_location("crm_fulfillment_migrate_1_0_3", script)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        stage = self.stages["paid"]
        stage.name = "Paid"
        old = self._delivered_order(qty=1)
        self._as_before_install(old, TWO_YEARS_AGO, shipped=TWO_YEARS_AGO + timedelta(days=1))
        self.env.cr.execute(
            "UPDATE sale_order SET fulfillment_stage_id = %s WHERE id = %s",
            (self.stages["shipped"].id, old.id),
        )
        migration.migrate(self.env.cr, "18.0.1.0.2")
        self.env.invalidate_all()
        self.assertEqual(stage.name, "Confirmed")
        self.assertEqual(old.fulfillment_shipped_date, TWO_YEARS_AGO + timedelta(days=1))
        self.assertEqual(len(old.fulfillment_event_ids), 3)
        # A shop that renamed the stage keeps its name.
        stage.name = "Ready to prepare"
        migration.migrate(self.env.cr, "18.0.1.0.2")
        self.env.invalidate_all()
        self.assertEqual(stage.name, "Ready to prepare")

    def test_migration_from_18_0_1_0_3(self):
        """Open returns get the fee of the new rule; a resolved one keeps
        the figures its credit note was made from."""
        script = Path(__file__).parent.parent / "migrations" / "18.0.1.0.4" / "post-migrate.py"
        spec = importlib.util.spec_from_file_location("crm_fulfillment_migrate_1_0_4", script)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        reason = self.env["sale.return.reason"].create(
            {"name": "Changed mind (migration)", "restocking_fee_percent": 10}
        )
        order = self._delivered_order(qty=2)
        open_ret, done_ret = (
            self.env["sale.return"].create(
                {
                    "order_id": order.id,
                    "line_ids": [
                        Command.create(
                            {
                                "order_line_id": order.order_line.id,
                                "quantity": 1,
                                "reason_id": reason.id,
                            }
                        )
                    ],
                }
            )
            for _i in range(2)
        )
        gross = open_ret.line_ids.amount
        self.assertAlmostEqual(open_ret.line_ids.fee_amount, round(gross * 0.1, 2))
        # The figures of the old rule, as 18.0.1.0.3 stored them.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_return_line SET fee_amount = 1.23, refund_amount = %s WHERE return_id IN %s",
            (gross - 1.23, (open_ret.id, done_ret.id)),
        )
        self.env.cr.execute("UPDATE sale_return SET state = 'done' WHERE id = %s", (done_ret.id,))
        self.env.invalidate_all()
        migration.migrate(self.env.cr, "18.0.1.0.3")

        self.env.invalidate_all()
        self.assertAlmostEqual(open_ret.line_ids.fee_amount, round(gross * 0.1, 2))
        self.assertAlmostEqual(open_ret.line_ids.refund_amount, gross - round(gross * 0.1, 2))
        self.assertAlmostEqual(done_ret.line_ids.fee_amount, 1.23)

    def test_an_old_delivery_is_past_its_return_window(self):
        order = self._delivered_order(qty=2)
        self._as_before_install(order, TWO_YEARS_AGO, shipped=TWO_YEARS_AGO + timedelta(days=1))
        self.env["sale.order"]._fulfillment_rebuild_history()
        self.assertEqual(order._returnable_quantities(), {})
        with self.assertRaisesMessage(UserError, "closed on 2024-12-03"):
            order.with_user(self.returns_user).action_create_return()
        ret = self.env["sale.return"].create(
            {
                "order_id": order.id,
                "line_ids": [
                    Command.create(
                        {
                            "order_line_id": order.order_line.id,
                            "quantity": 1,
                            "reason_id": self.reason_fee.id,
                        }
                    )
                ],
            }
        )
        with self.assertRaisesMessage(UserError, "The return window of Fulfilment Mug closed"):
            ret.with_user(self.returns_user).action_request()
        self.assertEqual(ret.state, "draft")

    def test_automatic_delivery_of_old_orders_tells_no_one(self):
        self.company.write(
            {"fulfillment_auto_deliver_days": 3, "fulfillment_notify_delivered": True}
        )
        old = self._delivered_order(qty=1)
        self._as_before_install(old, TWO_YEARS_AGO, shipped=TWO_YEARS_AGO + timedelta(days=1))
        self.env["sale.order"]._fulfillment_rebuild_history()
        recent = self._delivered_order(qty=1)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order SET fulfillment_shipped_date = now() - interval '4 days'"
            " WHERE id = %s",
            (recent.id,),
        )
        self.env.invalidate_all()
        messages = self._messages(old)
        self.env["sale.order"]._cron_fulfillment_auto_deliver()
        self.assertStage(old, "delivered")
        self.assertEqual(old.fulfillment_delivered_date, TWO_YEARS_AGO + timedelta(days=4))
        self.assertEqual(self._messages(old), messages)  # no "delivered" email for the past
        self.assertStage(recent, "delivered")
        told = recent.message_ids.filtered(lambda m: self.customer in m.partner_ids)
        self.assertEqual(len(told), 1, "the recent order's customer is told")
        self.assertFalse(old.message_ids.filtered(lambda m: self.customer in m.partner_ids))

    def test_a_partial_delivery_starts_the_return_window(self):
        order = self._order(qty=3)
        self._validate(order.picking_ids, qty=1)
        self.assertStage(order, "ready")
        first = order.picking_ids.filtered(lambda p: p.state == "done")
        self.assertEqual(order.fulfillment_shipped_date, first.date_done)
        window = order.order_line._return_window_end()
        self.assertEqual(window, first.date_done + timedelta(days=30))


@tagged("post_install", "-at_install")
class TestPaymentBeforeShipping(ReturnCase):
    def setUp(self):
        super().setUp()
        self.company.fulfillment_require_payment = True

    def test_unpaid_goods_do_not_leave(self):
        order = self._order(user_id=self.salesman.id)
        self.assertStage(order, "awaiting_payment")
        self.assertFalse(order.fulfillment_paid)
        picking = order.picking_ids
        with self.assertRaisesMessage(UserError, f"{order.name} must be paid before the goods"):
            self._validate(picking)
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(order.fulfillment_shipped_date)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_fulfillment_allow_shipping()
        self.assertFalse(order.fulfillment_payment_override)

        order.with_user(self.manager).action_fulfillment_allow_shipping()
        self.assertTrue(order.fulfillment_payment_override)
        self.assertIn("allowed the goods to leave before payment", order.message_ids[0].body)
        self.assertStage(order, "ready")
        self._validate(picking)
        self.assertStage(order, "shipped")
        self.assertFalse(order.fulfillment_paid)

    def test_paid_is_said_only_where_payment_is_checked(self):
        order = self._order()
        invoice = order._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertStage(order, "ready")
        self.assertTrue(order.fulfillment_paid)
        paid_event = order.fulfillment_event_ids.filtered(
            lambda e: e.from_stage_id.code == "awaiting_payment"
        )
        self.assertEqual(paid_event.label, "Paid, Ready")
        # Let go by a manager, not paid: not said to be paid.
        other = self._order()
        other.with_user(self.manager).action_fulfillment_allow_shipping()
        let_go = other.fulfillment_event_ids.filtered(
            lambda e: e.from_stage_id.code == "awaiting_payment"
        )
        self.assertEqual(let_go.label, "Ready")
        self.assertFalse(let_go.payment_received)
        self.company.fulfillment_require_payment = False
        unchecked = self._order()
        self.assertFalse(unchecked.fulfillment_paid)
        self.assertEqual(self.stages["paid"].name, "Confirmed")
        self.assertEqual(
            dict(self.env["sale.fulfillment.stage"]._fields["code"].selection)["paid"], "Confirmed"
        )

    def test_shipped_wins_over_awaiting_payment(self):
        self.assertEqual(rules.order_stage("sale", True, [], True, False), "shipped")
        self.assertEqual(
            rules.order_stage("sale", True, ["ready"], False, False), "awaiting_payment"
        )
        self.assertEqual(rules.order_stage("sale", True, [], False, False), "awaiting_payment")
