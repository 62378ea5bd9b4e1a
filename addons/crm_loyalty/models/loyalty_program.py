from odoo import api, fields, models
from odoo.exceptions import ValidationError


class LoyaltyProgram(models.Model):
    _inherit = "loyalty.program"

    crm_tier_ids = fields.One2many("loyalty.tier", "program_id", string="Tiers")
    crm_tier_grace_days = fields.Integer(
        string="Downgrade Grace (days)",
        default=30,
        help="A customer below their tier keeps it this many days before moving down.",
    )
    crm_tier_measure = fields.Selection(
        [("spend", "Net spend"), ("points", "Points earned")],
        string="Tiers Measure",
        default="spend",
        help="What customers accumulate over a rolling 12 months to reach a tier.",
    )
    crm_points_release = fields.Selection(
        [
            ("confirm", "On confirmation"),
            ("delivery", "On delivery"),
            ("return_window", "After the return window"),
        ],
        string="Points Available",
        default="confirm",
        required=True,
        help="When earned points can be spent. Until then they are pending.",
    )
    crm_release_days = fields.Integer(
        string="Return Window (days)",
        default=30,
        help="Days after delivery before points become available.",
    )
    crm_expiry_months = fields.Integer(
        string="Points Expire After (months)", help="0 = points never expire."
    )
    crm_expiry_warning_days = fields.Integer(
        string="Last-chance Email (days before)",
        default=14,
        help="Email customers this many days before their points expire. 0 = no email.",
    )
    crm_allow_negative = fields.Boolean(
        string="Allow Negative Balance",
        help="Returns may take back points already spent, leaving a negative balance.",
    )
    crm_goodwill_points = fields.Float(
        string="Goodwill Points for Late Orders", help="Granted once per late order. 0 = off."
    )
    crm_store_credit_rate = fields.Float(
        string="Store Credit (points per currency unit)",
        help="Points credited per unit of currency when a return is resolved as store credit. "
        "0 = this program gives no store credit.",
    )

    @api.constrains(
        "crm_expiry_months", "crm_release_days", "crm_tier_grace_days", "crm_goodwill_points"
    )
    def _check_crm_policy(self):
        for program in self:
            if program.crm_expiry_months < 0:
                raise ValidationError(
                    self.env._("Points can't expire after a negative number of months.")
                )
            if program.crm_release_days < 0 or program.crm_tier_grace_days < 0:
                raise ValidationError(self.env._("A number of days can't be negative."))
            if program.crm_goodwill_points < 0 or program.crm_store_credit_rate < 0:
                raise ValidationError(
                    self.env._("Goodwill points and store credit can't be negative.")
                )

    def _crm_uses_ledger(self):
        """Loyalty programs keep their points in the ledger."""
        return self.filtered(lambda p: p.program_type == "loyalty")
