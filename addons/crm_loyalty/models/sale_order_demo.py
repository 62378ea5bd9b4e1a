"""Demo data only: two years of the Coffee Club's members and what the
points ledger made of their orders: points earned, pending until the
return window passes, released, redeemed, reversed by a return, expired,
goodwill for a late order, store credit and an adjustment; a customer about
to reach the next tier and points about to expire. Called once by
demo/loyalty_program_demo.xml; deterministic (fixed seed and lists), dated
from the day it is loaded.

The orders live their stages through crm_fulfillment's demo play (Odoo's
own flows, the stage sync at the plan's dates); the ledger follows by its
own flows (confirmation, stage changes, returns, its crons); then the
release dates the play could not know, and the entries' dates, are set to
when things happened."""

import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.ledger_guard import as_system

SEED = 3141

# In story order, phase by phase: (customer, [(product, qty)], days ago
# delivered, or {step: hours ago} for an order on its way, redeem a reward).
PHASES = [
    # More than a year ago: their points expired.
    [
        ("julia", [("kettle", 1), ("carafe", 1)], 560, False),
        ("julia", [("cold_brew", 1), ("canister", 2)], 420, False),
        ("joel", [("scale", 1), ("canister", 1)], 430, False),
    ],
    # The last year: released; Camille's first points expire within a month.
    [
        ("camille", [("kettle", 1), ("canister", 2)], 357, False),
        ("julia", [("kettle", 2)], 340, False),
        ("omar", [("kettle", 2)], 300, False),
        ("julia", [("scale", 1), ("carafe", 1)], 250, False),
        ("camille", [("carafe", 2)], 200, False),
        ("joel", [("kettle", 2), ("carafe", 1)], 200, False),
        ("julia", [("cold_brew", 2)], 160, False),
        ("omar", [("cold_brew", 2)], 150, False),
        ("omar", [("scale", 2)], 60, False),
    ],
    # Rewards redeemed with the points of the year.
    [
        ("julia", [("cold_brew", 1), ("scale", 1)], 90, True),
        ("joel", [("canister", 3)], 45, True),
    ],
    # The last weeks: released, pending, returned; Omar's order is late.
    [
        ("julia", [("kettle", 1)], 40, False),
        ("sven", [("cold_brew", 1), ("canister", 1)], 20, False),
        ("julia", [("carafe", 1), ("canister", 1)], 12, False),
        ("camille", [("kettle", 1), ("carafe", 1), ("scale", 1)], 12, False),
        ("joel", [("cold_brew", 1)], 5, False),
        (
            "omar",
            [("kettle", 1), ("carafe", 1), ("scale", 1)],
            {"quoted": 60, "confirmed": 55, "picked": 40, "packed": 30},
            False,
        ),
    ],
]
# Returns of the last phase's orders, through crm_fulfillment's demo
# returns: (customer, [(product, qty, reason, resolution)], comment, steps).
RETURNS = [
    (
        "camille",
        [("scale", 1, "not_as_described", "refund")],
        "The scale drifts by several grams.",
        {"requested": 6, "approved": 5, "received": 3, "done": 2},
    ),
    (
        "sven",
        [("canister", 1, "changed_mind", "credit")],
        "Too small for a kilo of beans; store credit is fine.",
        {"requested": 8, "approved": 7, "received": 5, "done": 4},
    ),
]


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model
    def _crm_demo_loyalty_story(self):
        """The members' orders phase after phase, the ledger's crons in
        between (release, expiry), their returns, the late order's
        goodwill, an adjustment, the tiers, then the entries dated."""
        rng = random.Random(SEED)
        now = fields.Datetime.now()
        program = self.env.ref("crm_loyalty.loyalty_program_shop_demo")
        Ledger = self.env["loyalty.ledger"]
        orders = self.browse()
        for phase in PHASES:
            orders |= self._crm_demo_loyalty_phase(program, phase, now, rng)
            self._crm_demo_release_dates(program, orders)
            Ledger._cron_release()
        for customer, lines, note, steps in RETURNS:
            order = orders.filtered(lambda o, c=customer: o.partner_id == self._crm_demo_member(c))
            preferred = lines[0][3]
            self.env["sale.return"]._crm_demo_return(order[-1], lines, preferred, note, steps)
        self._cron_fulfillment_sla()
        welcome = self._crm_demo_member("sven")._crm_card_for(program)
        welcome._crm_adjust(20, "Welcome bonus: first order in the club")
        Ledger._cron_expire()
        program._crm_apply_tiers()
        self._crm_demo_date_entries(program, now - timedelta(days=19))
        return orders

    @api.model
    def _crm_demo_member(self, key):
        if key == "joel":
            return self.env.ref("base.partner_demo_portal")
        return self.env.ref(f"crm_loyalty.partner_{key}_demo")

    @api.model
    def _crm_demo_loyalty_phase(self, program, phase, now, rng):
        """The orders of one phase, their rewards applied, played to their
        dates."""
        Order = self.env["sale.order"]
        warehouse = self.env.ref("crm_fulfillment.warehouse_web_demo")
        orders = Order._crm_demo_orders(
            warehouse,
            [
                (
                    None,
                    self._crm_demo_member(customer),
                    [(self.env.ref(f"crm_fulfillment.product_{p}_demo"), qty) for p, qty in lines],
                    False,
                )
                for customer, lines, _when, _redeem in phase
            ],
        )
        plans = []
        for order, (_customer, _lines, when, redeem) in zip(orders, phase, strict=True):
            if redeem:
                self._crm_demo_redeem(order, program)
            if isinstance(when, dict):
                dates = {step: now - timedelta(hours=hours) for step, hours in when.items()}
            else:
                dates = Order._crm_demo_delivered_plan(now, when, rng)
            plans.append((order, dates))
        Order._crm_demo_play(plans)
        Order._crm_demo_invoice(plans)
        return orders

    @api.model
    def _crm_demo_redeem(self, order, program):
        """The program's reward on ``order``, paid with the customer's card."""
        order._update_programs_and_rewards()
        card = order.partner_id._crm_card_for(program)
        result = order._apply_program_reward(program.reward_ids[:1], card)
        if result.get("error"):
            raise ValueError(f"Demo reward on {order.name}: {result['error']}")

    @api.model
    def _crm_demo_release_dates(self, program, orders):
        """Pending points wait for the return window after delivery (after
        shipping while the delivery is not confirmed), as the stage changes
        schedule it when they happen: the play made them all today."""
        pending = self.env["loyalty.ledger"].search(
            [("order_id", "in", orders.ids), ("state", "=", "pending")]
        )
        window = timedelta(days=program.crm_release_days)
        for order in pending.order_id:
            start = order.fulfillment_delivered_date or order.fulfillment_shipped_date
            if start:
                as_system(pending.filtered(lambda e, o=order: e.order_id == o)).write(
                    {"release_date": start + window}
                )

    @api.model
    def _crm_demo_date_entries(self, program, welcome_date):
        """Each entry dated when it happened, not when the demo wrote it:
        earned and redeemed points on their order's date, reversals on the
        day the goods came back, goodwill when the order became late, store
        credit when the return was resolved, expiry the day after the lots'
        last day."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH dated AS (
                    SELECT l.id,
                           CASE
                               WHEN l.kind IN ('earn', 'redeem') THEN so.date_order
                               WHEN l.kind = 'reverse' AND l.move_id IS NOT NULL THEN
                                   (SELECT sp.date_done FROM stock_move m
                                      JOIN stock_picking sp ON sp.id = m.picking_id
                                     WHERE m.id = l.move_id)
                               WHEN l.kind = 'goodwill' THEN so.fulfillment_deadline
                               WHEN l.kind = 'adjust' AND l.sale_return_id IS NOT NULL THEN
                                   (SELECT max(sp.date_done) FROM stock_picking sp
                                     WHERE sp.sale_return_id = l.sale_return_id)
                                   + interval '1 day'
                               WHEN l.kind = 'adjust' THEN %(welcome)s
                               WHEN l.kind = 'expire' THEN
                                   (SELECT max(e.expiry_date) FROM loyalty_ledger e
                                     WHERE e.card_id = l.card_id AND e.kind = 'earn'
                                       AND e.expiry_date < %(today)s)
                                   + interval '1 day 2 hours'
                           END AS date
                      FROM loyalty_ledger l
                 LEFT JOIN sale_order so ON so.id = l.order_id
                     WHERE l.program_id = %(program)s
                )
                UPDATE loyalty_ledger l SET date = dated.date
                  FROM dated WHERE l.id = dated.id AND dated.date IS NOT NULL
                """,
                program=program.id,
                welcome=welcome_date,
                today=fields.Date.context_today(self),
            )
        )
        self.env["loyalty.ledger"].invalidate_model(["date"])
