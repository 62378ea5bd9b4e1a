from odoo import api, fields, models

from .sale_return_store_credit import _hide_credit_where_not_given


class SaleReturnLine(models.Model):
    _inherit = "sale.return.line"

    # Uninstalling the ledger gives the lines back a resolution that
    # crm_fulfillment resolves.
    resolution = fields.Selection(
        selection_add=[("credit", "Store Credit")], ondelete={"credit": "set refund"}
    )

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        return _hide_credit_where_not_given(
            self, super().fields_get(allfields, attributes), "resolution"
        )
