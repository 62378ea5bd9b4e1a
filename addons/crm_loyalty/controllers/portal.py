from odoo import http
from odoo.addons.loyalty.controllers.portal import CustomerPortalLoyalty
from odoo.http import request

# The lines of Odoo's card dialog ("Last Transactions").
DIALOG_LINES = 5


class LoyaltyPortal(CustomerPortalLoyalty):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "loyalty_points" in counters:
            # sudo: the logged-in customer's own balance; portal users can't
            # read the partner's loyalty fields (loyalty user group).
            partner = request.env.user.partner_id.sudo()
            values["loyalty_points"] = int(partner.loyalty_points_available) or 0
        return values

    def _crm_own_cards(self, card_id=None):
        """The logged-in customer's cards of loyalty programs (the ledger's),
        read as superuser: portal users have no access to loyalty.card, its
        program's tiers and rewards or its entries. Only their own cards are
        searched, and every read below starts from them."""
        domain = [
            ("partner_id", "=", request.env.user.partner_id.id),
            ("program_id.program_type", "=", "loyalty"),
            ("program_id.active", "=", True),
        ]
        if card_id is not None:
            domain.append(("id", "=", int(card_id)))
        # sudo: the customer's own cards only (see the docstring).
        return request.env["loyalty.card"].sudo().search(domain)

    @http.route(["/my/loyalty"], type="http", auth="user", website=True)
    def portal_my_loyalty(self, **kw):
        """The customer's balance and its worth, tier progress, the rewards
        they can use, what expires, and their history."""
        partner = request.env.user.partner_id
        cards = self._crm_own_cards()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "summaries": [card._crm_portal_summary(partner) for card in cards],
                "shop_url": "/shop" if "website_sale" in request.registry._init_modules else False,
                "page_name": "loyalty",
            }
        )
        return request.render("crm_loyalty.portal_my_loyalty", values)

    # Odoo's card dialog and history page read loyalty.history, which the
    # ledger does not write: a ledger-kept card shows the ledger instead.
    @http.route()
    def portal_my_loyalty_card_history(self, card_id, page=1, sortby="date", **kw):
        if self._crm_own_cards(card_id):
            return request.redirect("/my/loyalty")
        return super().portal_my_loyalty_card_history(card_id, page=page, sortby=sortby, **kw)

    @http.route()
    def portal_get_card_history_values(self, card_id):
        values = super().portal_get_card_history_values(card_id)
        card = self._crm_own_cards(card_id)
        if card and values:
            partner = request.env.user.partner_id
            values["history_lines"] = [
                {
                    "order_id": bool(line["order"]),
                    "description": f"{line['label']} · {line['description']}".strip(" ·"),
                    "order_portal_url": line["url"],
                    "points": line["points_text"],
                }
                for line in card._crm_history_lines(partner, DIALOG_LINES)
            ]
        return values
