from odoo import api, models
from odoo.exceptions import UserError


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_loyalty_ledger(self):
        """A line that earned points stays while the ledger refers to it.
        Reward lines never carry entries (redemptions point at the order),
        so sale_loyalty still deletes and rewrites them."""
        if kept := self.env["loyalty.ledger"]._referred(self, "order_line_id"):
            raise UserError(
                self.env._(
                    "These order lines earned loyalty points and the points ledger refers to "
                    "them, so they can't be deleted: %s.",
                    ", ".join(kept.mapped("display_name")),
                )
            )
