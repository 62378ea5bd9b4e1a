from odoo import models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare


class LoyaltyCard(models.Model):
    """A loyalty manager corrects a card's points: an ``adjust`` entry,
    never an edit."""

    _inherit = "loyalty.card"

    def action_crm_adjust(self):
        return self._crm_wizard_action("loyalty.ledger.adjust", self.env._("Adjust Points"))

    def _crm_adjust(self, points, reason):
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
        vals = Ledger._prepare_entry_vals(self, "adjust", points, reason=reason.strip())
        if points > 0:
            Ledger.create(vals)
        else:
            # The points of the lots that hold what is asked; all the card
            # has when it holds less (the balance shown).
            balance = Ledger._lots_covering(self, -points)[1]
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
