from collections import defaultdict

from odoo import models
from odoo.tools import SQL

from ..tools import pg


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_confirm(self):
        res = super()._action_confirm()
        self._crm_score_new_customers()
        return res

    def _crm_score_new_customers(self):
        """A customer's first confirmed order scores them at once, instead
        of leaving them at 0 without a breakdown until the nightly run: the
        customers of these orders who have no figures in the order's company
        yet are computed, in one batch per company, against the figures
        stored for the others (no company-wide recompute)."""
        by_company = defaultdict(set)
        for order in self:
            by_company[order.company_id].add(order.partner_id.commercial_partner_id.id)
        for company, partner_ids in by_company.items():
            self.env.cr.execute(
                SQL(
                    "SELECT t.id FROM unnest(%s::int[]) AS t(id) WHERE NOT EXISTS ("
                    "SELECT 1 FROM crm_customer_figures f WHERE f.partner_id = t.id"
                    " AND f.company_id = %s AND f.rfm_segment IS NOT NULL)",
                    pg.int_array(partner_ids),
                    company.id,
                )
            )
            new_ids = [row[0] for row in self.env.cr.fetchall()]
            if new_ids:
                # sudo: what the nightly cron would compute, at the
                # confirmation whoever confirms (a clerk, the web checkout,
                # whose rights the confirmation checked); rules keep their
                # authors' rights, and only these customers are written.
                Partner = self.env["res.partner"].sudo().with_company(company)
                Partner._rfm_compute(partner_ids=new_ids)
