from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    crm_crosssell_product_ids = fields.Many2many(
        "product.product", compute="_compute_suggested_product_ids", string="Bought Together"
    )
    crm_upsell_product_ids = fields.Many2many(
        "product.product", compute="_compute_suggested_product_ids", string="Better Alternatives"
    )
    suggested_product_ids = fields.Many2many(
        "product.product", compute="_compute_suggested_product_ids", string="Suggestions"
    )

    @api.depends("order_line.product_id", "order_line.price_unit", "company_id")
    def _compute_suggested_product_ids(self):
        """Cross-sell from what customers buy together with the order's
        products; up-sell from pricier products of the same category that
        sell, by their catalog prices (the line's price may be in another
        currency or discounted). A fixed number of queries for the whole
        recordset."""
        # sudo: product pairs (no customer data) of the orders' own companies
        # only, each order using its company's rows below.
        Affinity = self.env["crm.product.affinity"].sudo()
        products = self.order_line.product_id
        rows = (
            Affinity.search(
                [("product_id", "in", products.ids), ("company_id", "in", self.company_id.ids)]
            )
            if products
            else Affinity
        )
        selling = self._crm_selling_products(products.categ_id)
        Product = self.env["product.product"]
        for order in self:
            company = order.company_id
            in_order = order.order_line.product_id
            lift = defaultdict(float)
            for row in rows:
                if (
                    row.company_id == company
                    and row.product_id in in_order
                    and row.related_product_id not in in_order
                ):
                    lift[row.related_product_id] = max(lift[row.related_product_id], row.lift)
            cross = Product._crm_best_sellable(lift, company)
            up = Product
            for line in order.order_line.filtered("product_id"):
                better = selling.filtered(
                    lambda p, ln=line, mine=in_order, co=company: (
                        p.categ_id == ln.product_id.categ_id
                        and p.lst_price > ln.product_id.lst_price
                        and p not in mine
                        and p._crm_sellable_in(co)
                    )
                ).sorted("lst_price")[:1]
                up |= better
            order.crm_crosssell_product_ids = [Command.set(cross.ids)]
            order.crm_upsell_product_ids = [Command.set(up.ids)]
            order.suggested_product_ids = [Command.set((cross | up).ids)]

    def _crm_selling_products(self, categories):
        """Products of these categories sold in the suggestion period."""
        if not categories:
            return self.env["product.product"]
        days = max(self.company_id.mapped("crm_suggestion_days") or [180])
        # sudo: which products sell, from the confirmed orders of the orders'
        # own companies: products only, whoever sold them.
        groups = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [
                    ("state", "=", "sale"),
                    ("order_id.date_order", ">=", fields.Datetime.now() - timedelta(days=days)),
                    ("product_id.categ_id", "in", categories.ids),
                    ("company_id", "in", self.company_id.ids),
                ],
                ["product_id"],
            )
        )
        return self.env["product.product"].browse([product.id for [product] in groups])
