import base64

from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request


class ReturnPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "return_count" in counters:
            Return = request.env["sale.return"]
            values["return_count"] = Return.search_count([]) if Return.has_access("read") else 0
        return values

    @http.route(
        ["/my/returns", "/my/returns/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_returns(self, page=1, **kw):
        values = self._prepare_portal_layout_values()
        Return = request.env["sale.return"]
        pager = portal_pager(
            url="/my/returns", total=Return.search_count([]), page=page, step=self._items_per_page
        )
        returns = Return.search([], limit=self._items_per_page, offset=pager["offset"])
        request.session["my_returns_history"] = returns.ids[:100]
        values.update(
            {
                "returns": returns,
                "pager": pager,
                "page_name": "returns",
                "default_url": "/my/returns",
            }
        )
        return request.render("crm_fulfillment.portal_my_returns", values)

    @http.route(["/my/returns/<int:return_id>"], type="http", auth="public", website=True)
    def portal_return_page(
        self, return_id, access_token=None, report_type=None, download=False, **kw
    ):
        try:
            return_sudo = self._document_check_access(
                "sale.return", return_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=return_sudo,
                report_type=report_type,
                report_ref="crm_fulfillment.action_report_sale_return",
                download=download,
            )
        values = {"sale_return": return_sudo, "page_name": "return", "token": access_token}
        values = self._get_page_view_values(
            return_sudo, access_token, values, "my_returns_history", False
        )
        return request.render("crm_fulfillment.portal_return_page", values)

    @http.route(
        ["/my/orders/<int:order_id>/return"],
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_order_return(self, order_id, access_token=None, **post):
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        # What is left to return: delivered, less what open returns claim.
        quantities = order_sudo._returnable_quantities()
        lines = order_sudo.order_line.browse([ln.id for ln in quantities])
        returnable = {ln.id: qty for ln, qty in quantities.items()}
        reasons = (
            request.env["sale.return.reason"]
            .sudo()
            .search([("company_id", "in", [False, order_sudo.company_id.id])])
        )
        error = None
        if request.httprequest.method == "POST":
            try:
                return_sudo = self._create_portal_return(order_sudo, lines, reasons, post)
                return request.redirect(return_sudo.get_portal_url())
            except (UserError, ValidationError, ValueError) as exc:
                error = exc.args[0] if exc.args else str(exc)
        values = {
            "sale_order": order_sudo,
            "lines": lines,
            "returnable": returnable,
            "reasons": reasons,
            "error": error,
            "post": post,
            "token": access_token,
            "page_name": "return_request",
        }
        return request.render("crm_fulfillment.portal_return_request", values)

    def _create_portal_return(self, order_sudo, lines, reasons, post):
        """Create and request the return as superuser: portal users may not
        create returns themselves; access to the order was checked above
        and the request checks quantities, window and products."""
        reason = reasons.filtered(lambda r: str(r.id) == post.get("reason_id"))
        if not reason:
            raise UserError(request.env._("Choose a reason for the return."))
        resolution = (
            post.get("resolution")
            if post.get("resolution") in ("refund", "exchange", "credit")
            else "refund"
        )
        line_vals = []
        for line in lines:
            qty = float(post.get(f"qty_{line.id}") or 0)
            if qty:
                line_vals.append(
                    (
                        0,
                        0,
                        {
                            "order_line_id": line.id,
                            "quantity": qty,
                            "reason_id": reason.id,
                            "resolution": resolution,
                        },
                    )
                )
        if not line_vals:
            raise UserError(request.env._("Enter the quantity of at least one product to return."))
        with request.env.cr.savepoint():
            return_sudo = (
                request.env["sale.return"]
                .sudo()
                .create(
                    {
                        "order_id": order_sudo.id,
                        "user_id": order_sudo.user_id.id,
                        "preferred_resolution": resolution,
                        "customer_note": post.get("note"),
                        "line_ids": line_vals,
                    }
                )
            )
            return_sudo.action_request()
        photos = request.httprequest.files.getlist("photos")
        request.env["ir.attachment"].sudo().create(
            [
                {
                    "name": photo.filename,
                    "datas": base64.b64encode(photo.read()),
                    "res_model": "sale.return",
                    "res_id": return_sudo.id,
                }
                for photo in photos
                if photo.filename
            ]
        )
        return_sudo.message_post(
            body=request.env._("Requested by the customer from the portal."),
            attachment_ids=return_sudo.env["ir.attachment"]
            .search([("res_model", "=", "sale.return"), ("res_id", "=", return_sudo.id)])
            .ids,
        )
        return return_sudo
