"""What the demo shop shows on each screen, read from a database where the
three addons were installed with their demo data.

Run as ``python3 demo_probe.py CONFIG DATABASE``; prints one line
``PROBE {json}``. Used by test_demo_shop.py, in its own process (the
registry of the database under test is not the one pytest-odoo holds).
Changes nothing: what the first scheduled RFM run would make of the data
is computed, read, and rolled back.
"""

import json
import sys
from collections import Counter, defaultdict
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tools import config


def loyalty(env):
    """Each card against its ledger, the kinds and states of entries, the
    tiers, a member close to the next tier, points about to expire."""
    program = env.ref("crm_loyalty.loyalty_program_shop_demo")
    Ledger = env["loyalty.ledger"]
    cards = env["loyalty.card"].search([("program_id.program_type", "=", "loyalty")])
    balances = dict(
        Ledger._read_group(
            [("card_id", "in", cards.ids), ("state", "=", "available")], ["card_id"], ["points:sum"]
        )
    )
    entries = Ledger.search([("program_id", "=", program.id)])
    close = []
    for card in cards.filtered(lambda c: c.program_id == program):
        progress = card._crm_tier_progress()
        if progress.get("next") and progress["percent"] >= 90:
            close.append(card.partner_id.name)
    soon = fields.Date.today() + timedelta(days=31)
    return {
        "cards": len(cards),
        "card_not_ledger": [
            card.code
            for card in cards
            if round(card.points, 2) != round(balances.get(card, 0.0), 2)
        ],
        "kinds": dict(Counter(entries.mapped("kind"))),
        "pending": len(entries.filtered(lambda e: e.state == "pending")),
        "released": len(
            entries.filtered(
                lambda e: e.kind == "earn" and e.state == "available" and e.release_date
            )
        ),
        "store_credit": len(entries.filtered("sale_return_id")),
        "expiring_next_month": round(
            sum(
                entries.filtered(
                    lambda e: (
                        e.state == "available"
                        and e.remaining > 0
                        and e.expiry_date
                        and e.expiry_date <= soon
                    )
                ).mapped("remaining")
            ),
            2,
        ),
        "tiers": len(program.crm_tier_ids),
        "tiers_held": sorted(set(cards.crm_tier_id.mapped("name"))),
        "close_to_next_tier": close,
        "entries_in_the_future": len(entries.filtered(lambda e: e.date > fields.Datetime.now())),
    }


def fulfilment(env):
    Order = env["sale.order"]
    orders = Order.search([])
    stages = Counter(order.fulfillment_stage_id.code for order in orders)
    late = Order.search([("fulfillment_late", "=", True)])
    # The bottleneck: the stage orders stay longest in, over all changes.
    hours = defaultdict(list)
    for event in env["sale.fulfillment.event"].search([("from_stage_id", "!=", False)]):
        hours[event.from_stage_id.code].append(event.duration_hours)
    averages = {code: round(sum(v) / len(v), 1) for code, v in hours.items() if v}
    report = env["sale.fulfillment.report"].search([])
    env.cr.execute(
        "SELECT count(*) FROM (SELECT order_id, to_stage_id, date FROM sale_fulfillment_event"
        " GROUP BY 1, 2, 3 HAVING count(*) > 1) d"
    )
    duplicated = env.cr.fetchone()[0]
    return {
        "stages": dict(stages),
        "late": len(late),
        "late_stages": sorted(set(late.mapped("fulfillment_stage_id.code"))),
        "report_rows": len(report),
        "report_max_hours": max(report.mapped("avg_hours"), default=0.0),
        "report_months": len(set(report.mapped("month"))),
        "average_hours": averages,
        "bottleneck": max(averages, key=lambda code: averages[code]) if averages else None,
        "duplicated_events": duplicated,
    }


def returns(env):
    Return = env["sale.return"]
    rets = Return.search([])
    done = rets.filtered(lambda r: r.state == "done")
    return {
        "states": dict(Counter(rets.mapped("state"))),
        "done_resolutions": sorted(set(done.line_ids.mapped("resolution"))),
        "with_fee": len(rets.line_ids.filtered(lambda ln: ln.reason_id.restocking_fee_percent > 0)),
        "without_fee": len(
            rets.line_ids.filtered(lambda ln: not ln.reason_id.restocking_fee_percent)
        ),
        "rejected_with_reason": len(
            rets.filtered(lambda r: r.state == "rejected" and r.reject_reason)
        ),
        "posted_credit_notes": len(done.credit_note_ids.filtered(lambda m: m.state == "posted")),
    }


def intelligence(env):
    Partner = env["res.partner"]
    customers = Partner.search([("rfm_segment", "!=", False)])
    after_install = dict(Counter(customers.mapped(lambda p: p.rfm_segment)))
    winbacks = env["crm.lead"].search(
        [("crm_winback_episode", "!=", False), ("probability", "<", 100)]
    )
    leads = env["crm.lead"].search([("lead_score_band", "!=", False)])
    # The quotations of the shop's customers (crm_ecommerce's demo).
    shop_customers = env["ir.model.data"].search(
        [("module", "=", "crm_ecommerce"), ("model", "=", "res.partner")]
    )
    quotes = env["sale.order"].search(
        [("state", "in", ("draft", "sent")), ("partner_id", "in", shop_customers.mapped("res_id"))]
    )
    next_products = customers.filtered("crm_next_product_ids")
    confirmed = env["sale.order"].search([("state", "=", "sale")])
    dates = confirmed.mapped("date_order")
    # What the first scheduled run (queued by the install) makes of all
    # the shop's orders, the other addons' included; rolled back below.
    Partner._cron_compute_rfm()
    customers = Partner.search([("rfm_segment", "!=", False)])
    after_cron = dict(Counter(customers.mapped(lambda p: p.rfm_segment)))
    return {
        "segments_after_install": after_install,
        "segments_after_first_run": after_cron,
        "churned": len(customers.filtered("churn_risk")),
        "winbacks": len(winbacks),
        "lead_bands": dict(Counter(leads.mapped("lead_score_band"))),
        "quotations": len(quotes),
        "quotations_without_suggestions": [q.name for q in quotes if not q.suggested_product_ids],
        "customers_with_next_products": len(next_products),
        "oldest_order_days": (fields.Datetime.now() - min(dates)).days,
        "order_months": len({(d.year, d.month) for d in dates}),
        "orders_confirmed": len(dates),
        "orders_confirmed_today": len([d for d in dates if d.date() == fields.Date.today()]),
    }


def portal(env):
    """What Joel Willis (the portal user) sees on /my: his orders with their
    timeline, his returns and his loyalty card."""
    user = env.ref("base.demo_user0")
    as_joel = env(user=user)
    orders = as_joel["sale.order"].search([])
    events = as_joel["sale.fulfillment.event"].search([])
    return {
        "orders": len(orders),
        "orders_with_timeline": len(set(events.order_id.ids)),
        "returns": len(as_joel["sale.return"].search([])),
        "cards": len(
            env["loyalty.card"].search(
                [
                    ("partner_id", "=", user.partner_id.id),
                    ("program_id.program_type", "=", "loyalty"),
                ]
            )
        ),
    }


def invariants(env):
    """Delivered quantities are the done moves; no order dated in the future."""
    wrong = []
    lines = env["sale.order.line"].search(
        [
            ("order_id.state", "=", "sale"),
            ("product_id.type", "=", "consu"),
            ("reward_id", "=", False),
        ]
    )
    for line in lines:
        done = line.move_ids.filtered(lambda m: m.state == "done")
        out = sum(m.product_qty for m in done if m.location_dest_id.usage == "customer")
        back = sum(m.product_qty for m in done if m.location_id.usage == "customer")
        if abs(line.qty_delivered - (out - back)) > 0.001:
            wrong.append(line.order_id.name)
    now = fields.Datetime.now()
    return {
        "delivered_not_moves": sorted(set(wrong)),
        "orders_in_the_future": env["sale.order"].search_count([("date_order", ">", now)]),
        "pickings_done_in_the_future": env["stock.picking"].search_count([("date_done", ">", now)]),
    }


def main():
    conf, db = sys.argv[1:3]
    config.parse_config(["-c", conf, "-d", db, "--no-http", "--log-level=warn"])
    with Registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = {
            "loyalty": loyalty(env),
            "fulfilment": fulfilment(env),
            "returns": returns(env),
            "portal": portal(env),
            "invariants": invariants(env),
            "intelligence": intelligence(env),
        }
        cr.rollback()
    print("PROBE " + json.dumps(result, default=str))


if __name__ == "__main__":
    main()
