"""Demo data only: a year of the web shop's orders through every stage,
with a bottleneck (parcels wait for the carrier once packed), and today's
orders in every stage, some of them late. Called once by
demo/fulfillment_shop_demo.xml; deterministic (fixed seed and lists), dated
from the day it is loaded.

Orders live their stages with the addon, at the dates of the plan: each
step runs through Odoo's own flow (confirmation, transfers validated,
invoices paid) with the stage sync deferred, its documents are dated, then
the sync records the stage change at that date (``_crm_demo_play``)."""

import json
import random
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

from .sale_order_stage import DEFER

SEED = 2718
# The transfers of a pick, pack, ship route, and the plan's date of each.
STEPS = (("pick", "picked"), ("pack", "packed"), ("out", "shipped"))
CUSTOMERS = ("elena", "marco", "hannah", "lucas", "aiko", "noah", "sara", "tomas", "priya", "joel")
PRODUCTS = ("kettle", "carafe", "scale", "canister", "cold_brew")
STOCK = 400.0

# Today's orders: (key, customer, [(product, qty)], {step: hours ago}, prepaid).
# Stages' targets: awaiting payment 48 h, ready 12 h, picked 4 h, packed 24 h
# (see the demo XML); the sold-out hand grinder waits in Confirmed.
SHOWCASE = [
    ("quote_marco", "marco", [("carafe", 1), ("canister", 1)], {"quoted": 26}, False),
    (
        "awaiting_priya",
        "priya",
        [("scale", 1), ("canister", 1)],
        {"quoted": 101, "confirmed": 98},
        True,
    ),
    ("confirmed_sara", "sara", [("hand_grinder", 1)], {"quoted": 7, "confirmed": 6}, False),
    ("confirmed_tomas", "tomas", [("hand_grinder", 2)], {"quoted": 52, "confirmed": 49}, False),
    ("ready_hannah", "hannah", [("kettle", 1)], {"quoted": 4, "confirmed": 3}, False),
    ("ready_marco", "marco", [("cold_brew", 1)], {"quoted": 23, "confirmed": 20}, False),
    ("picked_lucas", "lucas", [("scale", 1)], {"quoted": 9, "confirmed": 8, "picked": 1}, False),
    ("picked_aiko", "aiko", [("carafe", 2)], {"quoted": 20, "confirmed": 16, "picked": 7}, False),
    (
        "packed_noah",
        "noah",
        [("kettle", 1), ("canister", 1)],
        {"quoted": 30, "confirmed": 28, "picked": 10, "packed": 5},
        False,
    ),
    (
        "packed_elena",
        "elena",
        [("cold_brew", 1), ("carafe", 1)],
        {"quoted": 60, "confirmed": 55, "picked": 40, "packed": 31},
        False,
    ),
    (
        "shipped_sara",
        "sara",
        [("canister", 3)],
        {"quoted": 80, "confirmed": 78, "picked": 74, "packed": 73, "shipped": 30},
        False,
    ),
    (
        "shipped_joel",
        "joel",
        [("kettle", 1), ("scale", 1)],
        {"quoted": 70, "confirmed": 69, "picked": 66, "packed": 64, "shipped": 20},
        False,
    ),
    (
        "cancelled_noah",
        "noah",
        [("cold_brew", 1)],
        {"quoted": 130, "confirmed": 128, "cancelled": 120},
        False,
    ),
]
# Delivered orders of the last weeks, which sale_return_demo.py returns:
# (key, customer, [(product, qty)], days ago delivered).
RETURNED = [
    ("returned_marco", "marco", [("kettle", 1), ("canister", 2)], 6),
    ("returned_joel", "joel", [("cold_brew", 1), ("carafe", 1)], 9),
    ("returned_hannah", "hannah", [("scale", 1), ("carafe", 1)], 12),
    ("returned_lucas", "lucas", [("kettle", 2)], 20),
    ("returned_aiko", "aiko", [("cold_brew", 1)], 18),
    ("returned_noah", "noah", [("kettle", 1)], 14),
    ("returned_tomas", "tomas", [("carafe", 2)], 10),
    ("returned_priya", "priya", [("scale", 1), ("canister", 1)], 25),
]


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model
    def _crm_demo_fulfillment_shop(self):
        """The shop's year: orders placed before (other demo data, Odoo's
        included) get the history their documents tell, as at install; then
        this shop's stock, a year of orders, the delivered orders that are
        returned, and today's orders in every stage."""
        self._fulfillment_rebuild_history(only_without_events=True, keep_stage=False)
        rng = random.Random(SEED)
        now = fields.Datetime.now()
        self._crm_demo_carrier_deliveries(now, rng)
        warehouse = self.env.ref("crm_fulfillment.warehouse_web_demo")
        self._crm_demo_stock(warehouse, now - timedelta(days=400))
        history = self._crm_demo_history_plans(warehouse, now, rng)
        returned = self._crm_demo_orders(
            warehouse,
            self._crm_demo_specs(
                [(key, customer, lines, False) for key, customer, lines, _days in RETURNED]
            ),
        )
        returned_plans = [
            (order, self._crm_demo_delivered_plan(now, days, rng))
            for order, (*_rest, days) in zip(returned, RETURNED, strict=True)
        ]
        showcase = self._crm_demo_orders(
            warehouse,
            self._crm_demo_specs(
                [
                    (key, customer, lines, prepaid)
                    for key, customer, lines, _plan, prepaid in SHOWCASE
                ]
            ),
        )
        showcase_plans = [
            (order, {step: now - timedelta(hours=hours) for step, hours in plan.items()})
            for order, (_key, _customer, _lines, plan, _prepaid) in zip(
                showcase, SHOWCASE, strict=True
            )
        ]
        plans = history + returned_plans + showcase_plans
        self._crm_demo_play(plans)
        # Invoiced once confirmed: the returns refund what was invoiced.
        self._crm_demo_invoice([(order, dates) for order, dates in plans if dates.get("confirmed")])
        return self.browse([order.id for order, _dates in plans])

    # ------------------------------------------------------------------
    # The shop
    # ------------------------------------------------------------------
    @api.model
    def _crm_demo_carrier_deliveries(self, now, rng):
        """Orders shipped before (other demo data): the carrier confirmed
        their delivery half a day to a day later, as a carrier integration
        would (_fulfillment_mark_delivered); those that left in the last
        two days are still on their way."""
        shipped = self.search(
            [
                ("fulfillment_stage_id.code", "=", "shipped"),
                ("fulfillment_shipped_date", "<", now - timedelta(days=2)),
            ],
            order="id",
        )
        for order in shipped:
            transit = timedelta(hours=rng.uniform(10, 26))
            order._fulfillment_mark_delivered(order.fulfillment_stage_date + transit)

    @api.model
    def _crm_demo_stock(self, warehouse, when):
        """The shop's opening inventory, counted a little over a year ago;
        the limited edition is sold out."""
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        quants = Quant.create(
            [
                {
                    "product_id": self.env.ref(f"crm_fulfillment.product_{key}_demo").id,
                    "location_id": warehouse.lot_stock_id.id,
                    "inventory_quantity": STOCK,
                }
                for key in PRODUCTS
            ]
        )
        quants.action_apply_inventory()
        moves = self.env["stock.move"].search(
            [("is_inventory", "=", True), ("location_dest_id", "=", warehouse.lot_stock_id.id)]
        )
        self._crm_demo_date_moves(moves, when)

    @api.model
    def _crm_demo_specs(self, specs):
        """[(xmlid, partner, [(product, qty)], payment term)] of the demo's
        [(key, customer key, [(product key, qty)], prepaid)]."""
        prepaid = self.env.ref("crm_fulfillment.payment_term_prepaid_demo")
        return [
            (
                key and f"crm_fulfillment.sale_order_{key}_demo",
                self.env.ref(
                    "base.partner_demo_portal"
                    if customer == "joel"
                    else f"crm_fulfillment.partner_{customer}_demo"
                ),
                [(self.env.ref(f"crm_fulfillment.product_{p}_demo"), qty) for p, qty in lines],
                prepaid if pay_first else False,
            )
            for key, customer, lines, pay_first in specs
        ]

    @api.model
    def _crm_demo_orders(self, warehouse, specs):
        """Quotations of ``specs`` [(xmlid or None, partner, [(product,
        qty)], payment term or False)], sold by the administrator from
        ``warehouse``, created with the stage sync deferred: the play
        records their stages at the plan's dates. An xmlid is given as the
        XML would."""
        admin = self.env.ref("base.user_admin")
        records = []
        for xmlid, partner, lines, payment_term in specs:
            values = {
                "partner_id": partner.id,
                "warehouse_id": warehouse.id,
                "user_id": admin.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in lines
                ],
            }
            if payment_term:
                values["payment_term_id"] = payment_term.id
            records.append(
                {"xml_id": xmlid, "values": values, "noupdate": True}
                if xmlid
                else {"values": values}
            )
        Order = self.env["sale.order"].with_context(
            **{DEFER: True}, tracking_disable=True, mail_create_nolog=True
        )
        return Order._load_records(records)

    @api.model
    def _crm_demo_history_plans(self, warehouse, now, rng):
        """Four or five orders a month for a year, each with the dates of
        its stages: quotation minutes to two days, ready a few hours,
        picked under two, packed a day (the carrier collects once a day:
        the bottleneck, better since the shop changed carriers three months
        ago), in transit one to two days. Three orders were paid before
        shipping, one was cancelled."""
        specs, timings = [], []
        for month in range(12, 0, -1):
            for slot in range(4 + month % 2):
                day = month * 30 + 5 - slot * 5 - rng.randint(0, 3)
                customer = CUSTOMERS[(month * 5 + slot) % len(CUSTOMERS)]
                lines = [(p, rng.randint(1, 2)) for p in rng.sample(PRODUCTS, rng.randint(1, 2))]
                prepaid = (month, slot) in ((10, 1), (6, 2), (2, 0))
                specs.append((None, customer, lines, prepaid))
                timings.append((day, month, prepaid, (month, slot) == (7, 3)))
        orders = self._crm_demo_orders(warehouse, self._crm_demo_specs(specs))
        plans = []
        for order, (day, month, prepaid, cancelled) in zip(orders, timings, strict=True):
            quoted = now - timedelta(days=day, hours=rng.randint(-10, 4))
            dates = {"quoted": quoted}
            at = dates["confirmed"] = quoted + timedelta(hours=rng.choice([0.1, 0.3, 1, 4, 20, 46]))
            if cancelled:
                dates["cancelled"] = at + timedelta(hours=30)
                plans.append((order, dates))
                continue
            if prepaid:
                at = dates["paid"] = at + timedelta(hours=rng.uniform(3, 30))
            packing = rng.uniform(22, 46) if month > 3 else rng.uniform(14, 30)
            for step, hours in (
                ("picked", rng.uniform(1.5, 9)),
                ("packed", rng.uniform(0.3, 1.6)),
                ("shipped", packing),
                ("delivered", rng.uniform(10, 26)),
            ):
                at = dates[step] = at + timedelta(hours=hours)
            plans.append((order, dates))
        return plans

    @api.model
    def _crm_demo_delivered_plan(self, now, days, rng):
        """The dates of an order delivered ``days`` ago, its stages before
        that as the shop's usual."""
        delivered = now - timedelta(days=days, hours=rng.randint(0, 8))
        dates = {"delivered": delivered}
        at = delivered
        for step, hours in (
            ("shipped", rng.uniform(10, 26)),
            ("packed", rng.uniform(14, 30)),
            ("picked", rng.uniform(0.3, 1.6)),
            ("confirmed", rng.uniform(1.5, 9)),
            ("quoted", rng.choice([0.1, 1, 5])),
        ):
            at = dates[step] = at - timedelta(hours=hours)
        return dates

    # ------------------------------------------------------------------
    # Living the plan
    # ------------------------------------------------------------------
    @api.model
    def _crm_demo_play(self, plans):
        """Run the orders of ``plans`` [(order, {step: date})] through their
        steps, each step for all the orders at once, with the stage sync
        deferred; date the step's documents, then record each order's stage
        change at its date. Steps: quoted, confirmed, paid (payment before
        shipping), picked, packed, shipped (the transfers of the order's
        route: a one-step route ships only), delivered, cancelled."""

        def sync(order, when):
            order.with_context(**{DEFER: False})._fulfillment_sync(when=when)

        def having(step):
            return [(order, dates) for order, dates in plans if dates.get(step)]

        self._crm_demo_date_creation([(order, dates["quoted"]) for order, dates in plans])
        for order, dates in plans:
            sync(order, dates["quoted"])
        confirmed = having("confirmed")
        orders = self.browse([order.id for order, _dates in confirmed])
        orders.with_context(**{DEFER: True}).action_confirm()
        for order, dates in confirmed:
            order.date_order = dates["confirmed"]
        self._crm_demo_date_pickings(
            [
                (p, dates["confirmed"], False)
                for order, dates in confirmed
                for p in order.picking_ids
            ]
        )
        for order, dates in confirmed:
            sync(order, dates["confirmed"])
        paid = having("paid")
        self._crm_demo_invoice(paid, pay=True)
        for order, dates in paid:
            sync(order, dates["paid"])
        for step, key in STEPS:
            todo = having(key)
            pickings = [
                (picking, dates[key])
                for order, dates in todo
                for picking in order.picking_ids
                if picking.state not in ("done", "cancel")
                and not picking.sale_return_id
                and self._fulfillment_picking_step(picking) == step
            ]
            self._crm_demo_validate([picking for picking, _date in pickings])
            self._crm_demo_date_pickings([(picking, date, True) for picking, date in pickings])
            for order, dates in todo:
                sync(order, dates[key])
        for order, dates in having("delivered"):
            order.with_context(**{DEFER: False})._fulfillment_mark_delivered(dates["delivered"])
        for order, dates in having("cancelled"):
            order.with_context(**{DEFER: True})._action_cancel()
            sync(order, dates["cancelled"])

    @api.model
    def _crm_demo_validate(self, pickings):
        """Validate transfers in full, the stage sync deferred (the play
        records the stage at the plan's date)."""
        pickings = self.env["stock.picking"].union(*pickings) if pickings else None
        if not pickings:
            return
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        pickings.with_context(**{DEFER: True}, skip_backorder=True).button_validate()

    @api.model
    def _crm_demo_invoice(self, plans, pay=False):
        """Invoice the orders of ``plans`` not invoiced yet, dated on their
        confirmation; with ``pay``, paid on the plan's payment date."""
        todo = [
            (order, dates)
            for order, dates in plans
            if order.state == "sale" and not order.invoice_ids
        ]
        if not todo:
            return
        orders = self.browse([order.id for order, _dates in todo]).with_context(**{DEFER: True})
        orders._create_invoices(grouped=True)
        for order, dates in todo:
            invoice = order.invoice_ids
            invoice.invoice_date = dates["confirmed"].date()
            invoice.action_post()
            if pay:
                self.env["account.payment.register"].with_context(
                    **{DEFER: True}, active_model="account.move", active_ids=invoice.ids
                ).create({"payment_date": dates["paid"].date()})._create_payments()

    # ------------------------------------------------------------------
    # Dating documents
    # ------------------------------------------------------------------
    @api.model
    def _crm_demo_date_creation(self, rows):
        """Orders created on their plan's quotation date."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE sale_order so SET create_date = (v.e->>1)::timestamp"
                " FROM jsonb_array_elements(%s::jsonb) AS v(e) WHERE so.id = (v.e->>0)::int",
                json.dumps([(order.id, str(date)) for order, date in rows]),
            )
        )
        self.env["sale.order"].invalidate_model(["create_date"])

    @api.model
    def _crm_demo_date_pickings(self, rows):
        """Transfers [(picking, date, done)] made (not done) or done on
        ``date``, with their moves and move lines."""
        if not rows:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH v AS (
                    SELECT (e->>0)::int AS id, (e->>1)::timestamp AS date, (e->>2)::bool AS done
                      FROM jsonb_array_elements(%s::jsonb) AS e
                ),
                pickings AS (
                    UPDATE stock_picking p
                       SET date_done = CASE WHEN v.done THEN v.date ELSE p.date_done END,
                           scheduled_date = v.date, date = LEAST(p.date, v.date),
                           date_deadline = NULL
                      FROM v WHERE p.id = v.id
                ),
                moves AS (
                    UPDATE stock_move m SET date = v.date FROM v WHERE m.picking_id = v.id
                )
                UPDATE stock_move_line ml SET date = v.date FROM v WHERE ml.picking_id = v.id
                """,
                json.dumps([(picking.id, str(date), done) for picking, date, done in rows]),
            )
        )
        self.env.invalidate_all()

    @api.model
    def _crm_demo_date_moves(self, moves, date):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_move SET date = %(date)s WHERE id = ANY(%(ids)s);"
                " UPDATE stock_move_line SET date = %(date)s WHERE move_id = ANY(%(ids)s)",
                date=date,
                ids=moves.ids,
            )
        )
        self.env.invalidate_all()
