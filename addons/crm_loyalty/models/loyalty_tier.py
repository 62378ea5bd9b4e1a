from odoo import api, fields, models
from odoo.exceptions import ValidationError


class LoyaltyTier(models.Model):
    _name = "loyalty.tier"
    _description = "Loyalty Tier"
    _check_company_auto = True
    _order = "program_id, threshold, id"

    program_id = fields.Many2one(
        "loyalty.program", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    threshold = fields.Float(
        required=True,
        help="Net spend or points earned over the last 12 months (as the program measures) "
        "to reach this tier.",
    )
    multiplier = fields.Float(string="Points Multiplier", default=1.0, required=True)
    color = fields.Integer()

    _sql_constraints = [
        (
            "program_threshold_unique",
            "unique(program_id, threshold)",
            "Two tiers of a program can't have the same threshold.",
        ),
    ]

    @api.constrains("threshold", "multiplier")
    def _check_values(self):
        for tier in self:
            if tier.threshold < 0:
                raise ValidationError(
                    self.env._("The threshold of tier %s can't be negative.", tier.name)
                )
            if tier.multiplier <= 0:
                raise ValidationError(
                    self.env._("The multiplier of tier %s must be more than 0.", tier.name)
                )
