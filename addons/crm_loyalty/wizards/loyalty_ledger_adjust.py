from odoo import fields, models
from odoo.exceptions import AccessError, ValidationError


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


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    def _crm_adjust(self, points, reason):
        """A manual correction: an ``adjust`` entry, never an edit."""
        self.ensure_one()
        if not self.env.user.has_group("crm_loyalty.group_loyalty_manager"):
            raise AccessError(self.env._("Only a loyalty manager can adjust points."))
        if not (reason or "").strip():
            raise ValidationError(self.env._("Say why the points are adjusted."))
        if not points:
            raise ValidationError(self.env._("Enter the points to add or take."))
        Ledger = self.env["loyalty.ledger"].sudo()
        vals = {
            "card_id": self.id,
            "kind": "adjust",
            "points": points,
            "reason": reason.strip(),
            "user_id": self.env.uid,
            "expiry_date": self._crm_expiry_from(fields.Datetime.now()) if points > 0 else False,
        }
        if points > 0:
            Ledger.create(vals)
        else:
            Ledger._debit(self, vals)
        Ledger._sync_cards(self)
        return True

    def action_crm_adjust(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Adjust Points"),
            "res_model": "loyalty.ledger.adjust",
            "view_mode": "form",
            "target": "new",
            "context": {"default_card_id": self.id},
        }
