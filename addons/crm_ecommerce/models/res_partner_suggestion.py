from odoo import Command, api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..tools import pg

# The products a customer bought, from an index: the lines of a customer
# with hundreds of orders lie on as many pages of sale_order_line, and the
# distinct products of their lines are read from the index alone (one page
# of it; the table's pages are read for one line per product only).
# Both columns are indexed by Odoo already, so the index changes nothing of
# which updates of a line PostgreSQL can make in place (HOT). Dropped by the
# uninstall hook, with the addon.
LINE_PRODUCTS_INDEX = "crm_ecommerce_sale_line_partner_product_index"

# For each customer (a company and its contacts are one), the products
# related to those they bought, by the sum of their lifts (added in the
# order the pairs are sorted, highest first), without those they bought:
# the best ones that may be sold, and whether they bought anything at all.
# What they bought: the distinct products of each contact's lines, read
# from LINE_PRODUCTS_INDEX in its order (per contact, so that they come
# sorted from the index and need no sort: 3,219 lines of 200 products for
# the 1x bench shop's best customer), each kept when one of its lines is
# of a confirmed order of the company (the first line found, mostly: a
# line keeps its order's customer, state and company, stored by Odoo),
# one index probe per product: a scalar subquery, which PostgreSQL does
# not turn into a join (as an EXISTS, planned from the average customer's
# lines, it hashed all the shop's lines for 300 customers: 2.3 s against
# 0.2 s on the 1x bench shop).
# Their pairs are read from the pairs' own index (AFFINITY_RANK_INDEX of
# crm.product.affinity), without reading the table.
# A pair leading to a product they bought is dropped before the sums, by
# a NOT IN on what they bought, which PostgreSQL hashes when it expects
# what they bought to fit in memory (work_mem): a customer of a few orders
# or of thousands alike, and, on the 1x bench shop, any number of customers
# up to 3,000,000 (a NOT EXISTS, planned from the expected number of a
# customer's orders, took 3.0 ms against 2.3 ms for its best customer). A
# customer who bought the whole catalogue sums nothing. With the products,
# whether any pair matched what they bought (related: one index scan of
# the pairs for all the products bought, stopping at the first pair) and
# whether one of those pairs leads to a product not bought yet (unowned):
# why the list is empty, when it is.
NEXT_PRODUCTS_QUERY = """
WITH own AS (
    SELECT DISTINCT bought.partner_id, bought.product_id
      FROM (SELECT p.commercial_partner_id AS partner_id, p.id AS contact_id, sol.product_id
              FROM res_partner p
             CROSS JOIN LATERAL (
                    SELECT DISTINCT line.product_id
                      FROM sale_order_line line
                     WHERE line.order_partner_id = p.id AND line.product_id IS NOT NULL) sol
             WHERE p.commercial_partner_id = ANY(%(partners)s::int[])) bought
     WHERE (SELECT true
              FROM sale_order_line line
             WHERE line.order_partner_id = bought.contact_id
               AND line.product_id = bought.product_id
               AND line.state = 'sale' AND line.company_id = %(company)s
             LIMIT 1)
),
scores AS (
    SELECT own.partner_id, a.related_product_id AS product_id,
           sum(a.lift ORDER BY a.lift DESC, a.support DESC) AS lift
      FROM own
      JOIN crm_product_affinity a ON a.product_id = own.product_id
     WHERE a.company_id = %(company)s
       AND (own.partner_id, a.related_product_id) NOT IN (SELECT partner_id, product_id FROM own)
  GROUP BY own.partner_id, a.related_product_id
)
SELECT partner_id,
       (array_agg(product_id ORDER BY lift DESC, product_id)
            FILTER (WHERE product_id IN %(sellable)s))[1:%(limit)s],
       bool_or(related) AS related,
       bool_or(product_id IS NOT NULL) AS unowned
  FROM (
        SELECT partner_id, product_id, lift, true AS related FROM scores
     UNION ALL
        SELECT buyer.partner_id, NULL, NULL,
               EXISTS (SELECT FROM crm_product_affinity a
                        WHERE a.product_id = ANY(buyer.products) AND a.company_id = %(company)s)
          FROM (SELECT partner_id, array_agg(product_id) AS products
                  FROM own
              GROUP BY partner_id) buyer
      ) ranked
 GROUP BY partner_id
"""

# What the statement reads, flushed first.
READ_MODELS = (
    "sale.order",
    "sale.order.line",
    "res.partner",
    "crm.product.affinity",
    "product.product",
    "product.template",
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_next_product_ids = fields.Many2many(
        "product.product",
        compute="_compute_crm_next_product_ids",
        string="Likely to Buy Next",
        groups="crm_ecommerce.group_crm_ecommerce_user",
    )
    crm_next_product_note = fields.Char(
        compute="_compute_crm_next_product_ids",
        string="Why Nothing Is Likely Yet",
        groups="crm_ecommerce.group_crm_ecommerce_user",
    )

    def init(self):
        """LINE_PRODUCTS_INDEX, made when missing (install and update)."""
        result = super().init()
        create_index(
            self.env.cr,
            LINE_PRODUCTS_INDEX,
            "sale_order_line",
            ["order_partner_id", "product_id"],
            where="product_id IS NOT NULL",
        )
        return result

    # The customer's company, fetched with the form's fields (not by a
    # read of every column of the partner when the compute reads it).
    @api.depends("commercial_partner_id")
    @api.depends_context("company")
    def _compute_crm_next_product_ids(self):
        """The products related to those the customer bought in the current
        company (crm.product.affinity), that they did not buy, by the sum
        of their lifts: one statement, whatever the number of customers,
        orders and pairs."""
        company = self.env.company
        ranked = self._crm_next_products(company)
        reason = None
        for partner in self:
            commercial = partner.commercial_partner_id._origin.id
            products, related, unowned = ranked.get(commercial) or ([], False, False)
            partner.crm_next_product_ids = [Command.set(products)]
            if products:
                partner.crm_next_product_note = False
            elif commercial not in ranked:
                partner.crm_next_product_note = self.env._(
                    "Not enough orders yet: 0 of 1 needed (this customer has no confirmed order)."
                )
            elif unowned:
                partner.crm_next_product_note = self.env._(
                    "The products often bought with theirs that they have not bought are archived "
                    "or not for sale."
                )
            elif related:
                partner.crm_next_product_note = self.env._(
                    "They already bought every product often bought with theirs."
                )
            else:
                # sudo: product pairs of the current company only, no
                # customer data.
                Affinity = self.env["crm.product.affinity"].sudo()
                reason = reason or Affinity._crm_empty_reason(company)
                partner.crm_next_product_note = reason

    def _crm_next_products(self, company, limit=5):
        """{commercial partner id: ([product ids, best first], related,
        unowned)} for the customers of ``self`` who have a confirmed order
        in ``company``, ranked in NEXT_PRODUCTS_QUERY: an empty list is
        nothing to suggest; related, whether a pair matched what they
        bought; unowned, whether one of those pairs' products is not bought
        yet (then it may not be sold)."""
        partners = {pid for pid in self.commercial_partner_id._origin.ids if pid}
        if not partners:
            return {}
        for model in READ_MODELS:
            self.env[model].flush_model()
        sellable = self.env["product.product"]._crm_sellable_query(company)
        # Which products the customers bought, from the current company's
        # confirmed orders only (the field is for the customer-intelligence
        # group, whatever the salesperson's own orders), and the company's
        # product pairs: read in SQL, the user's record rules do not apply.
        self.env.cr.execute(
            SQL(
                NEXT_PRODUCTS_QUERY,
                company=company.id,
                partners=pg.int_array(sorted(partners)),
                sellable=sellable.subselect(),
                limit=limit,
            )
        )
        return {
            partner: (products or [], related, unowned)
            for partner, products, related, unowned in self.env.cr.fetchall()
        }
