from odoo import fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare


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
        self._crm_check_points_rights()
        self.check_access("write")
        if not (reason or "").strip():
            raise ValidationError(self.env._("Say why the points are adjusted."))
        if not points:
            raise ValidationError(self.env._("Enter the points to add or take."))
        # sudo: nobody writes the ledger directly; the caller is a loyalty
        # manager with write access to the card (checked above).
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
            lots = Ledger._lots(self)
            balance = round(sum(lots.mapped("remaining")), 2)
            # A return takes back what it can and says what it could not; a
            # manager asking for more than the card holds is told at once.
            if (
                not self.program_id.crm_allow_negative
                and float_compare(-points, balance, precision_digits=2) > 0
            ):
                raise UserError(
                    self.env._(
                        "%(card)s has %(balance)s points; you can take at most that many "
                        "(the program does not allow a negative balance).",
                        card=self.code,
                        balance=balance,
                    )
                )
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
