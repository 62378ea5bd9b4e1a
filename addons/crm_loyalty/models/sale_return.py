from collections import defaultdict

from odoo import fields, models


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

    def _on_return_store_credit(self, lines, amounts):
        """Store credit as loyalty points, at the program's rate."""
        self.check_access("write")
        # sudo: a returns manager resolves the return (crm_fulfillment checks
        # it, and the caller's access to it is checked above); the credit is
        # the program's policy, written by the ledger's own flow.
        program = (
            self.env["loyalty.program"]
            .sudo()
            .search(
                [
                    ("program_type", "=", "loyalty"),
                    ("crm_store_credit_rate", ">", 0),
                    ("company_id", "in", (self.company_id.id, False)),
                ],
                limit=1,
            )
        )
        if not program:
            return super()._on_return_store_credit(lines, amounts)
        card = self.order_id.partner_id._crm_card_for(program)
        points = round(sum(amounts.values()) * program.crm_store_credit_rate, 2)
        now = fields.Datetime.now()
        # sudo: see above.
        Ledger = self.env["loyalty.ledger"].sudo()
        Ledger.create(
            {
                "card_id": card.id,
                "kind": "adjust",
                "points": points,
                "order_id": self.order_id.id,
                "reason": self.env._("Store credit for return %s", self.name),
                "date": now,
                "expiry_date": card._crm_expiry_from(now),
            }
        )
        Ledger._sync_cards(card)
        self.message_post(
            body=self.env._(
                "%(points)s %(unit)s credited to %(card)s.",
                points=points,
                unit=program.portal_point_name or "points",
                card=card.code,
            )
        )
        return points
