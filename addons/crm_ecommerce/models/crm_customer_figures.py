from odoo import fields, models
from odoo.tools.sql import create_index

from ..tools import scoring


class CrmCustomerFigures(models.Model):
    """A customer's figures in one company: RFM, score, churn risk, the
    score's breakdown and the predictions, one narrow row per customer and
    company.

    The customer fields of res.partner (res_partner_rfm.py,
    res_partner_clv.py) read, search, sort and group on these rows. They
    live here and not on res_partner because a first computation writes
    every customer: a new row here costs a fraction of rewriting a wide
    partner row and its thirty indexes (bench a'). Written by set-based SQL
    only (tools/pg.write_figures), never through the ORM: the customer and
    company are plain integers, without the foreign-key check per row; a
    customer's rows go with it (res.partner.unlink), a company's with it
    (res.company.unlink)."""

    _name = "crm.customer.figures"
    _description = "Customer Figures"
    _log_access = False

    partner_id = fields.Integer(required=True, index=False, string="Customer")
    company_id = fields.Integer(required=True, index=False)

    # RFM and score (res_partner_rfm.py), with the month they were computed
    # in: the score trend's current month (crm.customer.score.snapshot).
    rfm_recency_score = fields.Integer(string="Recency Score")
    rfm_frequency_score = fields.Integer(string="Frequency Score")
    rfm_monetary_score = fields.Integer(string="Monetary Score")
    rfm_segment = fields.Selection(scoring.SEGMENTS, string="Segment")
    customer_score = fields.Integer()
    churn_risk = fields.Boolean()
    rfm_last_order_date = fields.Date(string="Last Order")
    rfm_frequency = fields.Integer(string="Orders in Window")
    rfm_order_count = fields.Integer(string="Orders")
    rfm_monetary = fields.Float(string="Net Revenue")
    rfm_order_gap = fields.Float(string="Usual Gap (days)")
    rfm_signature = fields.Char()
    rfm_month = fields.Date(string="Month")
    # [[label, points], ...]: the lines of "Why this score"
    # (crm.customer.score.line).
    score_factors = fields.Json(string="Why This Score")

    # Predictions (res_partner_clv.py).
    clv_frequency = fields.Integer(string="Repeat Purchases")
    clv_first_purchase = fields.Date(string="First Purchase")
    clv_last_purchase = fields.Date(string="Last Purchase")
    clv_date = fields.Date(string="Predicted On")
    clv_fit_date = fields.Date(string="Fit Of")
    clv_predicted_orders = fields.Float(string="Predicted Orders (90 days)")
    clv_probability_alive = fields.Float(string="Probability Active")
    clv_next_order_date = fields.Date(string="Expected Next Order")
    clv_expected_spend = fields.Float(string="Expected Spend per Order")
    clv_predicted_value = fields.Float(string="Predicted 12-Month Value")
    clv_signature = fields.Char()

    _sql_constraints = [
        (
            "partner_company_unique",
            "unique(partner_id, company_id)",
            "One row of figures per customer and company.",
        ),
    ]

    def init(self):
        """A company's customers of a segment, in customer order, from the
        index alone: the Customer Insights kanban's columns and their counts
        (a segment of a few dozen customers among a hundred thousand is
        read without scanning the company's rows). Made when missing, at the
        install or an update."""
        create_index(
            self.env.cr,
            "crm_customer_figures_segment_index",
            self._table,
            ["company_id", "rfm_segment", "partner_id"],
        )
