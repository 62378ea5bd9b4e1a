from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    fulfillment_require_payment = fields.Boolean(
        string="Payment Before Shipping",
        help="Confirmed orders wait in 'Awaiting payment' until they are paid.",
    )
    fulfillment_auto_deliver_days = fields.Integer(
        string="Delivered After (days)",
        help="Consider shipped orders delivered this many days after shipping. "
        "0 = only when a delivery is confirmed by hand or by a carrier.",
    )
    fulfillment_sla_use_calendar = fields.Boolean(
        string="SLA on Working Hours",
        help="Count SLA targets on the company's working calendar instead of around the clock.",
    )
    fulfillment_notify_shipped = fields.Boolean(string="Email When Shipped")
    fulfillment_notify_delivered = fields.Boolean(string="Email When Delivered")
    return_window_days = fields.Integer(
        string="Return Window (days)",
        default=30,
        help="Days after delivery during which customers may request a return. 0 = no limit.",
    )
    return_auto_approve_amount = fields.Monetary(
        string="Approve Returns Automatically Under",
        currency_field="currency_id",
        help="Returns whose reasons allow it are approved at once under this amount. "
        "0 = a returns manager approves every return.",
    )
    return_post_credit_notes = fields.Boolean(
        string="Post Refunds",
        help="Post the credit notes of refunded returns at once instead of leaving them in draft.",
    )
    return_portal_max_photos = fields.Integer(
        string="Photos per Return Request",
        default=5,
        help="How many photos a customer may attach to a return request on the portal. "
        "0 = no photos.",
    )
    return_portal_max_photo_mb = fields.Integer(
        string="Largest Photo (MB)",
        default=5,
        help="The largest photo a customer may attach to a return request on the portal.",
    )
