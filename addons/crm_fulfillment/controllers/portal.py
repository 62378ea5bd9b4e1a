import math

from odoo import Command, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import float_round
from odoo.tools.mimetypes import guess_mimetype

# Photos are shown back to staff in the browser: raster images only (an
# SVG can carry scripts), recognised by their content, not their name.
PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


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
        # The Return Authorization says where to send the goods: once the
        # return is approved.
        if report_type in ("html", "pdf", "text") and return_sudo.state in (
            "approved",
            "received",
            "done",
        ):
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
        # sudo on the order is safe: _document_check_access checked that the
        # visitor owns it (or holds its access token).
        # What is left to return: delivered, less what open returns claim.
        quantities = order_sudo._returnable_quantities()
        lines = order_sudo.order_line.browse([ln.id for ln in quantities])
        returnable = {ln.id: qty for ln, qty in quantities.items()}
        reasons = (
            request.env["sale.return.reason"]
            # sudo: the reasons' names and fees are shown to every customer.
            .sudo()
            .search([("company_id", "in", [False, order_sudo.company_id.id])])
        )
        error = None
        if request.httprequest.method == "POST":
            try:
                return_sudo = self._create_portal_return(order_sudo, quantities, reasons, post)
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

    def _create_portal_return(self, order_sudo, returnable, reasons, post):
        """Create and request the return as superuser: portal users may not
        create returns themselves; access to the order was checked by the
        caller, the quantities and photos are checked here, and the request
        checks the window and the products. ``returnable``: {order line:
        what can still be returned}. Bad input raises a UserError before
        anything is written."""
        reason = reasons.filtered(lambda r: str(r.id) == post.get("reason_id"))
        if not reason:
            raise UserError(request.env._("Choose a reason for the return."))
        # What the installed addons resolve (crm_loyalty adds store credit).
        offered = request.env["sale.return.line"]._fields["resolution"].get_values(request.env)
        resolution = post.get("resolution") if post.get("resolution") in offered else "refund"
        line_vals = []
        for line in returnable:
            qty = self._portal_return_quantity(line, post.get(f"qty_{line.id}"), returnable)
            if qty:
                line_vals.append(
                    Command.create(
                        {
                            "order_line_id": line.id,
                            "quantity": qty,
                            "reason_id": reason.id,
                            "resolution": resolution,
                        }
                    )
                )
        if not line_vals:
            raise UserError(request.env._("Enter the quantity of at least one product to return."))
        photos = self._portal_return_photos(order_sudo.company_id)
        with request.env.cr.savepoint():
            # sudo: see the docstring.
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
            # The photos were checked above; message_post stores them on the
            # return, whose chatter staff read.
            # Posted as the customer's own message, which they see on the
            # return's page with their photos.
            return_sudo.message_post(
                body=post.get("note") or request.env._("Return requested from the portal."),
                attachments=photos,
                author_id=order_sudo.partner_id.id
                if request.env.user._is_public()
                else request.env.user.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return return_sudo

    @staticmethod
    def _portal_return_quantity(line, raw, returnable):
        """The quantity typed for ``line``: a finite number, not negative,
        within what can still be returned, rounded to the unit."""
        raw = (raw or "").strip()
        if not raw:
            return 0.0
        product = line.product_id.display_name
        try:
            qty = float(raw)
        except ValueError:
            qty = math.nan
        if not math.isfinite(qty) or qty < 0:
            raise UserError(
                request.env._(
                    "Enter the quantity of %(product)s as a number, 0 or more.", product=product
                )
            )
        rounding = line.product_uom.rounding
        qty = float_round(qty, precision_rounding=rounding)
        line._check_return_quantity(qty, returnable.get(line, 0.0))
        return qty

    @staticmethod
    def _portal_return_photos(company):
        """[(name, bytes)] of the uploaded photos, within the company's
        limits: images by their content, so many, so large."""
        files = [f for f in request.httprequest.files.getlist("photos") if f.filename]
        limit = company.return_portal_max_photos
        if len(files) > limit:
            raise UserError(
                request.env._("Attach at most %(count)s photos.", count=limit)
                if limit
                else request.env._("Photos can't be attached to a return request.")
            )
        max_bytes = company.return_portal_max_photo_mb * 1024 * 1024
        photos = []
        for upload in files:
            data = upload.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise UserError(
                    request.env._(
                        "%(name)s is larger than %(size)s MB.",
                        name=upload.filename,
                        size=company.return_portal_max_photo_mb,
                    )
                )
            if guess_mimetype(data) not in PHOTO_TYPES:
                raise UserError(
                    request.env._(
                        "%(name)s is not a photo: attach JPEG, PNG, GIF or WebP images.",
                        name=upload.filename,
                    )
                )
            photos.append((upload.filename, data))
        return photos
