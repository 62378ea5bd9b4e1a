from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.http import request


class MarketingConsentPortal(CustomerPortal):
    @http.route(
        ["/my/marketing-consent"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_my_marketing_consent(self, **post):
        """The customer's own marketing consent: the only way back for an
        address the customer blacklisted themselves (an unsubscribe). POST
        forms carry Odoo's CSRF token (checked by the route)."""
        # sudo: portal users can't write partners; this is the logged-in
        # user's own partner, never one from the request, and only its
        # consent is read and given (as the portal's /my/account does).
        partner_sudo = request.env.user.partner_id.sudo()
        if request.httprequest.method == "POST":
            partner_sudo._crm_consent_given_by_customer()
            return request.redirect("/my/marketing-consent?saved=1")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "partner_sudo": partner_sudo,
                "consenting": partner_sudo.marketing_consent and not partner_sudo.is_blacklisted,
                "saved": bool(post.get("saved")),
                "page_name": "marketing_consent",
            }
        )
        return request.render("crm_ecommerce.portal_my_marketing_consent", values)
