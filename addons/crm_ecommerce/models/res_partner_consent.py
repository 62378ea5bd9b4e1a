from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


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
        given._crm_check_consent_can_be_given()
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
        withdrawn._crm_close_winbacks()
        given._crm_sync_blacklist(blacklist=False)
        return res

    def _crm_check_consent_can_be_given(self):
        """An address blacklisted by anything but our own consent withdrawal
        (the customer unsubscribed from a mailing, asked by email) stays
        blacklisted until the customer says otherwise themselves: nobody
        ticks consent back for them."""
        foreign = self._crm_blacklist_entries().filtered(lambda e: not e.crm_consent_withdrawal)
        if foreign:
            raise UserError(
                self.env._(
                    "%(emails)s asked not to receive our emails (for instance by unsubscribing "
                    "from a mailing). Only the customer can give marketing consent again, from "
                    "their customer portal account (My Account, Marketing consent).",
                    emails=", ".join(foreign.mapped("email")),
                )
            )

    def _crm_blacklist_entries(self):
        """The active blacklist entries of these partners' addresses."""
        # sudo: the blacklist is for administrators only; these are the
        # partners' own addresses, looked up for a consent change the caller
        # may write (or the customer's own, see _crm_consent_given_by_customer).
        Blacklist = self.env["mail.blacklist"].sudo()
        emails = [email for email in self.mapped("email_normalized") if email]
        return Blacklist.search([("email", "in", emails)]) if emails else Blacklist

    def _crm_sync_blacklist(self, blacklist):
        """Mass mailing (when installed) skips blacklisted addresses: a
        withdrawn consent blacklists the address, marking the entry as ours;
        a new consent lifts our own entries only (an unsubscribe is the
        customer's, see _crm_check_consent_can_be_given). mail.blacklist
        belongs to mail, so no dependency on mass_mailing.

        Called after write() changed the consent, so the caller's right to
        edit these partners was checked; the blacklist itself is for
        administrators only, hence sudo."""
        partners = self.filtered("email_normalized")
        if not partners:
            return
        if blacklist:
            # Already blacklisted (by the customer or by us): left as it is.
            done = set(partners._crm_blacklist_entries().mapped("email"))
            # sudo: the blacklist is for administrators; write() checked the
            # caller may edit these partners. The flag marks the entry ours.
            Blacklist = self.env["mail.blacklist"].sudo().with_context(crm_consent_withdrawal=True)
            for partner in partners:
                if partner.email_normalized in done:
                    continue
                entry = Blacklist._add(
                    partner.email_normalized, message=self.env._("Marketing consent withdrawn")
                )
                entry.crm_consent_withdrawal = True
                done.add(partner.email_normalized)
        else:
            for entry in partners._crm_blacklist_entries().filtered("crm_consent_withdrawal"):
                entry._remove(entry.email, message=self.env._("Marketing consent given"))
                entry.crm_consent_withdrawal = False

    def _crm_consent_given_by_customer(self):
        """The customer gives their own consent (the portal's marketing
        consent page): lifts every blacklist entry of their address, their
        own unsubscribe included, and records the consent from the portal.
        Only for the logged-in user's own partner, whatever the env's sudo."""
        self.ensure_one()
        if self != self.env.user.partner_id:
            raise AccessError(
                self.env._("Only the customer can give their own marketing consent this way.")
            )
        for entry in self._crm_blacklist_entries():
            entry._remove(
                entry.email, message=self.env._("Marketing consent given by the customer")
            )
            entry.crm_consent_withdrawal = False
        self.write({"marketing_consent": True, "marketing_consent_source": "portal"})
        self.message_post(
            body=self.env._("Marketing consent given by the customer on the portal."),
            subtype_xmlid="mail.mt_note",
        )
        return True

    @api.model
    def _crm_marketable_domain(self):
        """Partners a targeted action may address."""
        return [("marketing_consent", "=", True), ("is_blacklisted", "=", False)]
