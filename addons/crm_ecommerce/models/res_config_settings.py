from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_rfm_window_days = fields.Integer(related="company_id.crm_rfm_window_days", readonly=False)
    crm_score_hot_threshold = fields.Integer(
        related="company_id.crm_score_hot_threshold", readonly=False
    )
    crm_score_warm_threshold = fields.Integer(
        related="company_id.crm_score_warm_threshold", readonly=False
    )
    crm_score_mirror_priority = fields.Boolean(
        related="company_id.crm_score_mirror_priority", readonly=False
    )
    crm_churn_factor = fields.Float(related="company_id.crm_churn_factor", readonly=False)
    crm_suggestion_days = fields.Integer(related="company_id.crm_suggestion_days", readonly=False)
