from odoo import fields, models


class LoyaltyLedgerAdjust(models.TransientModel):
    """Thin: a loyalty manager corrects a card's points, with a reason."""

    _name = "loyalty.ledger.adjust"
    _description = "Adjust Loyalty Points"

    card_id = fields.Many2one("loyalty.card", required=True)
    points = fields.Float(required=True, help="Points to add (positive) or take (negative).")
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.card_id._crm_adjust(self.points, self.reason)
        return {"type": "ir.actions.act_window_close"}
