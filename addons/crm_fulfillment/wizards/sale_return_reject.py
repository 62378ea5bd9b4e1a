from odoo import fields, models


class SaleReturnReject(models.TransientModel):
    """Thin: asks why, calls the model."""

    _name = "sale.return.reject"
    _description = "Reject Return"

    reason = fields.Text(required=True, help="Emailed to the customer.")

    def action_confirm(self):
        returns = self.env["sale.return"].browse(self.env.context.get("active_ids", []))
        returns.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
