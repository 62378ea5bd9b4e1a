from collections import defaultdict

from odoo import Command, models
from odoo.exceptions import UserError


class SaleReturn(models.Model):
    """Resolution of received returns: refund, exchange or store credit."""

    _inherit = "sale.return"

    def action_done(self):
        """Resolve: credit notes, replacement deliveries and store credit are
        money, so a returns manager resolves."""
        self._check_manager(self.env._("Only a returns manager can resolve returns."))
        self._check_done()
        # sudo: the resolution writes workflow fields and creates documents
        # the manager checked above may not create themselves (credit notes).
        for ret in self.sudo():
            todo = ret.line_ids.filtered(lambda ln: not ln.resolved and ln.qty_received)
            by_resolution = defaultdict(lambda: self.env["sale.return.line"])
            for line in todo:
                by_resolution[line.resolution] |= line
            if by_resolution.get("refund"):
                ret._resolve_refund(by_resolution["refund"])
            if by_resolution.get("exchange"):
                ret._resolve_exchange(by_resolution["exchange"])
            if by_resolution.get("credit"):
                ret._resolve_store_credit(by_resolution["credit"])
            todo.resolved = True
            ret.state = "done"
            ret._on_return_done()
        return True

    def _check_done(self):
        not_received = self.filtered(lambda r: r.state != "received")
        if not_received:
            raise UserError(
                self.env._(
                    "Resolve a return once its goods are received: %s.",
                    ", ".join(not_received.mapped("name")),
                )
            )

    # ------------------------------------------------------------------
    # Refund: a credit note from the original invoice, fee deducted
    # ------------------------------------------------------------------
    def _resolve_refund(self, lines):
        self.ensure_one()
        invoices = lines.order_line_id.invoice_lines.move_id.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoices:
            raise UserError(
                self.env._(
                    "Order %s has no posted invoice to refund; invoice it first, "
                    "or resolve the return by exchange or store credit.",
                    self.order_id.name,
                )
            )
        # sudo, like sale's own invoicing: returns managers resolve returns
        # without being accountants; the amounts come from the order.
        credit_note = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(self._prepare_credit_note_vals(lines, invoices[0]))
        )
        self.credit_note_ids = [Command.link(credit_note.id)]
        if self.company_id.return_post_credit_notes:
            credit_note.action_post()
        return credit_note

    def _prepare_credit_note_vals(self, lines, invoice):
        order = self.order_id
        invoice_lines = [
            Command.create(line.order_line_id._prepare_invoice_line(quantity=line.qty_received))
            for line in lines
        ]
        for line in lines.filtered("fee_amount"):
            invoice_lines.append(Command.create(line._prepare_fee_invoice_line()))
        return {
            "move_type": "out_refund",
            "partner_id": order.partner_invoice_id.id,
            "currency_id": order.currency_id.id,
            "fiscal_position_id": order.fiscal_position_id.id,
            "invoice_origin": f"{self.name} ({order.name})",
            "ref": self.env._("Return %s", self.name),
            "reversed_entry_id": invoice.id,
            "invoice_user_id": order.user_id.id,
            "invoice_line_ids": invoice_lines,
        }

    # ------------------------------------------------------------------
    # Exchange: a replacement delivery, no charge
    # ------------------------------------------------------------------
    def _resolve_exchange(self, lines):
        self.ensure_one()
        picking = self.env["stock.picking"].create(self._prepare_exchange_picking_vals(lines))
        picking.action_confirm()
        picking.action_assign()
        return picking

    def _prepare_exchange_picking_vals(self, lines):
        """A delivery outside the order's own transfers (its fulfilment
        stage does not go back). A replacement of the same product is
        linked to its order line, as Odoo's own exchanges are, so that the
        line's delivered quantity comes back when it ships; another variant
        is not the product sold, and Odoo would not count it."""
        warehouse = self.order_id.warehouse_id
        picking_type = warehouse.out_type_id
        source = picking_type.default_location_src_id
        customers = self.env.ref("stock.stock_location_customers")
        return {
            "picking_type_id": picking_type.id,
            "partner_id": self.order_id.partner_shipping_id.id,
            "location_id": source.id,
            "location_dest_id": customers.id,
            "origin": self.env._("Exchange for %s", self.name),
            "sale_return_id": self.id,
            "company_id": self.company_id.id,
            "move_ids": [
                Command.create(
                    {
                        "name": self.name,
                        "product_id": (line.exchange_product_id or line.product_id).id,
                        "product_uom_qty": line.qty_received,
                        "product_uom": line.product_uom_id.id,
                        "location_id": source.id,
                        "location_dest_id": customers.id,
                        "company_id": self.company_id.id,
                        "sale_line_id": line.order_line_id.id
                        if (line.exchange_product_id or line.product_id) == line.product_id
                        else False,
                    }
                )
                for line in lines
            ],
        }

    # ------------------------------------------------------------------
    # Store credit: filled by crm_loyalty
    # ------------------------------------------------------------------
    def _resolve_store_credit(self, lines):
        self.ensure_one()
        amounts = {
            line.id: line.refund_amount * line.qty_received / line.quantity for line in lines
        }
        return self._on_return_store_credit(lines, amounts)

    def _on_return_store_credit(self, lines, amounts):
        """Hook: credit the customer ``amounts`` ({line id: amount in the
        order's currency}); crm_loyalty turns them into points."""
        raise UserError(
            self.env._(
                "Store credit needs the loyalty addon (crm_loyalty); "
                "resolve %s by refund or exchange.",
                self.name,
            )
        )


class SaleReturnLine(models.Model):
    _inherit = "sale.return.line"

    def _prepare_fee_invoice_line(self):
        self.ensure_one()
        percent = self.reason_id.restocking_fee_percent
        return {
            "name": self.env._(
                "Restocking fee %(percent)s%% (%(product)s)",
                percent=percent,
                product=self.product_id.display_name,
            ),
            "quantity": 1,
            "price_unit": -self.fee_amount * self.qty_received / self.quantity,
            "tax_ids": [Command.clear()],
        }
