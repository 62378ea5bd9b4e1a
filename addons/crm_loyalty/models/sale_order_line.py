from odoo import api, models
from odoo.exceptions import UserError


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_loyalty_ledger(self):
        """A line that earned points stays while the ledger refers to it.
        Reward lines never carry entries (redemptions point at the order),
        so sale_loyalty still deletes and rewrites them."""
        # sudo: whether entries point at the lines, which the user may not
        # all see.
        Ledger = self.env["loyalty.ledger"].sudo()
        kept = Ledger._read_group([("order_line_id", "in", self.ids)], ["order_line_id"])
        if kept:
            raise UserError(
                self.env._(
                    "These order lines earned loyalty points and the points ledger refers to "
                    "them, so they can't be deleted: %s.",
                    ", ".join(line.display_name for (line,) in kept),
                )
            )
