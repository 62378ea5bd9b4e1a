from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.http import request


class LoyaltyPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "loyalty_points" in counters:
            # sudo: the logged-in customer's own balance; portal users can't
            # read the partner's loyalty fields (loyalty user group).
            partner = request.env.user.partner_id.sudo()
            values["loyalty_points"] = int(partner.loyalty_points_available) or 0
        return values

    @http.route(["/my/loyalty"], type="http", auth="user", website=True)
    def portal_my_loyalty(self, **kw):
        """The customer's tier, balances and history. Cards are read as
        superuser for the logged-in partner only: portal users have no
        access to loyalty.card itself."""
        partner = request.env.user.partner_id
        cards = (
            request.env["loyalty.card"]
            .sudo()  # sudo: the logged-in partner's own cards only (see the docstring)
            .search([("partner_id", "=", partner.id), ("program_id.program_type", "=", "loyalty")])
        )
        entries = request.env["loyalty.ledger"].search([("partner_id", "=", partner.id)], limit=100)
        values = self._prepare_portal_layout_values()
        values.update({"cards": cards, "entries": entries, "page_name": "loyalty"})
        return request.render("crm_loyalty.portal_my_loyalty", values)
