from odoo import models

from ..tools.ledger_guard import outside_change_reason


class LoyaltyCardUpdateBalance(models.TransientModel):
    _inherit = "loyalty.card.update.balance"

    def action_update_card_point(self):
        """Odoo's balance wizard on a loyalty card: a loyalty manager's
        adjustment, refused before anything is written for anyone else; the
        ledger entry says who changed the balance and why."""
        cards = self.card_id._crm_ledger_cards()
        if not cards:
            return super().action_update_card_point()
        cards._crm_check_points_rights()
        reason = self.env._(
            "Balance updated by %(user)s: %(description)s",
            user=self.env.user.name,
            description=self.description,
        )
        with outside_change_reason(self.env, reason):
            return super().action_update_card_point()
