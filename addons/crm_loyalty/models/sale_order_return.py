from odoo import fields, models
from odoo.tools import float_is_zero


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _crm_reverse_returned(self, moves, shares=None):
        """Goods came back (crm_fulfillment's returns or Odoo's own return
        wizard): points earned on them are reversed in proportion, once per
        return move; an order returned in full gets its redeemed points back.

        ``shares``: {move id: the share of the move's goods whose points go
        back}, 1 when not given; goods an RMA return exchanges keep theirs."""
        moves.check_access("write")
        # sudo: the goods came back whoever received them (a warehouse user,
        # with access to the moves checked above); the ledger follows.
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
        shares = shares or {}
        for move in moves:
            share = shares.get(move.id, 1.0)
            if not share:
                continue
            line = move.sale_line_id
            qty = move.product_uom._compute_quantity(move.quantity, line.product_uom) * share
            for entry in earned.filtered(lambda e, ln=line: e.order_line_id == ln) - undone:
                if (entry.id, move.id) in done or not line.product_uom_qty:
                    continue
                portion = round(entry.points * min(qty / line.product_uom_qty, 1.0), 2)
                reason = self.env._("Returned: %s", move.reference or move.picking_id.name)
                Ledger._add_entry(
                    entry._prepare_reversal_vals(
                        -portion, reason, now, move=move, **entry._pending_with()
                    )
                )
        self._crm_give_back_redeemed(now)
        Ledger._sync_cards(earned.card_id)

    def _crm_restore_exchanged(self, moves):
        """Goods whose points their receipt took back were exchanged after
        all: each such reversal gets a counter-entry of the same points (its
        ``source_id``), pending with it when it is pending, once."""
        moves.check_access("read")
        # sudo: the return's resolution decides (a returns manager resolved
        # it, crm_fulfillment checked); the ledger follows.
        Ledger = self.env["loyalty.ledger"].sudo()
        reversals = Ledger.search(
            [
                ("move_id", "in", moves.ids),
                ("kind", "=", "reverse"),
                ("source_id.kind", "=", "earn"),
                ("state", "!=", "cancelled"),
            ]
        )
        if not reversals:
            return
        restored = Ledger.search([("source_id", "in", reversals.ids)]).source_id
        now = fields.Datetime.now()
        Ledger.create(
            [
                reversal._prepare_reversal_vals(
                    -reversal.points,
                    self.env._(
                        "Exchanged: %s",
                        reversal.move_id.reference or reversal.move_id.picking_id.name,
                    ),
                    now,
                    move=reversal.move_id,
                    **reversal._pending_with(),
                )
                for reversal in reversals - restored
            ]
        )
        Ledger._sync_cards(reversals.card_id)

    def _crm_give_back_redeemed(self, when):
        # sudo: part of _crm_reverse_returned, which checked its caller.
        Ledger = self.env["loyalty.ledger"].sudo()
        for order in self:
            lines = order.order_line.filtered(
                lambda ln: not ln.is_reward_line and ln.product_id.type == "consu"
            )
            # Goods exchanged through a return are replaced, not given back.
            exchanged = order.return_ids.line_ids.filtered(
                lambda ln: ln.resolution == "exchange" and ln.state not in ("cancelled", "rejected")
            )
            fully_returned = (
                lines
                and not exchanged
                and all(
                    float_is_zero(ln.qty_delivered, precision_rounding=ln.product_uom.rounding)
                    for ln in lines
                )
            )
            if not fully_returned:
                continue
            redeemed = Ledger.search([("order_id", "=", order.id), ("kind", "=", "redeem")])
            given = Ledger.search([("source_id", "in", redeemed.ids)]).source_id
            reason = self.env._("Order %s returned in full: redeemed points given back", order.name)
            Ledger.create(
                [
                    entry._prepare_reversal_vals(-entry.points, reason, when)
                    for entry in redeemed - given
                ]
            )
            Ledger._sync_cards(redeemed.card_id)
