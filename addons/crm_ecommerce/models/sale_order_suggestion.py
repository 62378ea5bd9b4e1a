from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


def _sellable(product, company):
    return (
        product.active
        and product.sale_ok
        and product.company_id in (company, product.company_id.browse())
    )


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
            cross = sorted(
                (p for p in lift if _sellable(p, company)), key=lambda p: (-lift[p], p.id)
            )[:5]
            up = self.env["product.product"]
            for line in order.order_line.filtered("product_id"):
                better = selling.filtered(
                    lambda p, ln=line, mine=in_order, co=company: (
                        p.categ_id == ln.product_id.categ_id
                        and p.lst_price > ln.product_id.lst_price
                        and p not in mine
                        and _sellable(p, co)
                    )
                ).sorted("lst_price")[:1]
                up |= better
            order.crm_crosssell_product_ids = [Command.set([p.id for p in cross])]
            order.crm_upsell_product_ids = [Command.set(up.ids)]
            order.suggested_product_ids = [
                Command.set(list(dict.fromkeys([p.id for p in cross] + up.ids)))
            ]

    def _crm_selling_products(self, categories):
        """Products of these categories sold in the suggestion period."""
        if not categories:
            return self.env["product.product"]
        days = max(self.company_id.mapped("crm_suggestion_days") or [180])
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT pp.id
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN product_product pp ON pp.id = sol.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE so.state = 'sale' AND so.date_order >= %s AND pt.categ_id IN %s
                   AND so.company_id IN %s
                """,
                fields.Datetime.now() - timedelta(days=days),
                tuple(categories.ids),
                tuple(self.company_id.ids) or (0,),
            )
        )
        return self.env["product.product"].browse([row[0] for row in self.env.cr.fetchall()])


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_crm_add_to_order(self):
        """The Add button of a suggestion on the order form."""
        self.ensure_one()
        order = self.env["sale.order"].browse(self.env.context.get("suggest_order_id"))
        if not order or order.state not in ("draft", "sent"):
            raise UserError(self.env._("Suggestions can be added to quotations only."))
        order.order_line = [Command.create({"product_id": self.id, "product_uom_qty": 1})]
        return True


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_next_product_ids = fields.Many2many(
        "product.product",
        compute="_compute_crm_next_product_ids",
        string="Likely to Buy Next",
        groups="crm_ecommerce.group_crm_ecommerce_user",
    )

    def _compute_crm_next_product_ids(self):
        company = self.env.company
        # sudo: which products the customers bought, from the current
        # company's confirmed orders only (the field is for the
        # customer-intelligence group, whatever the salesperson's own orders).
        Line = self.env["sale.order.line"].sudo()
        groups = Line._read_group(
            [
                ("order_id.partner_id", "child_of", self.commercial_partner_id.ids),
                ("order_id.state", "=", "sale"),
                ("company_id", "=", company.id),
                ("product_id", "!=", False),
            ],
            ["order_partner_id", "product_id"],
        )
        bought = defaultdict(lambda: self.env["product.product"])
        for partner, product in groups:
            bought[partner.commercial_partner_id.id] |= product
        all_bought = (
            self.env["product.product"].union(*bought.values())
            if bought
            else self.env["product.product"]
        )
        # sudo: product pairs of the current company only, no customer data.
        Affinity = self.env["crm.product.affinity"].sudo()
        rows = Affinity.search(
            [("product_id", "in", all_bought.ids), ("company_id", "=", company.id)]
        )
        for partner in self:
            own = bought.get(partner.commercial_partner_id.id, self.env["product.product"])
            lift = defaultdict(float)
            for row in rows:
                if row.product_id in own and row.related_product_id not in own:
                    lift[row.related_product_id] += row.lift
            ranked = sorted(
                (p for p in lift if _sellable(p, company)), key=lambda p: (-lift[p], p.id)
            )[:5]
            partner.crm_next_product_ids = [Command.set([p.id for p in ranked])]
