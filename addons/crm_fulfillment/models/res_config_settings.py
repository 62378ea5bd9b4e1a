from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fulfillment_require_payment = fields.Boolean(
        related="company_id.fulfillment_require_payment", readonly=False
    )
    fulfillment_auto_deliver_days = fields.Integer(
        related="company_id.fulfillment_auto_deliver_days", readonly=False
    )
    fulfillment_sla_use_calendar = fields.Boolean(
        related="company_id.fulfillment_sla_use_calendar", readonly=False
    )
    fulfillment_notify_shipped = fields.Boolean(
        related="company_id.fulfillment_notify_shipped", readonly=False
    )
    fulfillment_notify_delivered = fields.Boolean(
        related="company_id.fulfillment_notify_delivered", readonly=False
    )
    return_window_days = fields.Integer(related="company_id.return_window_days", readonly=False)
    return_auto_approve_amount = fields.Monetary(
        related="company_id.return_auto_approve_amount", readonly=False
    )
    return_post_credit_notes = fields.Boolean(
        related="company_id.return_post_credit_notes", readonly=False
    )
    return_portal_max_photos = fields.Integer(
        related="company_id.return_portal_max_photos", readonly=False
    )
    return_portal_max_photo_mb = fields.Integer(
        related="company_id.return_portal_max_photo_mb", readonly=False
    )
