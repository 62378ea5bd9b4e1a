from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import points as rules


class LoyaltyCard(models.Model):
    """A card changes owner only here: the balance leaves the old owner's
    ledger and enters the new owner's, each side with its entries."""

    _inherit = "loyalty.card"

    def action_crm_transfer(self):
        return self._crm_wizard_action("loyalty.card.transfer", self.env._("Transfer Card"))

    def _crm_transfer(self, partner, reason):
        """Give the card to ``partner``: an ``adjust`` entry takes the balance
        from the old owner, entries of the same points give it to the new
        one (one per expiry date of the lots it came from, so no point
        expires later or sooner than it would have), then the owner
        changes."""
        self.ensure_one()
        self._crm_check_points_rights()
        self.check_access("write")
        reason = (reason or "").strip()
        self._crm_check_transfer(partner, reason)
        # sudo: nobody writes the ledger or a card's owner directly; the
        # caller is a loyalty manager with write access to the card
        # (checked above).
        card = self.sudo()
        Ledger = self.env["loyalty.ledger"].sudo()
        old = card.partner_id
        now = fields.Datetime.now()
        balance = round(card.points, 2)
        gains = card._crm_take_lots_for_transfer(balance, now) if balance else {}
        if balance:
            reason_out = self.env._("Card transferred to another customer: %s", reason)
            Ledger.create(
                Ledger._prepare_entry_vals(card, "adjust", -balance, when=now, reason=reason_out)
            )
        card.write({"partner_id": partner.id})
        reason_in = self.env._("Card transferred from another customer: %s", reason)
        Ledger.create(
            [
                Ledger._prepare_entry_vals(
                    card, "adjust", points, when=now, reason=reason_in, expiry=expiry
                )
                for expiry, points in gains.items()
                if points
            ]
        )
        Ledger._sync_cards(card)
        card.message_post(
            body=self.env._(
                "Card transferred from %(old)s to %(new)s with its %(points)s points: %(reason)s",
                old=old.name or self.env._("nobody"),
                new=partner.name,
                points=balance,
                reason=reason,
            )
        )
        return True

    def _crm_check_transfer(self, partner, reason):
        self.ensure_one()
        if not self.program_id._crm_uses_ledger():
            raise UserError(self.env._("Only loyalty program cards are transferred."))
        if not reason:
            raise ValidationError(self.env._("Say why the card changes owner."))
        if not partner or partner == self.partner_id:
            raise ValidationError(self.env._("Choose the customer who receives the card."))
        # sudo: whether the customer already has a card of the program, and
        # whether points are still pending, whoever may see them.
        Card = self.env["loyalty.card"].sudo()
        if Card.search_count(
            [("partner_id", "=", partner.id), ("program_id", "=", self.program_id.id)], limit=1
        ):
            raise UserError(
                self.env._(
                    "%(partner)s already has a card of %(program)s: adjust the points of "
                    "both cards instead.",
                    partner=partner.name,
                    program=self.program_id.name,
                )
            )
        if self.sudo().crm_points_pending:  # sudo: see above
            raise UserError(
                self.env._(
                    "%(card)s still has pending points of orders whose points are not released: "
                    "transfer it once they are.",
                    card=self.code,
                )
            )
        if self.points < 0:
            raise UserError(
                self.env._(
                    "%(card)s has a negative balance: settle it with an adjustment before "
                    "transferring the card.",
                    card=self.code,
                )
            )

    def _crm_take_lots_for_transfer(self, balance, when):
        """Empty the lots the balance sits on, oldest first; returns
        {expiry date: points} for the new owner's entries."""
        self.ensure_one()
        taken, left = self.env["loyalty.ledger"]._consume(self, balance)
        gains = defaultdict(float)
        for lot, points in taken:
            gains[lot.expiry_date] += points
        if left:
            gains[rules.expiry_date(when, self.program_id.crm_expiry_months)] += left
        return {expiry: round(points, 2) for expiry, points in gains.items()}
