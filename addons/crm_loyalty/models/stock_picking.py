from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        returned = self.move_ids._crm_customer_returns()
        if returned:
            # Goods an RMA return exchanges keep their points.
            shares = {}
            for ret in returned.picking_id.sale_return_id:
                shares.update(ret._crm_move_shares(returned))
            returned.sale_line_id.order_id._crm_reverse_returned(returned, shares)
        return res
