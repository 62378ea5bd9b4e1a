import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestReturnConcurrency(TransactionCase):
    """Two requests racing for the same delivered quantity: committed data
    in separate cursors, as two HTTP requests would see it."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            product = env["product.product"].create(
                {"name": "Race Kettle", "type": "consu", "is_storable": True}
            )
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 4)
            order = env["sale.order"].create(
                {
                    "partner_id": env["res.partner"].create({"name": "Race Customer"}).id,
                    "warehouse_id": warehouse.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "product_uom_qty": 4})
                    ],
                }
            )
            order.action_confirm()
            order.picking_ids.move_ids.quantity = 4
            order.picking_ids.move_ids.picked = True
            order.picking_ids.button_validate()
            reason = env["sale.return.reason"].create({"name": "Race reason"})
            self.return_ids = [
                env["sale.return"]
                .create(
                    {
                        "order_id": order.id,
                        "line_ids": [
                            Command.create(
                                {
                                    "order_line_id": order.order_line.id,
                                    "quantity": 3,
                                    "reason_id": reason.id,
                                }
                            )
                        ],
                    }
                )
                .id
                for _i in range(2)
            ]
            self.order_id = order.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            returns = env["sale.return"].browse(self.return_ids)
            returns.picking_ids.filtered(lambda p: p.state != "done").action_cancel()
            returns.write({"state": "cancelled"})
            returns.unlink()

    def test_two_racing_requests_cannot_both_claim_the_same_quantity(self):
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            # The second request starts before the first commits.
            second = env2["sale.return"].browse(self.return_ids[1])
            self.assertEqual(second.line_ids.order_line_id.qty_delivered, 4)
            env1["sale.return"].browse(self.return_ids[0]).action_request()
            env1.flush_all()
            cr1.commit()
            refused = None
            try:
                second.action_request()
                env2.flush_all()
            except (UserError, psycopg2.errors.SerializationFailure) as exc:
                refused = exc
            self.assertIsNotNone(refused, "both requests claimed 3 of the 4 delivered")
            cr2.rollback()
            # Odoo retries a request that failed to serialize: the retry sees
            # the first return and refuses the quantity.
            env2.invalidate_all()
            with self.assertRaisesRegex(UserError, "Only 1.0 Units"):
                env2["sale.return"].browse(self.return_ids[1]).action_request()
            cr2.rollback()
        finally:
            cr1.close()
            cr2.close()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            states = env["sale.return"].browse(self.return_ids).mapped("state")
            self.assertEqual(sorted(states), ["draft", "requested"])
