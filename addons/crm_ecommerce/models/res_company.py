from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .crm_clv_fit import UNITS


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_rfm_window_days = fields.Integer(
        string="Frequency Window (days)",
        default=365,
        help="Orders counted for RFM frequency and monetary value.",
    )
    crm_score_hot_threshold = fields.Integer(string="Hot From", default=70)
    crm_score_warm_threshold = fields.Integer(string="Warm From", default=40)
    crm_score_mirror_priority = fields.Boolean(
        string="Show Lead Score as Stars", help="Set the lead's priority stars from its score band."
    )
    crm_churn_factor = fields.Float(
        string="Churn After (x usual gap)",
        default=2.0,
        help="A customer with 2 orders or more is at risk when the days since the last order "
        "exceed this many times their usual gap between orders.",
    )
    crm_suggestion_days = fields.Integer(
        string="Suggestions From (days)",
        default=180,
        help="Orders of this period feed the suggestions.",
    )
    crm_clv_unit = fields.Selection(
        UNITS,
        string="Prediction Time Unit",
        default="week",
        required=True,
        help="The unit the prediction models count time in: weeks smooth out the day of the "
        "week customers shop on, days suit shops whose customers buy several times a week.",
    )
    crm_clv_discount_rate = fields.Float(
        string="Discount Rate (% a year)",
        default=10.0,
        help="What money a year from now is worth less than today, for the predicted value.",
    )
    crm_clv_alive_threshold = fields.Float(
        string="Churn Below (% likely active)",
        default=30.0,
        help="Once predictions exist, a customer is at risk below this probability of still "
        "being a customer.",
    )
    crm_clv_min_repeat_customers = fields.Integer(
        string="Predictions From (repeat customers)",
        default=50,
        help="Predictions need at least this many customers who bought again on a later day; "
        "below, churn risk follows the usual-gap rule.",
    )
    crm_clv_fit_id = fields.Many2one(
        "crm.clv.fit",
        string="Prediction Fit in Use",
        readonly=True,
        check_company=True,
        help="The fit whose parameters the predictions use: the latest successful one.",
    )

    @api.constrains(
        "crm_score_hot_threshold",
        "crm_score_warm_threshold",
        "crm_churn_factor",
        "crm_rfm_window_days",
        "crm_suggestion_days",
        "crm_clv_discount_rate",
        "crm_clv_alive_threshold",
        "crm_clv_min_repeat_customers",
    )
    def _check_crm_settings(self):
        for company in self:
            for value in (company.crm_score_hot_threshold, company.crm_score_warm_threshold):
                if not 0 <= value <= 100:
                    raise ValidationError(self.env._("Score thresholds must be between 0 and 100."))
            if company.crm_score_warm_threshold > company.crm_score_hot_threshold:
                raise ValidationError(self.env._("The warm threshold can't be above the hot one."))
            if company.crm_churn_factor <= 0:
                raise ValidationError(self.env._("The churn factor must be more than 0."))
            if company.crm_rfm_window_days <= 0 or company.crm_suggestion_days <= 0:
                raise ValidationError(self.env._("A window of days must be more than 0."))
            if not 0 <= company.crm_clv_discount_rate < 100:
                raise ValidationError(
                    self.env._("The discount rate must be between 0 and 100% a year.")
                )
            if not 0 < company.crm_clv_alive_threshold < 100:
                raise ValidationError(
                    self.env._("The churn threshold must be between 0 and 100% likely active.")
                )
            if company.crm_clv_min_repeat_customers < 1:
                raise ValidationError(self.env._("Predictions need at least one repeat customer."))

    def unlink(self):
        """A company's customer figures go with it (they have no foreign
        key, see crm_customer_figures.py)."""
        ids = self.ids
        result = super().unlink()
        self.env.cr.execute(SQL("DELETE FROM crm_customer_figures WHERE company_id = ANY(%s)", ids))
        return result
