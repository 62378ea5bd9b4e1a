"""Browser tours of the main flows, as the users who run them: a
salesperson takes a quotation to delivered; a customer asks for a return
on the portal and a returns manager takes it to a refund. The tours assert
what the user reads at each step (static/tests/tours/); these tests build
the data and check the records the clicks left behind."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFulfillmentTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.warehouse.delivery_steps = "ship_only"
        # Odoo's defaults, stated: no payment before shipping, no automatic
        # approval, draft credit notes.
        cls.company.write(
            {
                "fulfillment_require_payment": False,
                "return_auto_approve_amount": 0.0,
                "return_post_credit_notes": False,
                "return_window_days": 30,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour Customer", "email": "tour.customer@example.com"}
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="tour_salesperson",
            groups="sales_team.group_sale_salesman,stock.group_stock_user",
        )
        cls.returns_manager = new_test_user(
            cls.env,
            login="tour_returns_manager",
            groups="sales_team.group_sale_manager,stock.group_stock_user",
        )
        cls.portal_user = new_test_user(
            cls.env, login="tour_portal", groups="base.group_portal", name="Tour Portal Customer"
        )
        cls.stages = cls.env["sale.fulfillment.stage"]._by_code()

    @classmethod
    def _storable(cls, name, price, stock):
        product = cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "list_price": price,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            product, cls.warehouse.lot_stock_id, stock
        )
        return product

    def _quotation(self, name, partner, product, qty, user):
        return self.env["sale.order"].create(
            {
                "name": name,
                "partner_id": partner.id,
                "user_id": user.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "product_uom_qty": qty, "tax_id": False}
                    )
                ],
            }
        )

    def test_order_flow(self):
        """Quotation -> Ready -> Shipped -> Delivered, by the salesperson."""
        product = self._storable("Tour Teapot", 25.0, stock=10)
        order = self._quotation("S-TOUR-FLOW", self.customer, product, 2, self.salesperson)
        self.assertEqual(order.fulfillment_stage_id, self.stages["quotation"])

        self.start_tour(
            f"/odoo/sales/{order.id}", "crm_fulfillment_order_flow", login="tour_salesperson"
        )

        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.fulfillment_stage_id.code, "delivered")
        self.assertEqual(order.picking_ids.mapped("state"), ["done"])
        self.assertEqual(order.order_line.qty_delivered, 2)
        self.assertEqual(order.fulfillment_delivered_percent, 100)
        self.assertTrue(order.fulfillment_shipped_date)
        self.assertGreaterEqual(order.fulfillment_delivered_date, order.fulfillment_shipped_date)
        events = order.fulfillment_event_ids.sorted(lambda e: (e.date, e.id))
        self.assertEqual(
            [(e.from_stage_id.code or False, e.to_stage_id.code) for e in events],
            [
                (False, "quotation"),
                ("quotation", "ready"),
                ("ready", "shipped"),
                ("shipped", "delivered"),
            ],
        )
        # The clicks were the salesperson's, and the history says so.
        self.assertEqual(events[1:].user_id, self.salesperson)
        self.assertEqual(events[-1].date, order.fulfillment_delivered_date)

    def test_return_flow(self):
        """Portal request (2 of 3 kettles, 10% fee) -> approved -> received
        -> refunded with a credit note of 72.00 (80.00 paid less 8.00)."""
        reason = self.env["sale.return.reason"].create(
            {"name": "No longer wanted", "restocking_fee_percent": 10, "sequence": 1}
        )
        product = self._storable("Tour Kettle", 40.0, stock=10)
        order = self._quotation(
            "S-TOUR-RETURN", self.portal_user.partner_id, product, 3, self.returns_manager
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = 3
        picking.move_ids.picked = True
        picking.button_validate()
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertEqual(picking.state, "done")
        self.assertEqual(invoice.amount_total, 120.0)

        # Part A: the customer asks on the portal.
        self.start_tour(
            f"/my/orders/{order.id}", "crm_fulfillment_return_flow_portal", login="tour_portal"
        )
        self.env.invalidate_all()
        ret = order.return_ids
        self.assertEqual(len(ret), 1)
        self.assertEqual(ret.state, "requested")
        self.assertEqual(ret.partner_id, self.portal_user.partner_id)
        self.assertEqual(ret.preferred_resolution, "refund")
        self.assertEqual(ret.customer_note, "Not the colour I wanted")
        line = ret.line_ids
        self.assertRecordValues(
            line,
            [
                {
                    "order_line_id": order.order_line.id,
                    "quantity": 2.0,
                    "reason_id": reason.id,
                    "resolution": "refund",
                    "amount": 80.0,
                    "fee_amount": 8.0,
                    "refund_amount": 72.0,
                }
            ],
        )
        # The returns manager is asked to approve it.
        self.assertEqual(ret.activity_ids.user_id, self.returns_manager)

        # Part B: the returns manager takes it to a refund.
        self.start_tour(
            f"/odoo/action-crm_fulfillment.action_sale_returns/{ret.id}",
            "crm_fulfillment_return_flow_backoffice",
            login="tour_returns_manager",
        )
        self.env.invalidate_all()
        self.assertEqual(ret.state, "done")
        self.assertFalse(ret.activity_ids)
        self.assertRecordValues(line, [{"qty_received": 2.0, "resolved": True}])
        receipt = ret.picking_ids
        self.assertEqual(receipt.picking_type_code, "incoming")
        self.assertEqual(receipt.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 1.0)
        credit_note = ret.credit_note_ids
        self.assertEqual(len(credit_note), 1)
        self.assertRecordValues(
            credit_note,
            [
                {
                    "move_type": "out_refund",
                    "state": "draft",
                    "partner_id": self.portal_user.partner_id.id,
                    "reversed_entry_id": invoice.id,
                    "amount_total": 72.0,
                }
            ],
        )
        self.assertEqual(
            sorted(credit_note.invoice_line_ids.mapped(lambda ln: (ln.quantity, ln.price_unit))),
            [(1.0, -8.0), (2.0, 40.0)],
        )
        self.assertIn(credit_note, order.invoice_ids)
