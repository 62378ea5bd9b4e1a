from collections import defaultdict

from markupsafe import Markup

from odoo import Command, models
from odoo.exceptions import UserError


class SaleReturn(models.Model):
    """Resolution of received returns: a refund or an exchange here; other
    addons add resolutions of their own (see _resolve_lines)."""

    _inherit = "sale.return"

    def action_done(self):
        """Resolve: credit notes and replacement deliveries are money, so a
        returns manager resolves."""
        self._check_manager(self.env._("Only a returns manager can resolve returns."))
        self._check_done()
        resolutions = self.env["sale.return.line"]._fields["resolution"].get_values(self.env)
        # sudo: the resolution writes workflow fields and creates documents
        # the manager checked above may not create themselves (credit notes).
        for ret in self.sudo():
            todo = ret.line_ids.filtered(lambda ln: not ln.resolved and ln.qty_received)
            by_resolution = defaultdict(lambda: self.env["sale.return.line"])
            for line in todo:
                by_resolution[line.resolution] |= line
            # In the order of the selection: refunds, exchanges, then the
            # resolutions other addons add.
            created = []
            for resolution in resolutions:
                if by_resolution.get(resolution):
                    created.append(ret._resolve_lines(resolution, by_resolution[resolution]))
            todo.resolved = True
            ret.state = "done"
            ret._post_resolution(created)
            ret._on_return_done()
        return True

    def _post_resolution(self, created):
        """Say in the chatter what the resolution created, with links to the
        documents (credit notes, replacement deliveries)."""
        self.ensure_one()
        documents = [
            record
            for result in created
            if isinstance(result, models.BaseModel)
            for record in result
            if record._name in ("account.move", "stock.picking")
        ]
        if documents:
            links = Markup(", ").join(
                Markup('<a href="#" data-oe-model="%s" data-oe-id="%s">%s</a>')
                % (record._name, record.id, record.display_name)
                for record in documents
            )
            self.message_post(
                body=Markup("%s %s") % (self.env._("Resolved:"), links),
                subtype_xmlid="mail.mt_note",
            )

    def _check_done(self):
        not_received = self.filtered(lambda r: r.state != "received")
        if not_received:
            raise UserError(
                self.env._(
                    "Resolve a return once its goods are received: %s.",
                    ", ".join(not_received.mapped("name")),
                )
            )

    def _resolve_lines(self, resolution, lines):
        """Resolve the received ``lines`` of one ``resolution``, as
        superuser (see action_done). The extension point of resolutions: an
        addon that adds one to the selection (selection_add on
        sale.return.line's ``resolution``) resolves it here and calls super()
        for the others."""
        self.ensure_one()
        if resolution == "refund":
            return self._resolve_refund(lines)
        if resolution == "exchange":
            return self._resolve_exchange(lines)
        labels = dict(lines._fields["resolution"]._description_selection(self.env))
        raise UserError(
            self.env._(
                "%(name)s can't be resolved: no installed app resolves its lines to be resolved "
                "by %(resolution)s. Choose a refund or an exchange for them.",
                name=self.name,
                resolution=labels.get(resolution, resolution),
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
                    "or resolve the return another way, such as an exchange.",
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
