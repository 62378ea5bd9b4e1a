from odoo import fields, models


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
        """The Return button: a draft return with the order's returnable lines."""
        self.ensure_one()
        ret = self.env["sale.return"].create(self._prepare_return_vals())
        return ret._action_view(ret, "crm_fulfillment.action_sale_returns")

    def _prepare_return_vals(self):
        lines = self.order_line.filtered(lambda ln: not ln.display_type and ln.qty_delivered > 0)
        reason = self.env["sale.return.reason"].search([], limit=1)
        return {
            "order_id": self.id,
            "line_ids": [
                (
                    0,
                    0,
                    {"order_line_id": ln.id, "quantity": ln.qty_delivered, "reason_id": reason.id},
                )
                for ln in lines
            ],
        }

    def action_view_returns(self):
        return self.return_ids._action_view(self.return_ids, "crm_fulfillment.action_sale_returns")


class ResPartner(models.Model):
    _inherit = "res.partner"

    sale_return_count = fields.Integer(compute="_compute_sale_return_count", string="Returns")

    def _compute_sale_return_count(self):
        groups = self.env["sale.return"]._read_group(
            [("partner_id", "child_of", self.commercial_partner_id.ids)],
            ["partner_id"],
            ["__count"],
        )
        counts = dict.fromkeys(self.ids, 0)
        for partner, count in groups:
            commercial = partner.commercial_partner_id
            for target in self.filtered(lambda p, c=commercial: p.commercial_partner_id == c):
                counts[target.id] += count
        for partner in self:
            partner.sale_return_count = counts[partner.id]

    def action_view_sale_returns(self):
        returns = self.env["sale.return"].search(
            [("partner_id", "child_of", self.commercial_partner_id.ids)]
        )
        return returns._action_view(returns, "crm_fulfillment.action_sale_returns")
