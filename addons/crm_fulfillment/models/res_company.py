from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    fulfillment_require_payment = fields.Boolean(
        string="Payment Before Shipping",
        help="Confirmed orders wait in 'Awaiting payment' until they are paid.",
    )
    fulfillment_auto_deliver_days = fields.Integer(
        string="Delivered After (days)",
        help="Consider shipped orders delivered this many days after shipping. 0 = never.",
    )
    fulfillment_sla_use_calendar = fields.Boolean(
        string="SLA on Working Hours",
        help="Count SLA targets on the company's working calendar instead of around the clock.",
    )
    fulfillment_notify_shipped = fields.Boolean(string="Email When Shipped")
    fulfillment_notify_delivered = fields.Boolean(string="Email When Delivered")
