from odoo import api, fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    sale_return_id = fields.Many2one(
        "sale.return", string="Return (RMA)", index=True, copy=False, readonly=True
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(vals.get("sale_return_id") for vals in vals_list):
            self._raise_return_link()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and "sale_return_id" in vals:
            self._raise_return_link()
        return super().write(vals)

    def _raise_return_link(self):
        raise UserError(
            self.env._(
                "Transfers are linked to a return when it is approved or resolved, not by hand."
            )
        )

    def _action_done(self):
        res = super()._action_done()
        returns = self.filtered(lambda p: p.picking_type_code == "incoming").sale_return_id
        returns._receive_from_pickings(self)
        return res

    def _create_backorder_picking(self):
        # The rest of a partly received return still belongs to the return.
        backorder = super()._create_backorder_picking()
        if self.sale_return_id:
            # sudo: the backorder continues a transfer of the return; the link
            # is a workflow field that users can't write themselves.
            backorder.sudo().sale_return_id = self.sale_return_id
        return backorder

    def action_cancel(self):
        res = super().action_cancel()
        self.sale_return_id._update_receipt_state()
        return res

    def get_empty_list_help(self, help_message):
        """Returns to Receive says what appears there and how it gets there,
        not Inventory's "create a transfer" advert that stock shows on
        every empty list of transfers."""
        if self.env.context.get("crm_returns_to_receive"):
            return help_message
        return super().get_empty_list_help(help_message)

    def action_view_sale_return(self):
        return self.sale_return_id._action_view(
            self.sale_return_id, "crm_fulfillment.action_sale_returns"
        )
