"""Store credit, the resolution of returns this app adds to
crm_fulfillment's: offered where a loyalty program gives it, and only
there."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import LoyaltyCase

NO_RATE = "set a store-credit rate on a loyalty program"


class StoreCreditCase(LoyaltyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.invoice_policy = "order"
        cls.reason = cls.env["sale.return.reason"].create({"name": "Changed my mind"})
        cls.program.crm_store_credit_rate = 2

    def _delivered(self, partner=None):
        order = self._loyal_order(partner=partner)
        self._validate(order.picking_ids)
        return order

    def _credit_return(self, order, resolution="credit"):
        return self.env["sale.return"].create(
            {
                "order_id": order.id,
                "preferred_resolution": resolution,
                "line_ids": [
                    Command.create(
                        {
                            "order_line_id": order.order_line.id,
                            "quantity": 1,
                            "reason_id": self.reason.id,
                            "resolution": resolution,
                        }
                    )
                ],
            }
        )


@tagged("post_install", "-at_install")
class TestStoreCredit(StoreCreditCase):
    def test_store_credit_is_this_apps(self):
        for model, fname in (
            ("sale.return", "preferred_resolution"),
            ("sale.return.line", "resolution"),
        ):
            with self.subTest(field=fname):
                Model = self.env[model]
                modules = Model._fields[fname]._selection_modules(Model)
                self.assertEqual(modules["credit"], {"crm_loyalty"})

    def test_no_store_credit_requested_without_a_rate(self):
        self.program.crm_store_credit_rate = 0
        order = self._delivered()
        ret = self._credit_return(order)
        with self.assertRaisesMessage(UserError, NO_RATE):
            ret.action_request()
        self.assertEqual(ret.state, "draft")
        # A refund is requested as before.
        ret.line_ids.resolution = "refund"
        ret.preferred_resolution = "refund"
        ret.action_request()
        self.assertEqual(ret.state, "requested")

    def test_no_store_credit_resolved_without_a_rate(self):
        order = self._delivered()
        ret = self._credit_return(order)
        ret.action_request()
        ret.action_approve()
        self._validate(ret.picking_ids)
        self.program.crm_store_credit_rate = 0
        with self.assertRaisesMessage(UserError, NO_RATE):
            ret.action_done()
        self.assertEqual(ret.state, "received")
        self.assertFalse(self._ledger(kind="adjust"))
        self.program.crm_store_credit_rate = 3
        ret.action_done()
        self.assertEqual(self._ledger(kind="adjust").points, 300)
        self.assertInvariant()

    def test_uninstalling_gives_credit_lines_a_refund(self):
        ret = self._credit_return(self._delivered())
        ret.action_request()
        values = self.env["ir.model.fields.selection"].search(
            [
                ("field_id.model", "in", ("sale.return", "sale.return.line")),
                ("field_id.name", "in", ("preferred_resolution", "resolution")),
                ("value", "=", "credit"),
            ]
        )
        self.assertEqual(len(values), 2)
        values._process_ondelete()
        ret.invalidate_recordset()
        self.assertEqual((ret.preferred_resolution, ret.line_ids.resolution), ("refund", "refund"))


@tagged("post_install", "-at_install")
class TestStoreCreditOnThePortal(StoreCreditCase, HttpCase):
    def test_offered_only_where_a_program_gives_it(self):
        portal = new_test_user(self.env, login="loy_credit_portal", groups="base.group_portal")
        order = self._delivered(partner=portal.partner_id)
        self.authenticate("loy_credit_portal", "loy_credit_portal")
        url = f"/my/orders/{order.id}/return"
        self.assertIn('<option value="credit">Store credit</option>', self.url_open(url).text)
        self.program.crm_store_credit_rate = 0
        form = self.url_open(url).text
        self.assertIn('<option value="exchange">An exchange</option>', form)
        self.assertNotIn('value="credit"', form)
        # Asked for all the same, it is refused, and nothing is written.
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        page = self.url_open(
            url,
            data={
                "csrf_token": token,
                f"qty_{order.order_line.id}": "1",
                "reason_id": str(self.reason.id),
                "resolution": "credit",
            },
        )
        self.assertIn(NO_RATE, page.text)
        self.assertFalse(self.env["sale.return"].search([("order_id", "=", order.id)]))
