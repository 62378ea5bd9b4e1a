from odoo import models

from .sale_order_stage import DEFER


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super(StockPicking, self.with_context(**{DEFER: True}))._action_done()
        self.sale_id._fulfillment_sync()
        return res

    def do_unreserve(self):
        res = super().do_unreserve()
        self.sale_id._fulfillment_sync()
        return res

    def action_cancel(self):
        res = super().action_cancel()
        self.sale_id._fulfillment_sync()
        return res
