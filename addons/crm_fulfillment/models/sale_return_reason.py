from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SaleReturnReason(models.Model):
    _name = "sale.return.reason"
    _description = "Return Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    restocking_fee_percent = fields.Float(
        string="Restocking Fee (%)",
        help="Share of the returned amount kept when the return is refunded.",
    )
    auto_approve = fields.Boolean(
        string="Approve Automatically",
        help="Returns for this reason are approved at once when their amount is "
        "under the company's automatic approval limit.",
    )
    default_condition = fields.Selection(
        [("stock", "Back to Stock"), ("scrap", "Scrap")],
        default="stock",
        required=True,
        help="What usually becomes of goods returned for this reason; the receiver can "
        "change it on each line.",
    )
    company_id = fields.Many2one("res.company", help="Leave empty to share between companies.")

    @api.constrains("restocking_fee_percent")
    def _check_restocking_fee_percent(self):
        for reason in self:
            if not 0 <= reason.restocking_fee_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The restocking fee of '%s' must be between 0 and 100%%.", reason.name
                    )
                )
