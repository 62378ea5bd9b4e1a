from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

from ..tools import pg


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
    crm_crosssell_note = fields.Char(
        compute="_compute_suggested_product_ids", string="Why Nothing Is Bought Together"
    )
    crm_upsell_note = fields.Text(
        compute="_compute_suggested_product_ids", string="Why These Alternatives"
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
        reasons = {}
        ups = {}
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
            pairs = []
            for line in order.order_line.filtered("product_id"):
                better = selling.filtered(
                    lambda p, ln=line, mine=in_order, co=company: (
                        p.categ_id == ln.product_id.categ_id
                        and p.lst_price > ln.product_id.lst_price
                        and p not in mine
                        and p._crm_sellable_in(co)
                    )
                ).sorted("lst_price")[:1]
                if better and better not in up:
                    pairs.append((line.product_id, better))
                up |= better
            ups[order] = pairs
            order.crm_crosssell_product_ids = [Command.set(cross.ids)]
            order.crm_upsell_product_ids = [Command.set(up.ids)]
            order.suggested_product_ids = [Command.set((cross | up).ids)]
            if cross:
                order.crm_crosssell_note = False
            elif not in_order:
                order.crm_crosssell_note = self.env._(
                    "Add products to see what customers buy with them."
                )
            else:
                if company not in reasons:
                    reasons[company] = Affinity._crm_empty_reason(company)
                order.crm_crosssell_note = reasons[company]
        buyers = self._crm_upsell_buyers([pair for pairs in ups.values() for pair in pairs])
        for order, pairs in ups.items():
            order.crm_upsell_note = "\n".join(
                order._crm_upsell_reason(base, better, buyers.get((base.id, better.id), 0))
                for base, better in pairs
            ) or self.env._(
                "No pricier product of the same category sold in the last %(days)s days.",
                days=order.company_id.crm_suggestion_days,
            )

    def _crm_upsell_reason(self, base, better, buyers):
        """Why ``better`` is proposed instead of ``base``, in words."""
        values = {"product": better.display_name, "base": base.display_name, "count": buyers}
        if buyers == 1:
            return self.env._(
                "%(product)s: same category as %(base)s, higher price, bought by 1 customer "
                "who bought %(base)s.",
                **values,
            )
        if buyers:
            return self.env._(
                "%(product)s: same category as %(base)s, higher price, bought by %(count)s "
                "customers who bought %(base)s.",
                **values,
            )
        return self.env._(
            "%(product)s: same category as %(base)s, higher price, sells well; no customer "
            "of %(base)s bought it yet.",
            **values,
        )

    def _crm_upsell_buyers(self, pairs):
        """{(product id, better product id): customers who bought both} in
        the orders' companies, in one statement."""
        if not pairs:
            return {}
        self.env.flush_all()
        # Customers counted, not shown: only their number, from the orders'
        # own companies' confirmed orders.
        self.env.cr.execute(
            SQL(
                """
                WITH bought AS (
                    SELECT DISTINCT p.commercial_partner_id AS partner_id, sol.product_id
                      FROM sale_order_line sol
                      JOIN sale_order so ON so.id = sol.order_id
                      JOIN res_partner p ON p.id = so.partner_id
                     WHERE so.state = 'sale' AND so.company_id = ANY(%(companies)s::int[])
                       AND sol.product_id = ANY(%(products)s::int[])
                )
                SELECT v.base, v.better, count(b2.partner_id)
                  FROM unnest(%(bases)s::int[], %(betters)s::int[]) AS v(base, better)
                  JOIN bought b1 ON b1.product_id = v.base
                  JOIN bought b2 ON b2.product_id = v.better AND b2.partner_id = b1.partner_id
              GROUP BY v.base, v.better
                """,
                companies=pg.int_array(self.company_id.ids),
                products=pg.int_array({p.id for pair in pairs for p in pair}),
                bases=pg.int_array([base.id for base, _better in pairs]),
                betters=pg.int_array([better.id for _base, better in pairs]),
            )
        )
        return {(base, better): count for base, better, count in self.env.cr.fetchall()}

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
