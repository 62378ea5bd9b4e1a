from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

GROUP = "crm_ecommerce.group_crm_ecommerce_user"
MAILING_GROUP = "mass_mailing.group_mass_mailing_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_campaign_coupon_code = fields.Char(
        string="Campaign Coupon Code",
        compute="_compute_crm_campaign_coupon_code",
        help="Placeholder of a campaign's email: the recipient's personal coupon code.",
    )
    crm_campaign_member_ids = fields.One2many(
        "crm.campaign.member",
        "partner_id",
        string="Campaigns & Responses",
        groups=GROUP,
    )

    @api.model
    def _crm_campaign_reachable_domain(self):
        """Who a campaign may email: whom a targeted action may address
        (_crm_marketable_domain: consent, not blacklisted), with an email
        address to send to."""
        return [*self._crm_marketable_domain(), ("email", "!=", False), ("email", "!=", "")]

    def _compute_crm_campaign_coupon_code(self):
        """The recipient's own coupon of the campaign whose mailing is being
        sent: Email Marketing sends with the mailing in the context
        (post_convert_links), the only time the code is filled. Elsewhere
        (a test send, a preview, a read) it is empty."""
        mailing_id = (self.env.context.get("post_convert_links") or {}).get("mass_mailing_id")
        codes = {}
        if mailing_id and (self.env.su or self.env.user.has_group(MAILING_GROUP)):
            # sudo: the codes of this mailing's own recipients, for the
            # Email Marketing user (or cron) sending it.
            members = (
                self.env["crm.campaign.member"]
                .sudo()
                .search(
                    [
                        ("campaign_id.mailing_id", "=", mailing_id),
                        ("partner_id", "in", self.ids),
                        ("coupon_id", "!=", False),
                    ]
                )
            )
            codes = {m.partner_id.id: m.coupon_id.code for m in members}
        for partner in self:
            partner.crm_campaign_coupon_code = codes.get(partner.id, "")

    def mail_allowed_qweb_expressions(self):
        # The campaign coupon placeholder may be kept in a mailing by users
        # outside the Mail Template Editor group: it only prints the
        # recipient's own code (see _compute_crm_campaign_coupon_code).
        return (*super().mail_allowed_qweb_expressions(), "object.crm_campaign_coupon_code")

    def action_crm_create_campaign(self):
        """Create Campaign from a selection of customers (Customer Insights,
        or the partners of win-back opportunities): a draft campaign whose
        audience is exactly them."""
        if not self.env.user.has_group(GROUP):
            raise AccessError(self.env._("Only customer-intelligence users can create campaigns."))
        partners = self.commercial_partner_id
        if not partners:
            raise UserError(
                self.env._(
                    "None of the selected records has a customer: choose customers, or "
                    "opportunities linked to a customer, to start a campaign."
                )
            )
        campaign = self.env["crm.campaign"].create(
            {
                "name": self.env._("Campaign for %(count)s customers", count=len(partners)),
                "audience_domain": repr([("id", "in", partners.ids)]),
            }
        )
        if any(partners.mapped("churn_risk")):
            campaign.coupon_program_id = campaign._crm_default_coupon_program()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.campaign",
            "res_id": campaign.id,
            "view_mode": "form",
            "target": "current",
        }
