from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare

from ..tools import returns as rules


class SaleOrder(models.Model):
    _inherit = "sale.order"

    return_ids = fields.One2many("sale.return", "order_id", string="Returns")
    return_count = fields.Integer(compute="_compute_return_count")

    def _compute_return_count(self):
        groups = self.env["sale.return"]._read_group(
            [("order_id", "in", self.ids)], ["order_id"], ["__count"]
        )
        counts = {order.id: count for order, count in groups}
        for order in self:
            order.return_count = counts.get(order.id, 0)

    def action_create_return(self):
        """The Return button: a new return form with the order's returnable
        lines, saved only when the user saves it (no abandoned drafts)."""
        self.ensure_one()
        vals = self._prepare_return_vals()
        self.env["sale.return"].browse().check_access("create")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_fulfillment.action_sale_returns"
        )
        action.update(
            views=[(False, "form")],
            view_mode="form",
            context={f"default_{field}": value for field, value in vals.items()},
        )
        return action

    def _returnable_quantities(self):
        """{order line: what can still be asked back}: the returnable lines
        delivered, within their return window, less what open returns
        already claim, where some is left. The Return button, the
        customer's portal form and its button all offer this."""
        self.ensure_one()
        now = fields.Datetime.now()
        lines = self.order_line.filtered(
            lambda ln: (
                not ln.display_type
                and ln.qty_delivered > 0
                and ln.product_id.sale_returnable
                and not (ln._return_window_end() and now > ln._return_window_end())
            )
        )
        claimed = self.env["sale.return.line"]._claimed_quantities(lines)
        quantities = {}
        for line in lines:
            qty = rules.returnable_quantity(line.qty_delivered, claimed.get(line.id, 0.0))
            if float_compare(qty, 0.0, precision_rounding=line.product_uom.rounding) > 0:
                quantities[line] = qty
        return quantities

    def _return_blocker(self):
        """Why nothing of the order can be returned, in one true sentence."""
        self.ensure_one()
        delivered = self.order_line.filtered(
            lambda ln: (
                not ln.display_type and ln.qty_delivered > 0 and ln.product_id.sale_returnable
            )
        )
        if not delivered:
            return self.env._(
                "Nothing of %s that can be returned has been delivered yet.", self.name
            )
        now = fields.Datetime.now()
        ends = [ln._return_window_end() for ln in delivered]
        if all(end and now > end for end in ends):
            return self.env._(
                "The return window of %(order)s closed on %(date)s.",
                order=self.name,
                date=fields.Date.to_string(max(ends).date()),
            )
        return self.env._(
            "Everything delivered on %s was returned already, or is in a return request.",
            self.name,
        )

    def _prepare_return_vals(self):
        quantities = self._returnable_quantities()
        if not quantities:
            raise UserError(self._return_blocker())
        # The first reason without a fee: the customer is not charged one
        # the clerk didn't choose.
        reason = self.env["sale.return.reason"].search(
            [("company_id", "in", (False, self.company_id.id))],
            order="restocking_fee_percent asc nulls first, sequence, id",
            limit=1,
        )
        return {
            "order_id": self.id,
            "line_ids": [
                Command.create({"order_line_id": ln.id, "quantity": qty, "reason_id": reason.id})
                for ln, qty in quantities.items()
            ],
        }

    def action_view_returns(self):
        return self.return_ids._action_view(self.return_ids, "crm_fulfillment.action_sale_returns")


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _return_window_days(self):
        self.ensure_one()
        return (
            self.product_id.categ_id.return_window_days
            or self.order_id.company_id.return_window_days
        )

    def _check_return_quantity(self, quantity, available):
        """Refuse asking back more than ``available`` of this line."""
        self.ensure_one()
        if float_compare(quantity, available, precision_rounding=self.product_uom.rounding) > 0:
            raise UserError(
                self.env._(
                    "Only %(available)s %(uom)s of %(product)s can still be returned "
                    "(delivered, minus returns already requested); %(asked)s asked.",
                    available=available,
                    uom=self.product_uom.name,
                    product=self.product_id.display_name,
                    asked=quantity,
                )
            )

    def _return_window_end(self):
        """The last moment the customer may ask to return this line: the
        window counts from the confirmed delivery, else from the first
        delivery that left (dates of the documents, never of the install);
        None when there is no limit or nothing left yet."""
        self.ensure_one()
        order = self.order_id
        return rules.window_end(
            order.fulfillment_delivered_date or order.fulfillment_shipped_date,
            self._return_window_days(),
        )


class ResPartner(models.Model):
    _inherit = "res.partner"

    sale_return_count = fields.Integer(compute="_compute_sale_return_count", string="Returns")

    # The customer's company, fetched with the form's fields (not by a
    # read of every column of the partner when the count reads it).
    @api.depends("commercial_partner_id")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_sale_return_count(self):
        """The returns of each customer's company and its contacts (those
        the reader may see, by the returns' record rules): one query,
        counted by their company in SQL, without reading the contacts. A
        contact the reader may not see still counts, as the button lists
        its returns (child_of does not apply the contacts' rules)."""
        commercial = self.commercial_partner_id._origin
        counts = {}
        if commercial:
            self.env["sale.return"].flush_model(["partner_id"])
            self.flush_model(["commercial_partner_id"])
            query = self.env["sale.return"]._search([])
            contact = query.join(
                "sale_return", "partner_id", "res_partner", "id", "crm_return_partner"
            )
            of_company = SQL.identifier(contact, "commercial_partner_id")
            query.add_where(SQL("%s = ANY(%s)", of_company, commercial.ids))
            query.order = None
            query.groupby = of_company
            counts = dict(self.env.execute_query(query.select(of_company, SQL("count(*)"))))
        for partner in self:
            partner.sale_return_count = counts.get(partner.commercial_partner_id._origin.id, 0)

    def action_view_sale_returns(self):
        returns = self.env["sale.return"].search(
            [("partner_id", "child_of", self.commercial_partner_id.ids)]
        )
        return returns._action_view(returns, "crm_fulfillment.action_sale_returns")
