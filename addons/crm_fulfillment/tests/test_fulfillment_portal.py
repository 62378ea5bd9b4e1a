from odoo.tests import HttpCase, new_test_user, tagged

from .common import FulfillmentCase


@tagged("post_install", "-at_install")
class TestFulfillmentPortal(FulfillmentCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, login="ful_portal", groups="base.group_portal")
        cls.portal_user.partner_id.email = "portal@example.com"
        cls.other = cls.env["res.partner"].create({"name": "Someone Else"})

    def test_portal_user_sees_own_timeline_only(self):
        own = self._order(partner_id=self.portal_user.partner_id.id)
        self._validate(own.picking_ids)
        foreign = self._order(partner_id=self.other.id)
        self.authenticate("ful_portal", "ful_portal")
        page = self.url_open(f"/my/orders/{own.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Order Progress", page.text)
        self.assertIn("Shipped", page.text)
        denied = self.url_open(f"/my/orders/{foreign.id}", allow_redirects=False)
        self.assertNotEqual(denied.status_code, 200)
        events = self.env["sale.fulfillment.event"].with_user(self.portal_user).search([])
        self.assertEqual(events.order_id, own)
