from odoo import api, fields, models


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
    crm_clv_unit = fields.Selection(related="company_id.crm_clv_unit", readonly=False)
    crm_clv_discount_rate = fields.Float(related="company_id.crm_clv_discount_rate", readonly=False)
    crm_clv_alive_threshold = fields.Float(
        related="company_id.crm_clv_alive_threshold", readonly=False
    )
    crm_clv_min_repeat_customers = fields.Integer(
        related="company_id.crm_clv_min_repeat_customers", readonly=False
    )
    crm_clv_fit_id = fields.Many2one(related="company_id.crm_clv_fit_id")
    crm_clv_fit_summary = fields.Char(related="company_id.crm_clv_fit_id.summary")
    crm_clv_status = fields.Char(compute="_compute_crm_clv_status")

    @api.depends("company_id", "crm_clv_fit_id")
    def _compute_crm_clv_status(self):
        for settings in self:
            settings.crm_clv_status = self.env["res.partner"]._clv_company_status(
                settings.company_id
            )

    def action_crm_clv_fit(self):
        """Refit the prediction models of the company now."""
        self.env["res.partner"].with_company(self.company_id).action_clv_fit()
        return True
