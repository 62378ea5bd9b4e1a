from contextlib import contextmanager

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class FulfillmentCase(TransactionCase):
    """A small shop: one warehouse, storable products in stock, a customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.warehouse.delivery_steps = "ship_only"
        cls.customer = cls.env["res.partner"].create(
            {"name": "Ada Customer", "email": "ada@example.com"}
        )
        cls.product = cls._storable("Fulfilment Mug", 10.0, stock=100)
        cls.product_rare = cls._storable("Fulfilment Rare Lamp", 99.0, stock=0)
        cls.salesman = new_test_user(
            cls.env, login="ful_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.manager = new_test_user(
            cls.env,
            login="ful_manager",
            groups="sales_team.group_sale_manager,stock.group_stock_manager",
        )
        cls.stages = cls.env["sale.fulfillment.stage"]._by_code()

    @classmethod
    def _storable(cls, name, price, stock):
        product = cls.env["product.product"].create(
            {"name": name, "type": "consu", "is_storable": True, "list_price": price}
        )
        if stock:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, stock
            )
        return product

    def _order(self, qty=1, product=None, confirm=True, **vals):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create(
                        {"product_id": (product or self.product).id, "product_uom_qty": qty}
                    )
                ],
                **vals,
            }
        )
        if confirm:
            order.action_confirm()
        return order

    def _validate(self, picking, qty=None):
        """Validate a picking, delivering ``qty`` (all by default); a partial
        validation keeps the rest in a backorder."""
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty if qty is None else qty
        picking.move_ids.picked = True
        res = picking.button_validate()
        if isinstance(res, dict) and res.get("res_model") == "stock.backorder.confirmation":
            wizard = (
                self.env["stock.backorder.confirmation"].with_context(**res["context"]).create({})
            )
            wizard.process()
        return picking

    def _open_picking(self, order, step_type):
        return order.picking_ids.filtered(
            lambda p: p.picking_type_id == step_type and p.state not in ("done", "cancel")
        )

    def _codes(self, order):
        return [
            (e.from_stage_id.code or False, e.to_stage_id.code)
            for e in order.fulfillment_event_ids.sorted(lambda e: (e.date, e.id))
        ]

    @contextmanager
    def assertRaisesMessage(self, exception, text):
        """assertRaises (which rolls the failed operation back, as a request
        would) and the message the user reads."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(text, str(caught.exception))

    def assertStage(self, order, code):
        self.assertEqual(order.fulfillment_stage_id.code, code)
