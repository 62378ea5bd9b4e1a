from odoo import models
from odoo.exceptions import UserError

from .sale_order_stage import DEFER


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        self._check_fulfillment_payment()
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

    def _check_fulfillment_payment(self):
        """With payment before shipping, unpaid goods don't leave, unless a
        manager allowed it on the order."""
        deliveries = self.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.sale_id and not p.sale_return_id
        )
        unpaid = deliveries.sale_id.filtered(lambda o: o._fulfillment_awaiting_payment())
        if unpaid:
            raise UserError(
                self.env._(
                    "%(orders)s must be paid before the goods leave. A sales manager can "
                    "allow shipping before payment from the order (Allow Shipping).",
                    orders=", ".join(unpaid.mapped("name")),
                )
            )
