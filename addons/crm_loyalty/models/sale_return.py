from collections import defaultdict

from odoo import models


class SaleReturn(models.Model):
    _inherit = "sale.return"

    # ------------------------------------------------------------------
    # Points of returned goods: an exchange keeps them
    # ------------------------------------------------------------------
    def _crm_move_shares(self, moves):
        """{return move id: the share of its goods whose points go back},
        for the moves of ``moves`` that bring this return's goods back.
        Goods the customer exchanges keep their points (they keep what
        they paid for); refunds and store credit take them back. Lines of
        one order line share its moves in proportion of their quantities."""
        self.ensure_one()
        quantities = defaultdict(lambda: [0.0, 0.0])  # order line: [all, given back]
        for line in self.line_ids:
            quantities[line.order_line_id.id][0] += line.quantity
            if line.resolution != "exchange":
                quantities[line.order_line_id.id][1] += line.quantity
        return {
            move.id: quantities[move.sale_line_id.id][1] / quantities[move.sale_line_id.id][0]
            for move in moves
            if move.picking_id.sale_return_id == self and quantities[move.sale_line_id.id][0]
        }

    def _on_return_done(self):
        """The resolution is final: points follow it. A line switched to a
        refund or store credit after the goods came back gives its points
        back now; a line switched to an exchange gets back the points its
        receipt took."""
        res = super()._on_return_done()
        for ret in self:
            moves = ret.picking_ids.move_ids._crm_customer_returns()
            if moves:
                shares = ret._crm_move_shares(moves)
                ret.order_id._crm_reverse_returned(moves, shares)
                ret.order_id._crm_restore_exchanged(
                    moves.filtered(lambda m, s=shares: not s.get(m.id, 1.0))
                )
        return res
