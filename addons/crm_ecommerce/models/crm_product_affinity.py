from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..tools import pg

# The pairs of a product in a company with what ranks them, in one index:
# the ranking of Likely to Buy Next (res_partner_suggestion.py) reads the
# pairs of every product a customer bought and drops those leading to a
# product they bought, from the index alone (an index-only scan, where the
# table has been vacuumed since its last refresh). The table holds a few
# thousand rows (each product's best pairs).
AFFINITY_RANK_INDEX = "crm_product_affinity_rank_index"

# Pairs bought together in the company's confirmed orders of the period, with
# support (orders with both), confidence and lift, in one statement; only each
# product's best related products are kept (suggestions show a handful).
AFFINITY_QUERY = """
WITH baskets AS (
    SELECT DISTINCT sol.order_id, sol.product_id
      FROM sale_order_line sol
      JOIN sale_order so ON so.id = sol.order_id
     WHERE so.state = 'sale' AND so.company_id = %(company)s AND so.date_order >= %(since)s
       AND sol.product_id IS NOT NULL AND sol.display_type IS NULL AND sol.price_unit > 0
),
total AS (SELECT count(DISTINCT order_id) AS orders FROM baskets),
items AS (SELECT product_id, count(*) AS orders FROM baskets GROUP BY product_id),
pairs AS (
    SELECT a.product_id AS product_id, b.product_id AS related_id, count(*) AS together
      FROM baskets a JOIN baskets b ON a.order_id = b.order_id AND a.product_id <> b.product_id
  GROUP BY 1, 2
)
INSERT INTO crm_product_affinity
    (company_id, product_id, related_product_id, support, confidence, lift,
     create_uid, create_date, write_uid, write_date)
SELECT %(company)s, product_id, related_id, together, confidence, lift,
       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
  FROM (
    SELECT p.product_id, p.related_id, p.together,
           p.together::float / ia.orders AS confidence,
           p.together::float * t.orders / (ia.orders * ib.orders) AS lift,
           row_number() OVER (PARTITION BY p.product_id
                              ORDER BY p.together::float / (ia.orders * ib.orders) DESC, p.together DESC) AS rank
      FROM pairs p
      JOIN items ia ON ia.product_id = p.product_id
      JOIN items ib ON ib.product_id = p.related_id
     CROSS JOIN total t
     WHERE p.together >= %(min_support)s
  ) ranked
 WHERE rank <= %(keep)s
"""


# What an up-sell reads (crm.product.sales, crm.product.buyers), from the
# same period's confirmed orders in one statement: each product's orders,
# and for each pair of products of a category (once, the lower id first)
# the customers who bought both (a company and its contacts are one
# customer), whatever the lines' prices.
# The up-sell's inputs: the period's confirmed lines (customer, order,
# product), and each customer's products with their category.
UPSELL_INPUTS = """
lines AS (
    SELECT DISTINCT so.partner_id, sol.order_id, sol.product_id
      FROM sale_order_line sol
      JOIN sale_order so ON so.id = sol.order_id
     WHERE so.state = 'sale' AND so.company_id = %(company)s AND so.date_order >= %(since)s
       AND sol.product_id IS NOT NULL
),
bought AS (
    SELECT DISTINCT p.commercial_partner_id AS partner_id, l.product_id, pt.categ_id
      FROM lines l
      JOIN res_partner p ON p.id = l.partner_id
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
)"""
UPSELL_QUERY = (
    "WITH"
    + UPSELL_INPUTS
    + """,
sold AS (
    INSERT INTO crm_product_sales (company_id, product_id, orders)
    SELECT %(company)s, product_id, count(*) FROM lines GROUP BY product_id
)
INSERT INTO crm_product_buyers (company_id, product_id, other_product_id, buyers)
SELECT %(company)s, a.product_id, b.product_id, count(*)
  FROM bought a
  JOIN bought b ON b.partner_id = a.partner_id AND b.categ_id = a.categ_id
               AND b.product_id > a.product_id
 GROUP BY a.product_id, b.product_id
"""
)


KEEP_PER_PRODUCT = 20
# Orders a pair must share to be suggested (the nightly refresh's).
MIN_SUPPORT = 2


# What the pairs are read from.
AFFINITY_TABLES = (
    "sale_order",
    "sale_order_line",
    "res_partner",
    "product_product",
    "product_template",
)
# What the refresh writes, and the screens read.
FIGURES_TABLES = ("crm_product_affinity", "crm_product_sales", "crm_product_buyers")


class CrmProductAffinity(models.Model):
    """Products bought together, refreshed by a cron (with the up-sell's
    figures, crm.product.sales and crm.product.buyers)."""

    _name = "crm.product.affinity"
    _description = "Products Bought Together"
    _order = "lift desc, support desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, index=True, ondelete="cascade", check_company=True
    )
    related_product_id = fields.Many2one(
        "product.product",
        string="Bought With",
        required=True,
        ondelete="cascade",
        check_company=True,
    )
    support = fields.Integer(help="Orders with both products.")
    confidence = fields.Float(help="Share of the orders of the product that also have the other.")
    lift = fields.Float(
        help="How much more often than by chance they are bought together (1 = chance)."
    )

    def init(self):
        """AFFINITY_RANK_INDEX, made when missing (install and update)."""
        result = super().init()
        create_index(
            self.env.cr,
            AFFINITY_RANK_INDEX,
            self._table,
            ["product_id", "company_id", "related_product_id", "lift", "support"],
        )
        return result

    @api.model
    def _cron_refresh(self):
        for company in self.env["res.company"].search([("active", "=", True)]):
            self.with_company(company)._refresh(min_support=MIN_SUPPORT)

    @api.model
    def _crm_empty_reason(self, company):
        """Why the company's suggestions from products bought together are
        empty, in words: too few orders with two products or more in the
        suggestion period (N of M needed), or no pair bought together often
        enough yet. The orders are counted up to the number needed only: a
        shop with a history finds them among its first orders of the
        period, whatever its size."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*) FROM (
                    SELECT FROM sale_order so
                     WHERE so.state = 'sale' AND so.company_id = %s AND so.date_order >= %s
                       AND EXISTS (
                            SELECT FROM sale_order_line a
                              JOIN sale_order_line b ON b.order_id = a.order_id
                                                    AND b.product_id <> a.product_id
                             WHERE a.order_id = so.id AND a.display_type IS NULL
                               AND b.display_type IS NULL
                       )
                     LIMIT %s
                ) baskets
                """,
                company.id,
                fields.Datetime.now() - timedelta(days=company.crm_suggestion_days),
                MIN_SUPPORT,
            )
        )
        baskets = self.env.cr.fetchone()[0]
        if baskets < MIN_SUPPORT:
            return self.env._(
                "Not enough orders yet: %(count)s of %(needed)s needed (orders with two products "
                "or more in the last %(days)s days).",
                count=baskets,
                needed=MIN_SUPPORT,
                days=company.crm_suggestion_days,
            )
        return self.env._("No product is often bought with these yet.")

    @api.model
    def _refresh(self, min_support=MIN_SUPPORT):
        """Recompute the company's products bought together, and the
        products it sells and the customers who bought two of a category
        (the up-sell's figures): the screens read these instead of the
        order lines. Returns the number of pairs bought together."""
        company = self.env.company
        self.env.flush_all()
        # Statistics that still say the order tables are empty (a history
        # imported in bulk) would plan the pairs' aggregate for empty tables.
        pg.analyze_stale(self.env.cr, AFFINITY_TABLES)
        # The company's figures are recomputed from scratch: the old ones go.
        for table in FIGURES_TABLES:
            self.env.cr.execute(
                SQL("DELETE FROM %s WHERE company_id = %s", SQL.identifier(table), company.id)
            )
        since = fields.Datetime.now() - timedelta(days=company.crm_suggestion_days)
        with pg.aggregate_settings(self.env.cr):
            # The pairs, their support, confidence and lift (see AFFINITY_QUERY).
            self.env.cr.execute(
                SQL(
                    AFFINITY_QUERY,
                    company=company.id,
                    since=since,
                    min_support=min_support,
                    keep=KEEP_PER_PRODUCT,
                    uid=self.env.uid,
                )
            )
            count = self.env.cr.rowcount
            # The products sold, the customers who bought both (UPSELL_QUERY).
            self.env.cr.execute(SQL(UPSELL_QUERY, company=company.id, since=since))
        # The screens look these tables up by product: their plans follow
        # what the refresh wrote, not what the tables held before.
        self.env.cr.execute(
            SQL("ANALYZE %s", SQL(", ").join(SQL.identifier(table) for table in FIGURES_TABLES))
        )
        self.invalidate_model()
        self.env["crm.product.sales"].invalidate_model()
        self.env["crm.product.buyers"].invalidate_model()
        return count
