"""A shop with two years of history, made without our addons, and what the
addons say about it once installed.

    python3 existing_shop.py CONFIG DATABASE build      # before the install
    python3 existing_shop.py CONFIG DATABASE check      # after installing the addons
    python3 existing_shop.py CONFIG DATABASE snapshot   # the shop's own data

Each prints one line ``SHOP {json}``. Run by test_existing_shop.py, in its own
process, so that the registry of the database under test is not pytest's.
"""

import json
import sys
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tools import config

NOW = datetime.now().replace(microsecond=0)
TWO_YEARS_AGO = NOW - timedelta(days=730)


def _validate(picking, qty=None):
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty if qty is None else qty
    picking.move_ids.picked = True
    res = picking.button_validate()
    if isinstance(res, dict) and res.get("res_model") == "stock.backorder.confirmation":
        picking.env["stock.backorder.confirmation"].with_context(**res["context"]).create(
            {}
        ).process()


def _date(env, order, created, shipped=None):
    """Move an order and its transfers back in time, as years of history."""
    env.flush_all()
    env.cr.execute(
        "UPDATE sale_order SET create_date = %s, date_order = %s WHERE id = %s",
        (created, created + timedelta(hours=2), order.id),
    )
    if shipped:
        env.cr.execute(
            "UPDATE stock_picking SET date_done = %s WHERE sale_id = %s AND state = 'done'",
            (shipped, order.id),
        )
    env.invalidate_all()


def build(env):
    """Orders in every state over two years, a loyalty program whose cards
    hold points, and leads: all made with Odoo's own flows."""
    company = env.company
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    warehouse.delivery_steps = "ship_only"
    env["loyalty.program"].search([("program_type", "=", "loyalty")]).active = False
    program = env["loyalty.program"].create(
        {
            "name": "Existing Club",
            "program_type": "loyalty",
            "applies_on": "both",
            "trigger": "auto",
            "rule_ids": [Command.create({"reward_point_mode": "money", "reward_point_amount": 1})],
            "reward_ids": [
                Command.create({"reward_type": "discount", "discount": 10, "required_points": 1000})
            ],
        }
    )
    product = env["product.product"].create(
        {
            "name": "Existing Shop Mug",
            "type": "consu",
            "is_storable": True,
            "list_price": 50,
            "invoice_policy": "order",
            "taxes_id": [Command.clear()],
        }
    )
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 500)
    customers = env["res.partner"].create(
        [{"name": f"Existing Customer {i}", "email": f"existing{i}@example.com"} for i in range(4)]
    )
    orders = {}

    def order(key, customer, *, qty=2, created=None, shipped=None, deliver=True, part=None):
        so = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "warehouse_id": warehouse.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})],
            }
        )
        so.action_confirm()
        if deliver:
            _validate(so.picking_ids, qty=part)
        _date(env, so, created or NOW - timedelta(days=3), shipped)
        orders[key] = so
        return so

    order("delivered_2y", customers[0], created=TWO_YEARS_AGO, shipped=TWO_YEARS_AGO + timedelta(1))
    order("partial", customers[1], qty=3, part=1, shipped=NOW - timedelta(days=2))
    returned = order(
        "returned", customers[2], created=NOW - timedelta(days=200), shipped=NOW - timedelta(199)
    )
    wizard = env["stock.return.picking"].create({"picking_id": returned.picking_ids.id})
    wizard.product_return_moves.quantity = 1
    _validate(wizard._create_return())
    paid = order("paid", customers[3], created=NOW - timedelta(days=40), shipped=NOW - timedelta(5))
    invoice = paid._create_invoices()
    invoice.action_post()
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=invoice.ids
    ).create({})._create_payments()
    unpaid = order("unpaid", customers[0], deliver=False, created=NOW - timedelta(days=20))
    unpaid._create_invoices().action_post()
    cancelled = order("cancelled", customers[1], deliver=False, created=NOW - timedelta(days=100))
    cancelled._action_cancel()
    orders["quotation"] = env["sale.order"].create(
        {
            "partner_id": customers[2].id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
        }
    )
    leads = env["crm.lead"].create(
        [
            {"name": "Existing lead A", "partner_id": customers[0].id, "type": "opportunity"},
            {"name": "Existing lead B", "email_from": "b@example.com"},
        ]
    )
    env.flush_all()
    return {
        "orders": {key: so.id for key, so in orders.items()},
        "customers": customers.ids,
        "leads": leads.ids,
        "program": program.id,
    }


def counts(env):
    cr = env.cr
    cr.execute("SELECT count(*) FROM mail_mail")
    mails = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM mail_activity")
    activities = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM mail_message WHERE model = 'sale.order'")
    order_messages = cr.fetchone()[0]
    return {"mail_mail": mails, "activities": activities, "order_messages": order_messages}


def new_messages(env, counted):
    """The order messages written since ``counted`` (to say what they are)."""
    env.cr.execute(
        "SELECT res_id, message_type, body::text FROM mail_message"
        " WHERE model = 'sale.order' ORDER BY id DESC LIMIT %s",
        (max(counts(env)["order_messages"] - counted["order_messages"], 0),),
    )
    return env.cr.fetchall()


def snapshot(env):
    """The shop's own data, to compare before the install and after the
    uninstall."""
    cr = env.cr
    tables = {
        "sale_order": "SELECT id, state, amount_total, date_order, create_date FROM sale_order",
        "sale_order_line": "SELECT id, qty_delivered, qty_invoiced, price_total FROM sale_order_line",
        "stock_picking": "SELECT id, state, date_done, sale_id FROM stock_picking",
        "stock_move": "SELECT id, state, quantity, product_uom_qty FROM stock_move",
        "loyalty_card": "SELECT id, points, partner_id, program_id FROM loyalty_card",
        "crm_lead": "SELECT id, probability, stage_id, partner_id, active FROM crm_lead",
        "account_move": "SELECT id, state, amount_total, payment_state FROM account_move",
    }
    result = {}
    for name, query in tables.items():
        cr.execute(query + " ORDER BY id")
        result[name] = [[str(value) for value in row] for row in cr.fetchall()]
    return result


def check(env, shop):
    """What the installed addons say about the shop."""
    orders = {key: env["sale.order"].browse(oid) for key, oid in shop["orders"].items()}
    out = {"orders": {}}
    for key, so in orders.items():
        events = so.fulfillment_event_ids.sorted(lambda e: (e.date, e.id))
        out["orders"][key] = {
            "stage": so.fulfillment_stage_id.code,
            "stage_name": so.fulfillment_stage_id.name,
            "shipped": fields.Datetime.to_string(so.fulfillment_shipped_date),
            "delivered": fields.Datetime.to_string(so.fulfillment_delivered_date),
            "first_done": fields.Datetime.to_string(
                min(
                    so.picking_ids.filtered(
                        lambda p: p.state == "done" and p.picking_type_code == "outgoing"
                    ).mapped("date_done"),
                    default=False,
                )
            ),
            "events": [[e.to_stage_id.code, e.source, e.label] for e in events],
            "paid_badge": so.fulfillment_paid,
            "late": so.fulfillment_late,
            "returnable": {str(line.id): qty for line, qty in so._returnable_quantities().items()},
        }
    old = orders["delivered_2y"]
    ret = env["sale.return"].create(
        {
            "order_id": old.id,
            "line_ids": [
                Command.create(
                    {
                        "order_line_id": old.order_line.id,
                        "quantity": 1,
                        "reason_id": env["sale.return.reason"].search([], limit=1).id,
                    }
                )
            ],
        }
    )
    try:
        with env.cr.savepoint():
            ret.action_request()
        out["old_return"] = ret.state
    except UserError as exc:
        out["old_return"] = str(exc)
    cards = env["loyalty.card"].search([("program_id", "=", shop["program"])])
    out["cards"] = [
        {
            "points": card.points,
            "ledger": sum(
                card.crm_ledger_ids.filtered(lambda e: e.state == "available").mapped("points")
            ),
            "entries": [
                [e.kind, e.points, e.reason, bool(e.order_id)] for e in card.crm_ledger_ids
            ],
        }
        for card in cards
    ]
    out["counts"] = counts(env)
    out["new_messages"] = new_messages(env, shop["counts"])
    # Day-one intelligence: the first scoring run is queued, not done in the
    # install transaction; run it as the cron worker would.
    crons = (
        env["ir.cron"]
        .search([("id", "in", env["ir.cron.trigger"].search([]).cron_id.ids)])
        .filtered(lambda c: c.ir_actions_server_id.model_id.model in ("res.partner", "crm.lead"))
    )
    out["queued_crons"] = crons.mapped("name")
    customers = env["res.partner"].browse(shop["customers"])
    out["segments_before"] = customers.mapped("rfm_segment")
    for cron in crons:
        cron.method_direct_trigger()
    customers.invalidate_recordset()
    out["segments_after"] = customers.mapped("rfm_segment")
    out["scores_after"] = customers.mapped("customer_score")
    leads = env["crm.lead"].browse(shop["leads"])
    out["lead_scores"] = leads.mapped("lead_score")
    out["scoring_rules"] = env["crm.scoring.rule"].search_count([])
    env.cr.rollback()
    return out


def main():
    conf, db, command = sys.argv[1:4]
    config.parse_config(["-c", conf, "-d", db, "--no-http", "--log-level=warn"])
    with Registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": False})
        if command == "build":
            result = build(env)
            # Tracking messages are written when the transaction commits.
            cr.commit()
            result["counts"] = counts(env)
            result["snapshot"] = snapshot(env)
        elif command == "check":
            result = check(env, json.loads(sys.stdin.read()))
        else:
            result = snapshot(env)
    print("SHOP " + json.dumps(result, default=str))


if __name__ == "__main__":
    main()
