from odoo import fields, models


class AccountPaymentTerm(models.Model):
    _inherit = "account.payment.term"

    fulfillment_require_payment = fields.Boolean(
        string="Payment Before Shipping",
        help="Orders with this payment term wait for payment before they are prepared, "
        "whatever the company setting.",
    )
