from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import pg

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


KEEP_PER_PRODUCT = 20
# Orders a pair must share to be suggested (the nightly refresh's).
MIN_SUPPORT = 2


# What the pairs are read from.
AFFINITY_TABLES = ("sale_order", "sale_order_line", "product_product", "product_template")


class CrmProductAffinity(models.Model):
    """Products bought together, refreshed by a cron."""

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

    @api.model
    def _cron_refresh(self):
        for company in self.env["res.company"].search([("active", "=", True)]):
            self.with_company(company)._refresh(min_support=MIN_SUPPORT)

    @api.model
    def _crm_empty_reason(self, company):
        """Why the company's suggestions from products bought together are
        empty, in words: too few orders with two products or more in the
        suggestion period (N of M needed), or no pair bought together often
        enough yet."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*) FROM (
                    SELECT sol.order_id
                      FROM sale_order_line sol
                      JOIN sale_order so ON so.id = sol.order_id
                     WHERE so.state = 'sale' AND so.company_id = %s AND so.date_order >= %s
                       AND sol.product_id IS NOT NULL AND sol.display_type IS NULL
                  GROUP BY sol.order_id HAVING count(DISTINCT sol.product_id) >= 2
                ) baskets
                """,
                company.id,
                fields.Datetime.now() - timedelta(days=company.crm_suggestion_days),
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
        company = self.env.company
        self.env.flush_all()
        # Statistics that still say the order tables are empty (a history
        # imported in bulk) would plan the pairs' aggregate for empty tables.
        pg.analyze_stale(self.env.cr, AFFINITY_TABLES)
        # The company's pairs are recomputed from scratch: the old ones go.
        self.env.cr.execute(
            SQL("DELETE FROM crm_product_affinity WHERE company_id = %s", company.id)
        )
        with pg.aggregate_settings(self.env.cr):
            # The pairs, their support, confidence and lift (see AFFINITY_QUERY).
            self.env.cr.execute(
                SQL(
                    AFFINITY_QUERY,
                    company=company.id,
                    since=fields.Datetime.now() - timedelta(days=company.crm_suggestion_days),
                    min_support=min_support,
                    keep=KEEP_PER_PRODUCT,
                    uid=self.env.uid,
                )
            )
            count = self.env.cr.rowcount
        self.invalidate_model()
        return count
