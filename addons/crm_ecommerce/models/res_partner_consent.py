from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    marketing_consent = fields.Boolean(
        tracking=True,
        help="The customer agreed to receive marketing: win-back offers, newsletters.",
    )
    marketing_consent_date = fields.Datetime(readonly=True, copy=False)
    marketing_consent_source = fields.Selection(
        [
            ("form", "Web form or checkout"),
            ("portal", "Customer portal"),
            ("phone", "Phone or in person"),
            ("import", "Import"),
            ("other", "Other"),
        ],
        string="Consent Source",
        copy=False,
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("marketing_consent"):
                vals.setdefault("marketing_consent_date", fields.Datetime.now())
        return super().create(vals_list)

    def write(self, vals):
        if "marketing_consent" not in vals:
            return super().write(vals)
        withdrawn = (
            self.filtered("marketing_consent") if not vals["marketing_consent"] else self.browse()
        )
        given = (
            self.filtered(lambda p: not p.marketing_consent)
            if vals["marketing_consent"]
            else self.browse()
        )
        res = super().write(vals)
        # The date is when the consent changed: writing the same answer
        # again (an import, a re-submitted form) keeps the original date.
        if withdrawn or given:
            super(ResPartner, withdrawn | given).write(
                {
                    "marketing_consent_date": vals.get("marketing_consent_date")
                    or fields.Datetime.now()
                }
            )
        for partner in withdrawn:
            partner.message_post(
                body=self.env._(
                    "Marketing consent withdrawn (recorded by %s).", self.env.user.name
                ),
                subtype_xmlid="mail.mt_note",
            )
        withdrawn._crm_sync_blacklist(blacklist=True)
        given._crm_sync_blacklist(blacklist=False)
        return res

    def _crm_sync_blacklist(self, blacklist):
        """Mass mailing (when installed) skips blacklisted addresses: a
        withdrawn consent blacklists the address, a new consent lifts it.
        mail.blacklist belongs to mail, so no dependency on mass_mailing."""
        Blacklist = self.env["mail.blacklist"].sudo()
        for partner in self.filtered("email"):
            if blacklist:
                Blacklist._add(partner.email, message=self.env._("Marketing consent withdrawn"))
            else:
                Blacklist._remove(partner.email, message=self.env._("Marketing consent given"))

    @api.model
    def _crm_marketable_domain(self):
        """Partners a targeted action may address."""
        return [("marketing_consent", "=", True), ("is_blacklisted", "=", False)]
