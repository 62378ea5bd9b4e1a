from odoo import fields, models


class SaleReturn(models.Model):
    _inherit = "sale.return"

    def _on_return_store_credit(self, lines, amounts):
        """Store credit as loyalty points, at the program's rate."""
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
