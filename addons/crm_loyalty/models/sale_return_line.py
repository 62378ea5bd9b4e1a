from odoo import fields, models


class SaleReturnLine(models.Model):
    _inherit = "sale.return.line"

    # Uninstalling the ledger gives the lines back a resolution that
    # crm_fulfillment resolves.
    resolution = fields.Selection(
        selection_add=[("credit", "Store Credit")], ondelete={"credit": "set refund"}
    )
