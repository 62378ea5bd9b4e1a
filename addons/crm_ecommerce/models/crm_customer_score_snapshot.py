from odoo import fields, models

from ..tools import scoring


class CrmCustomerScoreSnapshot(models.Model):
    """The customer score and segment each month, for a trend.

    Written by the RFM computation only, for every customer on a month's
    first run: no author or dates, and the customer is found through the
    unique (customer, company, month) index, without one of its own."""

    _name = "crm.customer.score.snapshot"
    _description = "Customer Score Snapshot"
    _order = "month desc"
    _check_company_auto = True
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    month = fields.Date(required=True)
    score = fields.Integer(aggregator="avg")
    segment = fields.Selection(scoring.SEGMENTS)

    _sql_constraints = [
        (
            "partner_company_month_unique",
            "unique(partner_id, company_id, month)",
            "One snapshot per month.",
        ),
    ]
