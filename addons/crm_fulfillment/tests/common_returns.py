from odoo import Command
from odoo.tests import new_test_user

from .common import FulfillmentCase


class ReturnCase(FulfillmentCase):
    """Delivered and invoiced orders, reasons, and return helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.invoice_policy = "order"
        cls.reason_fee = cls.env["sale.return.reason"].create(
            {"name": "Changed mind (test)", "restocking_fee_percent": 10}
        )
        cls.reason_auto = cls.env["sale.return.reason"].create(
            {"name": "Damaged (test)", "auto_approve": True}
        )
        cls.returns_user = new_test_user(
            cls.env,
            login="ret_user",
            groups="sales_team.group_sale_salesman_all_leads,stock.group_stock_user",
        )
        cls.returns_manager = cls.manager

    def _delivered_order(self, qty=3, invoice=True, **vals):
        order = self._order(qty=qty, **vals)
        self._validate(order.picking_ids)
        if invoice:
            order._create_invoices().action_post()
        return order

    def _return(
        self, order, qty, reason=None, resolution="refund", *, request=True, user=None, **line_vals
    ):
        ret = (
            self.env["sale.return"]
            .with_user(user or self.returns_user)
            .create(
                {
                    "order_id": order.id,
                    "line_ids": [
                        Command.create(
                            {
                                "order_line_id": order.order_line[0].id,
                                "quantity": qty,
                                "reason_id": (reason or self.reason_fee).id,
                                "resolution": resolution,
                                **line_vals,
                            }
                        )
                    ],
                }
            )
        )
        if request:
            ret.action_request()
        return ret

    def _receive(self, ret):
        ret = ret.with_user(self.returns_manager)
        if ret.state == "requested":
            ret.action_approve()
        for picking in ret.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")):
            self._validate(picking)
        return ret
