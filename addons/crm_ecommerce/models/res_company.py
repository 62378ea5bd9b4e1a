from odoo import api, fields, models
from odoo.exceptions import ValidationError


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

    @api.constrains(
        "crm_score_hot_threshold",
        "crm_score_warm_threshold",
        "crm_churn_factor",
        "crm_rfm_window_days",
        "crm_suggestion_days",
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
