from odoo import fields, models


class LoyaltyCardTransfer(models.TransientModel):
    """Thin: a loyalty manager gives a card to another customer, with a
    reason."""

    _name = "loyalty.card.transfer"
    _description = "Transfer a Loyalty Card"

    card_id = fields.Many2one("loyalty.card", required=True)
    old_partner_id = fields.Many2one(related="card_id.partner_id", string="Current Owner")
    partner_id = fields.Many2one("res.partner", string="New Owner", required=True)
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.card_id._crm_transfer(self.partner_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
