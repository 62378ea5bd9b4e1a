from odoo import api, fields, models


class MailBlacklist(models.Model):
    _inherit = "mail.blacklist"

    crm_consent_withdrawal = fields.Boolean(
        string="From a Withdrawn Consent",
        readonly=True,
        copy=False,
        help="Blacklisted because the customer's marketing consent was withdrawn in the CRM: "
        "ticking the consent again lifts it. Any other entry (an unsubscribe) can only be "
        "lifted by the customer.",
    )

    def write(self, vals):
        # Blacklisted again by anything but a consent withdrawal (an
        # unsubscribe, by hand): the entry is no longer ours to lift.
        if vals.get("active") and not self.env.context.get("crm_consent_withdrawal"):
            vals = dict(vals, crm_consent_withdrawal=False)
        return super().write(vals)

    @api.model
    def _add(self, email, message=None):
        record = super()._add(email, message=message)
        # An unsubscribe on an address already blacklisted by us writes
        # nothing: it makes the entry the customer's all the same.
        if not self.env.context.get("crm_consent_withdrawal") and record.crm_consent_withdrawal:
            record.crm_consent_withdrawal = False
        return record
