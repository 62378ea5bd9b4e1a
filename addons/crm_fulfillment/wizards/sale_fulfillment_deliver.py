from odoo import fields, models


class SaleFulfillmentDeliver(models.TransientModel):
    """Thin: shows the selected orders, asks the date, calls the model."""

    _name = "sale.fulfillment.deliver"
    _description = "Mark Orders as Delivered"

    order_ids = fields.Many2many(
        "sale.order", default=lambda self: self._active_orders(), string="Orders"
    )
    date = fields.Datetime(string="Delivered On", required=True, default=fields.Datetime.now)

    def _active_orders(self):
        return self.env["sale.order"].browse(self.env.context.get("active_ids", []))

    def action_confirm(self):
        self._active_orders()._fulfillment_mark_delivered(self.date)
        return {"type": "ir.actions.act_window_close"}
