from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.addons.crm_fulfillment.models.sale_return import SaleReturn
from odoo.addons.crm_fulfillment.models.sale_return_resolution import (
    SaleReturn as SaleReturnResolution,
)
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common_returns import ReturnCase


@tagged("post_install", "-at_install")
class TestReturnFlows(ReturnCase):
    def test_refund_flow_with_restocking_fee(self):
        tax = self.env["account.tax"].create(
            {"name": "VAT 15% (test)", "amount": 15, "type_tax_use": "sale"}
        )
        self.product.taxes_id = tax
        order = self._delivered_order(qty=3)
        invoice = order.invoice_ids
        line = order.order_line
        ret = self._return(order, 2)
        self.assertEqual(ret.state, "requested")
        self.assertRegex(ret.name, r"^RET/\d{4}/\d{5}$")
        self._receive(ret)
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.qty_received, 2)
        self.assertEqual(line.qty_delivered, 1)  # Odoo's delivered quantity follows the return
        ret.with_user(self.returns_manager).action_done()
        self.assertEqual(ret.state, "done")
        credit_note = ret.credit_note_ids
        self.assertEqual(len(credit_note), 1)
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(credit_note.reversed_entry_id, invoice)
        unit_total = line.price_total / 3
        self.assertNotEqual(line.price_total, line.price_subtotal)  # taxes apply
        # Gross, fee and net on the same basis: what the customer paid.
        fee = round(2 * unit_total * 0.10, 2)
        self.assertAlmostEqual(ret.line_ids.amount, 2 * unit_total, places=2)
        self.assertAlmostEqual(ret.line_ids.fee_amount, fee, places=2)
        self.assertAlmostEqual(ret.line_ids.refund_amount, 2 * unit_total - fee, places=2)
        # The credit note pays back the net.
        self.assertAlmostEqual(credit_note.amount_total, ret.line_ids.refund_amount, places=2)
        self.assertEqual(credit_note.invoice_line_ids.filtered("product_id").quantity, 2)

    def test_refunds_posted_when_the_company_says_so(self):
        self.company.return_post_credit_notes = True
        order = self._delivered_order(qty=1)
        ret = self._receive(self._return(order, 1, reason=self.reason_auto))
        ret.action_done()
        self.assertEqual(ret.credit_note_ids.state, "posted")
        self.assertAlmostEqual(
            ret.credit_note_ids.amount_total, order.order_line.price_total, places=2
        )

    def test_refund_needs_an_invoice(self):
        order = self._delivered_order(qty=1, invoice=False)
        ret = self._receive(self._return(order, 1))
        with self.assertRaisesMessage(UserError, "has no posted invoice to refund"):
            ret.action_done()
        self.assertEqual(ret.state, "received")
        self.assertFalse(ret.credit_note_ids)

    def test_exchange_creates_a_replacement_delivery(self):
        order = self._delivered_order(qty=2)
        ret = self._receive(self._return(order, 1, resolution="exchange"))
        ret.action_done()
        replacement = ret.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        self.assertEqual(len(replacement), 1)
        self.assertEqual(replacement.partner_id, order.partner_shipping_id)
        self.assertEqual(replacement.move_ids.product_id, self.product)
        self.assertEqual(replacement.move_ids.product_uom_qty, 1)
        self.assertEqual(replacement.state, "assigned")
        self.assertFalse(ret.credit_note_ids)
        self.assertTrue(ret.line_ids.resolved)
        line = order.order_line
        self.assertEqual(line.qty_delivered, 1)
        self.assertNotIn(replacement, order.picking_ids)  # the order's stage stays
        self._validate(replacement)
        self.assertEqual(line.qty_delivered, 2)  # the customer has both again
        self.assertEqual(order.fulfillment_stage_code, "shipped")

    def test_exchange_for_another_variant_is_not_counted_as_the_product_sold(self):
        size = self.env["product.attribute"].create(
            {
                "name": "Exchange Size",
                "value_ids": [Command.create({"name": "M"}), Command.create({"name": "L"})],
            }
        )
        template = self.env["product.template"].create(
            {
                "name": "Exchange Shirt",
                "is_storable": True,
                "list_price": 30,
                "invoice_policy": "order",
                "attribute_line_ids": [
                    Command.create(
                        {"attribute_id": size.id, "value_ids": [Command.set(size.value_ids.ids)]}
                    )
                ],
            }
        )
        medium, large = template.product_variant_ids
        for variant in (medium, large):
            self.env["stock.quant"]._update_available_quantity(
                variant, self.warehouse.lot_stock_id, 5
            )
        order = self._delivered_order(qty=1, product=medium)
        ret = self._receive(
            self._return(order, 1, resolution="exchange", exchange_product_id=large.id)
        )
        ret.action_done()
        replacement = ret.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        self.assertEqual(replacement.move_ids.product_id, large)
        self.assertFalse(replacement.move_ids.sale_line_id)
        self._validate(replacement)
        self.assertEqual(order.order_line.qty_delivered, 0)

    def test_exchange_only_for_a_variant_of_the_same_product(self):
        order = self._delivered_order(qty=1)
        with self.assertRaisesMessage(ValidationError, "another variant of the same product"):
            self._return(order, 1, resolution="exchange", exchange_product_id=self.product_rare.id)
        self.assertFalse(self.env["sale.return"].search([("order_id", "=", order.id)]))

    def test_resolutions_go_through_one_extension_point(self):
        """Each resolution of the selection resolves its lines through
        _resolve_lines, the method addons that add a resolution override."""
        order = self._delivered_order(qty=3)
        ret = self._receive(self._return(order, 2))
        calls = []
        original = SaleReturnResolution._resolve_lines

        def spy(records, resolution, lines):
            calls.append((resolution, lines))
            return original(records, resolution, lines)

        with patch.object(SaleReturnResolution, "_resolve_lines", spy):
            ret.with_user(self.returns_manager).action_done()
        self.assertEqual(calls, [("refund", ret.line_ids)])
        self.assertEqual(ret.state, "done")
        self.assertTrue(ret.credit_note_ids)

    def test_a_resolution_no_app_resolves_is_a_clear_error(self):
        order = self._delivered_order(qty=1)
        ret = self._receive(self._return(order, 1))
        with self.assertRaisesMessage(UserError, "no installed app resolves its lines"):
            ret._resolve_lines("barter", ret.line_ids)
        self.assertEqual(ret.state, "received")

    def test_this_app_offers_only_what_it_resolves(self):
        """Refunds and exchanges are this app's; store credit is the loyalty
        app's, which adds it with the points it credits."""
        for model, fname in (
            ("sale.return", "preferred_resolution"),
            ("sale.return.line", "resolution"),
        ):
            with self.subTest(field=fname):
                Model = self.env[model]
                modules = Model._fields[fname]._selection_modules(Model)
                ours = {value for value, names in modules.items() if "crm_fulfillment" in names}
                self.assertEqual(ours, {"refund", "exchange"})

    def test_received_hook_and_scrap(self):
        order = self._delivered_order(qty=2)
        ret = self._return(order, 2, reason=self.reason_auto)
        ret.with_user(self.returns_manager).action_approve()
        ret.line_ids.condition = "scrap"
        received = []
        original = SaleReturn._on_return_received

        def spy(records, lines):
            received.append(lines)
            return original(records, lines)

        with patch.object(SaleReturn, "_on_return_received", spy):
            self._receive(ret)
        self.assertEqual(received, [ret.line_ids])
        scrap = self.env["stock.scrap"].search([("origin", "=", ret.name)])
        self.assertEqual(scrap.scrap_qty, 2)
        self.assertEqual(scrap.state, "done")

    def test_receipt_in_two_parts_follows_the_backorder(self):
        order = self._delivered_order(qty=3)
        ret = self._return(order, 2, reason=self.reason_auto)
        ret.with_user(self.returns_manager).action_approve()
        ret.line_ids.condition = "scrap"
        first = ret.picking_ids
        self._validate(first, qty=1)  # one item now, the other in a backorder
        backorder = self.env["stock.picking"].search([("backorder_id", "=", first.id)])
        self.assertEqual(backorder.sale_return_id, ret)
        self.assertEqual(ret.picking_ids, first | backorder)
        self.assertEqual(ret.state, "approved")
        self.assertEqual(ret.line_ids.qty_received, 1)
        self._validate(backorder)
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.qty_received, 2)
        self.assertEqual(ret.line_ids.qty_scrapped, 2)
        scraps = self.env["stock.scrap"].search([("origin", "=", ret.name)])
        self.assertEqual(sorted(scraps.mapped("scrap_qty")), [1, 1])  # each item scrapped once
        self.assertEqual(set(scraps.mapped("state")), {"done"})
        ret.with_user(self.returns_manager).action_done()
        self.assertEqual(ret.credit_note_ids.invoice_line_ids.filtered("product_id").quantity, 2)

    def test_after_a_partial_receipt_the_rest_is_cancelled_not_the_return(self):
        order = self._delivered_order(qty=3)
        ret = self._return(order, 2, reason=self.reason_auto)
        ret.with_user(self.returns_manager).action_approve()
        self._validate(ret.picking_ids, qty=1)
        with self.assertRaisesMessage(UserError, f"Goods of {ret.name} were already received"):
            ret.action_cancel()
        self.assertEqual(ret.state, "approved")
        backorder = ret.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(len(backorder), 1)
        backorder.action_cancel()  # the customer keeps the second item
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.qty_received, 1)
        ret.with_user(self.returns_manager).action_done()
        self.assertEqual(ret.credit_note_ids.invoice_line_ids.filtered("product_id").quantity, 1)
        self.assertEqual(order.order_line.qty_delivered, 2)

    def test_cancelling_all_transfers_before_receipt_leaves_the_return_to_cancel(self):
        order = self._delivered_order(qty=2)
        ret = self._return(order, 1, reason=self.reason_auto)
        ret.with_user(self.returns_manager).action_approve()
        ret.picking_ids.action_cancel()
        self.assertEqual(ret.state, "approved")
        ret.action_cancel()
        self.assertEqual(ret.state, "cancelled")
        self.assertEqual(self._return(order, 2).state, "requested")  # nothing claimed any more

    def test_products_are_added_or_removed_in_draft_only(self):
        order = self._delivered_order(qty=3)
        ret = self._return(order, 1)
        message = f"draft return; {ret.name} is already requested"
        new_line = {
            "line_ids": [
                Command.create(
                    {
                        "order_line_id": order.order_line.id,
                        "quantity": 1,
                        "reason_id": self.reason_fee.id,
                    }
                )
            ]
        }
        with self.assertRaisesMessage(UserError, message):
            ret.line_ids.unlink()
        with self.assertRaisesMessage(UserError, message):
            ret.write(new_line)
        self.assertEqual(len(ret.line_ids), 1)
        ret.action_cancel()
        ret.action_draft()
        # a draft again: the request can change
        ret.write(new_line)
        ret.line_ids[0].unlink()
        self.assertEqual(len(ret.line_ids), 1)
        ret.action_cancel()
        ret.with_user(self.returns_manager).unlink()  # a cancelled return goes with its lines
        self.assertFalse(ret.exists())

    def test_partial_and_repeated_returns(self):
        order = self._delivered_order(qty=5)
        first = self._return(order, 2)
        with self.assertRaisesMessage(UserError, "Only 3.0 Units"):
            self._return(order, 4)
        self._receive(first).action_done()
        second = self._return(order, 3)
        self.assertEqual(second.state, "requested")
        with self.assertRaisesMessage(UserError, "Only 0.0 Units"):
            self._return(order, 1)
        self.assertEqual(order.return_count, 2)  # refused requests left nothing behind
        self.assertEqual(order.order_line.qty_delivered, 3)

    def test_window_expiry_and_category_override(self):
        with freeze_time("2026-04-01 10:00:00"):
            order = self._delivered_order(qty=2)
        with freeze_time("2026-05-02 10:00:00"):
            with self.assertRaisesMessage(
                UserError, "return window of Fulfilment Mug closed on 2026-05-01"
            ):
                self._return(order, 1)
            self.product.categ_id.return_window_days = 60
            self.assertEqual(self._return(order, 1).state, "requested")

    def test_non_returnable_product_zero_quantity_and_cancelled_order(self):
        order = self._delivered_order(qty=2)
        with self.assertRaisesMessage(ValidationError, "must be more than 0"):
            self._return(order, 0)
        self.product.sale_returnable = False
        with self.assertRaisesMessage(UserError, "Fulfilment Mug can't be returned"):
            self._return(order, 1)
        self.product.sale_returnable = True
        quote = self._order(qty=1, confirm=False)
        quote._action_cancel()
        with self.assertRaisesMessage(UserError, "is not a confirmed order"):
            self._return(quote, 1)

    def test_automatic_approval_under_the_limit(self):
        self.company.return_auto_approve_amount = 1000
        order = self._delivered_order(qty=2)
        auto = self._return(order, 1, reason=self.reason_auto)
        self.assertEqual(auto.state, "approved")
        self.assertEqual(auto.picking_ids.picking_type_code, "incoming")
        self.assertEqual(
            auto.picking_ids.return_id, order.picking_ids.filtered(lambda p: p.state == "done")
        )
        manual = self._return(order, 1, reason=self.reason_fee)
        self.assertEqual(manual.state, "requested")
        self.assertEqual(len(manual.activity_ids), 1)

    def test_rejection_needs_a_reason_and_tells_the_customer(self):
        order = self._delivered_order(qty=1)
        ret = self._return(order, 1)
        with self.assertRaises(AccessError):
            ret.with_user(self.returns_user).action_reject("No")
        with self.assertRaises(AccessError):
            ret.with_user(self.returns_user).action_approve()
        with self.assertRaisesMessage(UserError, "Say why the return is rejected"):
            ret.with_user(self.returns_manager).action_reject("  ")
        self.assertEqual(ret.state, "requested")
        ret.with_user(self.returns_manager).action_reject("Worn items can't be returned.")
        self.assertEqual(ret.state, "rejected")
        mail = ret.message_ids.filtered(lambda m: "Worn items can't be returned." in (m.body or ""))
        self.assertEqual(len(mail), 1)
        self.assertIn(self.customer, mail.partner_ids)

    def test_return_authorization_report(self):
        order = self._delivered_order(qty=1)
        ret = self._return(order, 1)
        Report = self.env["ir.actions.report"]
        with self.assertRaisesMessage(UserError, "is not approved yet"):
            Report._render_qweb_html("crm_fulfillment.action_report_sale_return", ret.ids)
        ret.with_user(self.returns_manager).action_approve()
        html, _type = Report._render_qweb_html("crm_fulfillment.action_report_sale_return", ret.ids)
        self.assertIn(ret.name, html.decode())
        self.assertIn("How to send the goods back", html.decode())

    def _return_from_button(self, order):
        """The Return button opens a new form; saving it creates the return."""
        action = order.with_user(self.returns_user).action_create_return()
        self.assertFalse(action.get("res_id"))
        form = Form(
            self.env["sale.return"].with_user(self.returns_user).with_context(**action["context"])
        )
        return form.save()

    def test_return_button_proposes_no_fee_and_the_reasons_condition(self):
        order = self._delivered_order(qty=1)
        ret = self._return_from_button(order)
        self.assertEqual(ret.line_ids.reason_id.restocking_fee_percent, 0)
        damaged = self.env["sale.return.reason"].create(
            {"name": "Broken (test)", "default_condition": "scrap"}
        )
        line = self._return(order, 1, reason=damaged, request=False).line_ids
        self.assertEqual(line.condition, "scrap")
        line.condition = "stock"  # the receiver decides
        self.assertEqual(line.condition, "stock")
        self.assertEqual(
            self.env.ref("crm_fulfillment.return_reason_damaged").default_condition, "scrap"
        )

    def test_resolving_says_what_it_created(self):
        order = self._delivered_order(qty=2)
        ret = self._receive(self._return(order, 1))
        ret.with_user(self.returns_manager).action_done()
        note = ret.message_ids.filtered(lambda m: "Resolved:" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn(f'data-oe-id="{ret.credit_note_ids.id}"', note.body)
        self.assertIn('data-oe-model="account.move"', note.body)

    def test_receive_opens_the_transfer_to_validate(self):
        ret = self._return(self._delivered_order(qty=2), 1)
        ret.with_user(self.returns_manager).action_approve()
        action = ret.with_user(self.returns_user).action_receive()
        picking = self.env["stock.picking"].browse(action["res_id"])
        self.assertEqual(picking.sale_return_id, ret)
        self.assertEqual(picking.picking_type_code, "incoming")
        self.assertEqual(picking.state, "assigned")

    def test_the_returns_button_reads_the_customer_with_the_form(self):
        """The count reads the customer's company with the form's fields:
        the user's companies (for the record rules), the form's fields
        with the customer's company, then the count; not a read of every
        column of the partner in between."""
        self._return(self._delivered_order(qty=2), 1)
        customer = self.customer.with_user(self.returns_user)
        spec = {"name": {}, "sale_return_count": {}}
        customer.web_read(spec)  # the registry's caches warm
        self.env.invalidate_all()
        with self.assertQueryCount(3):
            values = customer.web_read(spec)
        self.assertEqual(values[0]["sale_return_count"], 1)

    def test_return_button_prefills_delivered_lines(self):
        order = self._delivered_order(qty=3)
        order.with_user(self.returns_user).action_create_return()
        self.assertFalse(order.return_ids)  # nothing until the form is saved
        ret = self._return_from_button(order)
        self.assertEqual(ret.state, "draft")
        self.assertEqual(ret.line_ids.quantity, 3)
        self.assertEqual(ret.partner_id, self.customer)
        self.assertEqual(self.customer.sale_return_count, 1)
        ret.line_ids.quantity = 2
        ret.action_request()
        # the next one proposes what is left, not what was delivered
        self.assertEqual(self._return_from_button(order).line_ids.quantity, 1)
        self._return(order, 1)
        with self.assertRaisesMessage(UserError, f"Everything delivered on {order.name} was"):
            order.with_user(self.returns_user).action_create_return()


@tagged("post_install", "-at_install")
class TestReturnQueries(ReturnCase):
    def _order_with_lines(self, count):
        products = [
            self._storable(f"Query Product {count}-{i}", 5.0, stock=10) for i in range(count)
        ]
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    (0, 0, {"product_id": p.id, "product_uom_qty": 1}) for p in products
                ],
            }
        )
        order.action_confirm()
        self._validate(order.picking_ids)
        return order

    def _count(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def _ours(self, order):
        def run():
            ret = self.env["sale.return"].create(
                {
                    "order_id": order.id,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "order_line_id": ln.id,
                                "quantity": 1,
                                "reason_id": self.reason_fee.id,
                            },
                        )
                        for ln in order.order_line
                    ],
                }
            )
            ret.action_request()
            ret.action_approve()

        return self._count(run)

    def _odoos(self, order):
        def run():
            picking = order.picking_ids.filtered(lambda p: p.state == "done")
            wizard = self.env["stock.return.picking"].create({"picking_id": picking.id})
            for line in wizard.product_return_moves:
                line.quantity = 1
            wizard._create_return()

        return self._count(run)

    def test_return_queries_do_not_grow_per_line_beyond_odoo(self):
        small, big = self._order_with_lines(1), self._order_with_lines(20)
        small_ref, big_ref = self._order_with_lines(1), self._order_with_lines(20)
        ours_1, ours_20 = self._ours(small), self._ours(big)
        odoo_1, odoo_20 = self._odoos(small_ref), self._odoos(big_ref)
        overhead_1, overhead_20 = ours_1 - odoo_1, ours_20 - odoo_20
        self.assertLessEqual(
            overhead_20,
            overhead_1 + 5,
            f"ours {ours_1}->{ours_20}, Odoo's wizard {odoo_1}->{odoo_20}",
        )


@tagged("post_install", "-at_install")
class TestReturnsToReceiveHelp(ReturnCase):
    def test_empty_list_says_how_returns_arrive(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_fulfillment.action_returns_to_receive"
        )
        context = safe_eval(action["context"])
        pickings = self.env["stock.picking"].with_context(**context)
        help_html = str(pickings.get_empty_list_help(action["help"]))
        self.assertIn("No returned goods to receive", help_html)
        self.assertIn("when the return is approved", help_html)
        self.assertNotIn("barcode", help_html)
        # Inventory's own lists keep Inventory's help.
        self.assertNotIn(
            "No returned goods", str(self.env["stock.picking"].get_empty_list_help(action["help"]))
        )
