from odoo import fields, models
from odoo.tools import float_is_zero


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _crm_reverse_returned(self, moves):
        """Goods came back (crm_fulfillment's returns or Odoo's own return
        wizard): points earned on them are reversed in proportion, once per
        return move; an order returned in full gets its redeemed points back."""
        Ledger = self.env["loyalty.ledger"].sudo()
        earned = Ledger.search(
            [
                ("order_line_id", "in", moves.sale_line_id.ids),
                ("kind", "=", "earn"),
                ("state", "!=", "cancelled"),
            ]
        )
        reversals = Ledger.search([("source_id", "in", earned.ids), ("state", "!=", "cancelled")])
        done = {(e.source_id.id, e.move_id.id) for e in reversals}
        # Undone in full by a reversal of its own (the order was cancelled):
        # goods coming back later take nothing more.
        undone = reversals.filtered(lambda e: not e.move_id).source_id
        now = fields.Datetime.now()
        for move in moves:
            line = move.sale_line_id
            qty = move.product_uom._compute_quantity(move.quantity, line.product_uom)
            for entry in earned.filtered(lambda e, ln=line: e.order_line_id == ln) - undone:
                if (entry.id, move.id) in done or not line.product_uom_qty:
                    continue
                portion = round(entry.points * min(qty / line.product_uom_qty, 1.0), 2)
                vals = {
                    "card_id": entry.card_id.id,
                    "kind": "reverse",
                    "points": -portion,
                    "order_id": line.order_id.id,
                    "order_line_id": line.id,
                    "move_id": move.id,
                    "source_id": entry.id,
                    "reason": self.env._("Returned: %s", move.reference or move.picking_id.name),
                    "date": now,
                }
                if entry.state == "pending":
                    Ledger.create({**vals, "state": "pending", "release_date": entry.release_date})
                else:
                    Ledger._debit(entry.card_id, vals)
        self._crm_give_back_redeemed(now)
        Ledger._sync_cards(earned.card_id)

    def _crm_give_back_redeemed(self, when):
        Ledger = self.env["loyalty.ledger"].sudo()
        for order in self:
            lines = order.order_line.filtered(
                lambda ln: not ln.is_reward_line and ln.product_id.type == "consu"
            )
            fully_returned = lines and all(
                float_is_zero(ln.qty_delivered, precision_rounding=ln.product_uom.rounding)
                for ln in lines
            )
            if not fully_returned:
                continue
            redeemed = Ledger.search([("order_id", "=", order.id), ("kind", "=", "redeem")])
            given = Ledger.search([("source_id", "in", redeemed.ids)]).source_id
            for entry in redeemed - given:
                Ledger.create(
                    {
                        "card_id": entry.card_id.id,
                        "kind": "reverse",
                        "points": -entry.points,
                        "order_id": order.id,
                        "source_id": entry.id,
                        "reason": self.env._(
                            "Order %s returned in full: redeemed points given back", order.name
                        ),
                        "date": when,
                        "expiry_date": entry.card_id._crm_expiry_from(when),
                    }
                )
            Ledger._sync_cards(redeemed.card_id)
