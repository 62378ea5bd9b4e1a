"""Demo data only: returns in every state, for reasons with and without a
restocking fee, resolved by refund and by exchange. Called once by
demo/fulfillment_shop_demo.xml, on the delivered orders that
sale_order_demo.py made; deterministic, dated from the day it is loaded.

Each return goes through its own buttons (request, approve, receive through
the return transfer, resolve or reject), then its documents are dated:
request, transfers, scraps, credit notes."""

from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

# (order key, [(product, qty, reason, resolution)], preferred resolution,
# customer comment, {step: days ago}); a rejection says why.
RETURNS = [
    (
        "returned_marco",
        [("kettle", 1, "not_as_described", "refund")],
        "refund",
        "The lid does not close properly.",
        {"requested": 1},
    ),
    (
        "returned_joel",
        [("carafe", 1, "damaged", "exchange")],
        "exchange",
        "The carafe arrived with a chipped spout. Could you send another one?",
        {"requested": 4, "approved": 3},
    ),
    (
        "returned_hannah",
        [("scale", 1, "damaged", "refund")],
        "refund",
        "The display stays blank, even with new batteries.",
        {"requested": 8, "approved": 7, "received": 2},
    ),
    (
        "returned_lucas",
        [("kettle", 1, "changed_mind", "refund")],
        "refund",
        "I ordered two by mistake.",
        {"requested": 17, "approved": 16, "received": 12, "done": 11},
    ),
    (
        "returned_priya",
        [("canister", 1, "not_as_described", "refund")],
        "refund",
        "It is not airtight: the beans go stale.",
        {"requested": 22, "approved": 21, "received": 18, "done": 17},
    ),
    (
        "returned_aiko",
        [("cold_brew", 1, "wrong_size", "exchange")],
        "exchange",
        "The filter is missing from the box; please send a complete one.",
        {"requested": 15, "approved": 15, "received": 10, "done": 9, "exchanged": 8},
    ),
    (
        "returned_noah",
        [("kettle", 1, "changed_mind", "refund")],
        "refund",
        "I prefer my old kettle after all.",
        {
            "requested": 6,
            "rejected": 5,
            "reason": "The kettle shows weeks of use (limescale inside): we can only take back "
            "goods in the condition they were sold in.",
        },
    ),
    (
        "returned_tomas",
        [("carafe", 1, "changed_mind", "refund")],
        "refund",
        "A gift I don't need.",
        {"requested": 5, "cancelled": 4},
    ),
]


class SaleReturn(models.Model):
    _inherit = "sale.return"

    @api.model
    def _crm_demo_returns(self):
        """Every return of RETURNS, as far as its steps go; returns them."""
        returns = self.browse()
        for order_key, lines, preferred, note, steps in RETURNS:
            order = self.env.ref(f"crm_fulfillment.sale_order_{order_key}_demo")
            returns |= self._crm_demo_return(order, lines, preferred, note, steps)
        return returns

    @api.model
    def _crm_demo_return(self, order, lines, preferred, note, steps):
        """One return of ``order`` through the steps of ``steps`` ({step:
        days ago}), its documents dated on them."""
        now = fields.Datetime.now()
        dates = {
            step: now - timedelta(days=days, hours=3)
            for step, days in steps.items()
            if isinstance(days, int)
        }
        Order = self.env["sale.order"]
        ret = self.with_context(tracking_disable=True).create(
            {
                "order_id": order.id,
                "user_id": self.env.ref("base.user_admin").id,
                "preferred_resolution": preferred,
                "customer_note": note,
                "line_ids": [
                    Command.create(
                        {
                            "order_line_id": order.order_line.filtered(
                                lambda ln, p=product: (
                                    ln.product_id
                                    == self.env.ref(f"crm_fulfillment.product_{p}_demo")
                                )
                            ).id,
                            "quantity": qty,
                            "reason_id": self.env.ref(f"crm_fulfillment.return_reason_{reason}").id,
                            "resolution": resolution,
                        }
                    )
                    for product, qty, reason, resolution in lines
                ],
            }
        )
        ret.action_request()
        ret.request_date = dates["requested"]
        if "rejected" in steps:
            ret.action_reject(steps["reason"])
        if "cancelled" in steps:
            ret.action_cancel()
        if "approved" in steps:
            ret.action_approve()
            Order._crm_demo_date_pickings([(p, dates["approved"], False) for p in ret.picking_ids])
        if "received" in steps:
            received = ret.picking_ids
            Order._crm_demo_validate(list(received))
            Order._crm_demo_date_pickings([(p, dates["received"], True) for p in received])
            self._crm_demo_date_scraps(ret, dates["received"])
        if "done" in steps:
            before = ret.picking_ids
            ret.action_done()
            for credit_note in ret.credit_note_ids.filtered(lambda m: m.state == "draft"):
                credit_note.invoice_date = dates["done"].date()
                credit_note.action_post()
            exchanges = ret.picking_ids - before
            Order._crm_demo_date_pickings([(p, dates["done"], False) for p in exchanges])
            if "exchanged" in steps:
                Order._crm_demo_validate(list(exchanges))
                Order._crm_demo_date_pickings([(p, dates["exchanged"], True) for p in exchanges])
        return ret

    @api.model
    def _crm_demo_date_scraps(self, ret, date):
        """What a return scrapped (goods received damaged), on the day it
        was received."""
        scraps = self.env["stock.scrap"].search([("origin", "=", ret.name)])
        if not scraps:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_scrap SET date_done = %(date)s WHERE id = ANY(%(ids)s);"
                " UPDATE stock_move SET date = %(date)s WHERE scrap_id = ANY(%(ids)s);"
                " UPDATE stock_move_line ml SET date = %(date)s FROM stock_move m"
                " WHERE ml.move_id = m.id AND m.scrap_id = ANY(%(ids)s)",
                date=date,
                ids=scraps.ids,
            )
        )
        self.env.invalidate_all()
