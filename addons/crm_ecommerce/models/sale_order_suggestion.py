from odoo import Command, api, fields, models
from odoo.tools import SQL

from ..tools import pg

# For each order (a key) of a company, the products bought together with
# one of its products, by their highest lift, without the order's own
# products (they come in with an empty lift and mark their group): the best
# ones that may be sold; and whether a pair matched the order's products
# (related) and whether one of those pairs' products is not in the order
# (unowned): why the list is empty, when it is.
CROSSSELL_QUERY = """
WITH wanted AS (
    SELECT * FROM unnest(%(keys)s::int[], %(products)s::int[]) AS w(order_key, product_id)
),
scores AS (
    SELECT order_key, product_id, bool_or(owned) AS owned, bool_or(paired) AS paired,
           max(lift) AS lift
      FROM (
        SELECT w.order_key, a.related_product_id AS product_id, false AS owned,
               true AS paired, a.lift
          FROM wanted w
          JOIN crm_product_affinity a ON a.product_id = w.product_id
         WHERE a.company_id = %(company)s
     UNION ALL
        SELECT order_key, product_id, true, false, 0 FROM wanted
      ) candidates
  GROUP BY order_key, product_id
)
SELECT order_key,
       (array_agg(product_id ORDER BY lift DESC, product_id)
            FILTER (WHERE NOT owned AND product_id IN %(sellable)s))[1:%(limit)s],
       bool_or(paired) AS related,
       bool_or(paired AND NOT owned) AS unowned
  FROM scores
 GROUP BY order_key
"""
# What the statement reads, flushed first.
CROSSSELL_MODELS = ("crm.product.affinity", "product.product", "product.template")


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
        currency or discounted). Which products sell, and how many
        customers bought both, are the nightly refresh's figures
        (crm.product.affinity._refresh): a fixed number of queries for the
        whole recordset, whatever the number of orders in the shop."""
        products = self.order_line.product_id
        crosses = self._crm_crosssell_products()
        selling = self._crm_selling_products(products.categ_id)
        Product = self.env["product.product"]
        # The products shown, fetched together.
        pool = Product.browse(
            {pid for ids, _related, _unowned in crosses.values() for pid in ids} | set(selling.ids)
        )
        selling = selling.with_prefetch(pool._prefetch_ids)
        reasons = {}
        ups = {}
        for order in self:
            company = order.company_id
            in_order = order.order_line.product_id
            cross_ids, related, unowned = crosses.get(order) or ([], False, False)
            cross = Product.browse(cross_ids).with_prefetch(pool._prefetch_ids)
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
            elif unowned:
                order.crm_crosssell_note = self.env._(
                    "The products often bought with these that are not in the order are archived "
                    "or not for sale."
                )
            elif related:
                order.crm_crosssell_note = self.env._(
                    "Everything often bought with these products is in the order already."
                )
            else:
                if company not in reasons:
                    # sudo: why the company's product pairs are empty, no
                    # customer data.
                    Affinity = self.env["crm.product.affinity"].sudo()
                    reasons[company] = Affinity._crm_empty_reason(company)
                order.crm_crosssell_note = reasons[company]
        buyers = self._crm_upsell_buyers([pair for pairs in ups.values() for pair in pairs])
        for order, pairs in ups.items():
            company_id = order.company_id.id
            order.crm_upsell_note = "\n".join(
                order._crm_upsell_reason(
                    base, better, buyers.get((company_id, base.id, better.id), 0)
                )
                for base, better in pairs
            ) or self.env._(
                "No pricier product of the same category sold in the last %(days)s days.",
                days=order.company_id.crm_suggestion_days,
            )

    def _crm_crosssell_products(self, limit=5):
        """{order: ([product ids, best first], related, unowned)}: the
        products most bought together with the order's (the highest lift
        with any of them in the order's company, crm.product.affinity)
        that are not in the order and may be sold there; whether a pair
        matched the order's products, and whether one of those pairs'
        products is not in the order. The order's products are read from
        the cache (a quotation being edited has lines not saved yet); one
        statement per company."""
        result = {}
        for model in CROSSSELL_MODELS:
            self.env[model].flush_model()
        for company in self.company_id:
            orders = self.filtered(lambda order, co=company: order.company_id == co)
            wanted = [
                (key, product_id)
                for key, order in enumerate(orders)
                for product_id in order.order_line.product_id._origin.ids
            ]
            if not wanted:
                continue
            sellable = self.env["product.product"]._crm_sellable_query(company)
            # The company's product pairs: no customer data.
            self.env.cr.execute(
                SQL(
                    CROSSSELL_QUERY,
                    company=company.id,
                    keys=pg.int_array([key for key, _product in wanted]),
                    products=pg.int_array([product for _key, product in wanted]),
                    sellable=sellable.subselect(),
                    limit=limit,
                )
            )
            result.update(
                (orders[key], (ids or [], related, unowned))
                for key, ids, related, unowned in self.env.cr.fetchall()
            )
        return result

    def _crm_upsell_reason(self, base, better, buyers):
        """Why ``better`` is proposed instead of ``base``, in words: the
        customers counted are those of the suggestion period, as the
        nightly refresh counts them, and the sentence says so."""
        values = {
            "product": better.display_name,
            "base": base.display_name,
            "count": buyers,
            "days": self.company_id.crm_suggestion_days,
        }
        if buyers == 1:
            return self.env._(
                "%(product)s: same category as %(base)s, higher price, bought in the last "
                "%(days)s days by 1 customer who bought %(base)s.",
                **values,
            )
        if buyers:
            return self.env._(
                "%(product)s: same category as %(base)s, higher price, bought in the last "
                "%(days)s days by %(count)s customers who bought %(base)s.",
                **values,
            )
        return self.env._(
            "%(product)s: same category as %(base)s, higher price, sells well; no customer "
            "of %(base)s bought it in the last %(days)s days.",
            **values,
        )

    def _crm_upsell_buyers(self, pairs):
        """{(company id, product id, other product id): customers who
        bought both} for ``pairs`` [(product, other product)] in the
        suggestion period of the orders' companies, as the nightly refresh
        counted them (crm.product.buyers, each pair once): one query,
        whatever the number of orders in the shop."""
        if not pairs:
            return {}
        ids = list({product.id for pair in pairs for product in pair})
        # sudo: numbers of customers, not the customers, of the orders' own
        # companies only.
        rows = (
            self.env["crm.product.buyers"]
            .sudo()
            .search_fetch(
                [
                    ("company_id", "in", self.company_id.ids),
                    ("product_id", "in", ids),
                    ("other_product_id", "in", ids),
                ],
                ["company_id", "product_id", "other_product_id", "buyers"],
            )
        )
        buyers = {}
        for row in rows:
            first, second = row.product_id.id, row.other_product_id.id
            buyers[row.company_id.id, first, second] = row.buyers
            buyers[row.company_id.id, second, first] = row.buyers
        return buyers

    def _crm_selling_products(self, categories):
        """Products of these categories sold in the suggestion period of the
        orders' companies, as the nightly refresh found them
        (crm.product.sales), in the products' order."""
        if not categories:
            return self.env["product.product"]
        # sudo: which products sell in the orders' own companies: products
        # only, whoever sold them.
        groups = (
            self.env["crm.product.sales"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", self.company_id.ids),
                    ("product_id.categ_id", "in", categories.ids),
                ],
                ["product_id"],
            )
        )
        return self.env["product.product"].browse([product.id for [product] in groups])
