from unittest.mock import patch

from odoo import Command
from odoo.addons.account_payment.models.payment_transaction import PaymentTransaction
from odoo.tests import tagged

from .common import FulfillmentCase


@tagged("post_install", "-at_install")
class TestFulfillmentPayment(FulfillmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.fulfillment_require_payment = True
        cls.provider = cls.env["payment.provider"].create(
            {"name": "Fulfilment Test Provider", "state": "test", "company_id": cls.company.id}
        )

    def setUp(self):
        super().setUp()
        # The accounting payment of a done transaction needs a bank journal set
        # up for the provider; the stage only reads the transaction's state.
        patcher = patch.object(PaymentTransaction, "_create_payment", lambda self, **kw: None)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _transaction(self, order, amount):
        return self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                "amount": amount,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "reference": f"FUL-{order.name}-{amount}",
                "sale_order_ids": [Command.set(order.ids)],
            }
        )

    def test_done_online_payment_releases_the_order(self):
        order = self._order()
        self.assertStage(order, "awaiting_payment")
        partial = self._transaction(order, order.amount_total / 2)
        partial._set_done()
        partial._post_process()
        self.assertStage(order, "awaiting_payment")
        rest = self._transaction(order, order.amount_total)
        rest._set_done()
        rest._post_process()
        self.assertStage(order, "ready")

    def test_pending_payment_does_not_count(self):
        order = self._order()
        tx = self._transaction(order, order.amount_total)
        tx._set_pending()
        tx._post_process()
        self.assertStage(order, "awaiting_payment")


@tagged("post_install", "-at_install")
class TestFulfillmentMultiCompany(FulfillmentCase):
    def test_history_stays_in_its_company(self):
        order = self._order()
        other = self.env["res.company"].create({"name": "Other Shop"})
        user = self.env["res.users"].create(
            {
                "name": "Other Shop Clerk",
                "login": "ful_other_clerk",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "groups_id": [Command.set(self.env.ref("sales_team.group_sale_salesman").ids)],
            }
        )
        Event = self.env["sale.fulfillment.event"]
        self.assertTrue(Event.search([("order_id", "=", order.id)]))
        self.assertFalse(Event.with_user(user).search([("order_id", "=", order.id)]))
        self.assertFalse(self.env["sale.fulfillment.report"].with_user(user).search([]))
