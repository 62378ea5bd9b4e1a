from odoo.tests import HttpCase, new_test_user, tagged

from .common_returns import ReturnCase


@tagged("post_install", "-at_install")
class TestReturnPortal(ReturnCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, login="ret_portal", groups="base.group_portal")
        cls.other_customer = cls.env["res.partner"].create({"name": "Other Portal Customer"})

    def test_portal_user_requests_and_sees_only_own_returns(self):
        own = self._delivered_order(qty=3, partner_id=self.portal_user.partner_id.id)
        foreign = self._delivered_order(qty=1, partner_id=self.other_customer.id)
        foreign_return = self._return(foreign, 1)
        self.authenticate("ret_portal", "ret_portal")

        # One way to return: ours, not Odoo's return slip beside the delivery.
        order_page = self.url_open(own.get_portal_url()).text
        self.assertIn("o_request_return", order_page)
        self.assertNotIn("/my/picking/return/pdf/", order_page)
        form = self.url_open(f"/my/orders/{own.id}/return")
        self.assertEqual(form.status_code, 200)
        self.assertIn("Return products of order", form.text)
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]

        too_many = self.url_open(
            f"/my/orders/{own.id}/return",
            data={
                "csrf_token": token,
                f"qty_{own.order_line.id}": "5",
                "reason_id": str(self.reason_fee.id),
            },
        )
        self.assertIn("Only 3.0 Units", too_many.text)
        self.assertFalse(self.env["sale.return"].search([("order_id", "=", own.id)]))

        done = self.url_open(
            f"/my/orders/{own.id}/return",
            data={
                "csrf_token": token,
                f"qty_{own.order_line.id}": "2",
                "reason_id": str(self.reason_fee.id),
                "resolution": "exchange",
                "note": "Too big",
            },
        )
        ret = self.env["sale.return"].search([("order_id", "=", own.id)])
        self.assertEqual(ret.state, "requested")
        self.assertEqual(ret.line_ids.quantity, 2)
        self.assertEqual(ret.line_ids.resolution, "exchange")
        self.assertIn(f"/my/returns/{ret.id}?access_token=", done.url)
        # the form now offers the one item left
        again = self.url_open(f"/my/orders/{own.id}/return")
        self.assertIn('max="1.0"', again.text)
        self.assertRegex(again.text, r'o_returnable"[^>]*>1\.00</td>')
        second = self._return(own, 1)
        self.assertIn(
            f"Everything delivered on {own.name} was returned already, or is in a return request.",
            self.url_open(f"/my/orders/{own.id}/return").text,
        )

        listing = self.url_open("/my/returns")
        self.assertIn(ret.name, listing.text)
        self.assertNotIn(foreign_return.name, listing.text)
        self.assertEqual(self.url_open(f"/my/returns/{ret.id}").status_code, 200)
        denied = self.url_open(f"/my/returns/{foreign_return.id}", allow_redirects=False)
        self.assertEqual(denied.status_code, 303)
        other_form = self.url_open(f"/my/orders/{foreign.id}/return", allow_redirects=False)
        self.assertEqual(other_form.status_code, 303)
        # The Return Authorization comes with the approval.
        early = self.url_open(f"/my/returns/{ret.id}?report_type=html")
        self.assertNotIn("How to send the goods back", early.text)
        self.assertNotIn("o_return_pdf", early.text)
        ret.with_user(self.returns_manager).action_approve()
        pdf = self.url_open(f"/my/returns/{ret.id}?report_type=html")
        self.assertIn("How to send the goods back", pdf.text)
        self.assertIn("o_return_pdf", self.url_open(f"/my/returns/{ret.id}").text)
        self.assertIn("text-bg-info", self.url_open("/my/returns").text)  # approved
        visible = self.env["sale.return"].with_user(self.portal_user).search([])
        self.assertEqual(visible, ret | second)
