from odoo import models
from odoo.tools.sql import create_index

# Odoo's loyalty history has no index: its card form lists a card's lines
# (history_ids, read for every card, the form of a ledger-kept card
# included), and sale_loyalty sums an order's lines on the portal's order
# page, each by a scan of every line of every card. A shop writes a line per
# order: both grow with the shop. Dropped by the uninstall hook, with the
# addon.
HISTORY_INDEXES = {
    "crm_loyalty_history_card_index": (["card_id"], ""),
    "crm_loyalty_history_order_index": (["order_id"], "order_id IS NOT NULL"),
}


class LoyaltyHistory(models.Model):
    _inherit = "loyalty.history"

    def init(self):
        """HISTORY_INDEXES, made when missing (install and update)."""
        result = super().init()
        for name, (columns, where) in HISTORY_INDEXES.items():
            create_index(self.env.cr, name, self._table, columns, where=where)
        return result
