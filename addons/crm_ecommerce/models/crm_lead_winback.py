from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_winback_episode = fields.Date(
        string="Win-back Episode",
        readonly=True,
        copy=False,
        groups="crm_ecommerce.group_crm_ecommerce_user",
        help="The last order date of the churn this lead answers.",
    )

    def action_crm_create_campaign(self):
        """Create Campaign from win-back opportunities: their customers."""
        return self.partner_id.action_crm_create_campaign()
