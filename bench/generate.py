#!/usr/bin/env python3
"""Fill a database that has the three addons installed with a seeded shop.

    python3 bench/generate.py --db NAME --customers 100000 --lines 1000000

Customers, products in categories, confirmed orders over two years with their
lines, their deliveries (pickings, moves, move lines) and fulfilment history,
returns (RMA and Odoo return receipts) for one order in fifty, a loyalty
program with cards, their history in Odoo (a line per order) and ledger
entries, and leads. The bulk
is written with set-based SQL (the ORM would take hours at full size); the
few configuration records go through the ORM so that they are complete.
Rows written by SQL fill every column Odoo requires and keep the same
invariants as the ORM (order totals = sum of lines, delivered quantities =
done moves out minus returns, card points = sum of available ledger entries).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import odoo_env


def generate(env, customers, lines, *, seed=42, categories=20, products=200, analyze=True):
    cr = env.cr
    started = time.time()
    cr.execute("SELECT setseed(%s)", (seed / 1000.0,))
    company = env.company
    currency = company.currency_id
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    uom = env.ref("uom.product_uom_unit")

    categ_ids = (
        env["product.category"]
        .create([{"name": f"Bench Category {i}"} for i in range(categories)])
        .ids
    )
    product_records = env["product.product"].create(
        [
            {
                "name": f"Bench Product {i}",
                "type": "consu",
                "list_price": 5 + (i * 37) % 195,
                "categ_id": categ_ids[i % categories],
                "taxes_id": [(5, 0, 0)],
            }
            for i in range(products)
        ]
    )
    product_ids = product_records.ids
    # The same shop can be generated without our addons (the reference
    # database of the order-flow benchmark): what they add is skipped.
    ours = "loyalty.ledger" in env
    program = env["loyalty.program"].create(
        {
            "name": "Bench Club",
            "program_type": "loyalty",
            "applies_on": "both",
            "trigger": "auto",
            **({"crm_expiry_months": 12} if ours else {}),
            "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
        }
    )
    env.flush_all()

    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, email, email_normalized, active, type,
                                 is_company, customer_rank, autopost_bills, lang, create_date,
                                 write_date, create_uid, write_uid)
        SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, 'bench' || g || '@example.com',
               'bench' || g || '@example.com', true, 'contact', false, 1, 'ask', 'en_US', now(),
               now(), 1, 1
          FROM generate_series(1, %s) g
     RETURNING id
        """,
        (customers,),
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    first, last = min(partner_ids), max(partner_ids)
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id BETWEEN %s AND %s",
        (first, last),
    )

    orders = max(lines // 4, 1)
    # Customers order with a skewed frequency: some often, most rarely.
    cr.execute(
        """
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                currency_id, warehouse_id, date_order, state, picking_policy, currency_rate,
                                invoice_status, user_id, create_date, write_date, create_uid, write_uid)
        SELECT 'BENCH/' || g, p, p, p, %(company)s, %(currency)s, %(warehouse)s,
               now() - (random() * 730) * interval '1 day', 'sale', 'direct', 1, 'no', 1,
               now(), now(), 1, 1
          FROM (SELECT g, %(first)s + floor(power(random(), 2) * %(count)s)::int AS p
                  FROM generate_series(1, %(orders)s) g) s
     RETURNING id
        """,
        {
            "company": company.id,
            "currency": currency.id,
            "warehouse": warehouse.id,
            "first": first,
            "count": customers,
            "orders": orders,
        },
    )
    order_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        INSERT INTO sale_order_line (order_id, product_id, name, product_uom_qty, product_uom, price_unit,
                                     price_subtotal, price_total, price_tax, price_reduce_taxexcl,
                                     price_reduce_taxinc, discount, customer_lead, company_id, currency_id,
                                     order_partner_id, state, qty_delivered, qty_delivered_method,
                                     invoice_status, sequence, create_date, write_date, create_uid, write_uid)
        SELECT o.id, pr.id, 'Bench line', q, %(uom)s, pr.price, pr.price * q, pr.price * q, 0, pr.price,
               pr.price, 0, 0, o.company_id, o.currency_id, o.partner_id, 'sale', q, 'stock_move', 'no', 10,
               now(), now(), 1, 1
          FROM (SELECT %(first_order)s + (g %% %(orders)s) AS order_id,
                       (%(products)s)[1 + floor(power(random(), 1.5) * %(nproducts)s)::int] AS product_id,
                       1 + floor(random() * 3)::int AS q
                  FROM generate_series(0, %(lines)s - 1) g) l
          JOIN sale_order o ON o.id = l.order_id
          JOIN LATERAL (SELECT pp.id, pt.list_price AS price FROM product_product pp
                          JOIN product_template pt ON pt.id = pp.product_tmpl_id
                         WHERE pp.id = l.product_id) pr ON true
        """,
        {
            "uom": uom.id,
            "first_order": min(order_ids),
            "orders": len(order_ids),
            "lines": lines,
            "products": product_ids,
            "nproducts": len(product_ids),
        },
    )
    cr.execute(
        """
        UPDATE sale_order so SET amount_untaxed = s.total, amount_total = s.total, amount_tax = 0
          FROM (SELECT order_id, sum(price_subtotal) AS total FROM sale_order_line
                 WHERE order_id BETWEEN %s AND %s GROUP BY order_id) s
         WHERE so.id = s.order_id
        """,
        (min(order_ids), max(order_ids)),
    )

    deliveries = _deliveries(env, warehouse, min(order_ids), max(order_ids), ours)
    returns = _returns(env, warehouse, min(order_ids), max(order_ids), ours)

    # Loyalty: a card for every customer (an automatic program gives one to
    # every buyer), an earned entry per order line, linked to it as the
    # ORM links them, a fifth of them pending, expiring after a year.
    cr.execute(
        """
        INSERT INTO loyalty_card (program_id, partner_id, company_id, code, points, active,
                                  create_date, write_date, create_uid, write_uid)
        SELECT %s, p, %s, 'BENCH-' || p, 0, true, now(), now(), 1, 1
          FROM generate_series(%s, %s) p
     RETURNING id
        """,
        (program.id, company.id, first, last),
    )
    card_ids = [row[0] for row in cr.fetchall()]
    # Odoo's own loyalty history: sale_loyalty writes a line for the card
    # when it confirms an order that earns points (the points of the
    # ledger's entries of the order), which Odoo's card form lists.
    cr.execute(
        """
        INSERT INTO loyalty_history (card_id, order_id, order_model, description, issued, used,
                                     create_date, write_date, create_uid, write_uid)
        SELECT c.id, so.id, 'sale.order', 'Order ' || so.name, e.pts, 0,
               so.date_order, so.date_order, 1, 1
          FROM (SELECT order_id, sum(round(greatest(price_subtotal / 10, 0.01)::numeric, 2)) AS pts
                  FROM sale_order_line
                 WHERE order_id BETWEEN %(first)s AND %(last)s
              GROUP BY order_id) e
          JOIN sale_order so ON so.id = e.order_id
          JOIN loyalty_card c ON c.partner_id = so.partner_id AND c.program_id = %(program)s
         ORDER BY so.id
        """,
        {"first": min(order_ids), "last": max(order_ids), "program": program.id},
    )
    history = cr.rowcount
    entries = _ledger(cr, program, min(order_ids), max(order_ids)) if ours else 0
    cr.execute(
        """
        INSERT INTO crm_lead (name, type, email_from, phone, expected_revenue, probability, active,
                              company_id, user_id, create_date, write_date, create_uid, write_uid)
        SELECT 'Bench lead ' || g, 'opportunity',
               CASE WHEN random() < 0.7 THEN 'lead' || g || '@example.com' END,
               CASE WHEN random() < 0.4 THEN '+32 470 ' || g END,
               round((random() * 5000)::numeric, 2), 10, true, %s, 1, now(), now(), 1, 1
          FROM generate_series(1, %s) g
        """,
        (company.id, max(customers // 10, 1)),
    )
    if analyze:
        cr.execute(
            "ANALYZE res_partner; ANALYZE sale_order; ANALYZE sale_order_line; ANALYZE loyalty_card;"
            " ANALYZE loyalty_history;"
            " ANALYZE stock_picking; ANALYZE stock_move; ANALYZE stock_move_line"
            + ("; ANALYZE loyalty_ledger; ANALYZE sale_fulfillment_event" if ours else "")
        )
    env.invalidate_all()
    return {
        "customers": customers,
        "orders": len(order_ids),
        "order_lines": lines,
        "deliveries": deliveries,
        "returns": returns,
        "products": len(product_ids),
        "loyalty_cards": len(card_ids),
        "loyalty_history": history,
        "ledger_entries": entries,
        "leads": max(customers // 10, 1),
        "seconds": round(time.time() - started, 1),
    }


def _ledger(cr, program, first_order, last_order):
    """One earned entry per order line, on the customer's card, a tenth of
    the line's amount, dated at the order; a fifth of them pending (30 days
    before release), expiring a year after the order; a reversal for each
    returned item; card balances to match."""
    cr.execute(
        """
        INSERT INTO loyalty_ledger (card_id, program_id, partner_id, company_id, kind, points, state,
                                    remaining, date, release_date, expiry_date, user_id,
                                    order_id, order_line_id,
                                    create_date, write_date, create_uid, write_uid)
        SELECT c.id, c.program_id, c.partner_id, c.company_id, 'earn', e.pts,
               CASE WHEN e.pending THEN 'pending' ELSE 'available' END,
               e.pts, e.d, CASE WHEN e.pending THEN e.d + interval '30 days' END,
               (e.d + interval '365 days')::date, 1, e.order_id, e.line_id, now(), now(), 1, 1
          FROM (SELECT sol.id AS line_id, so.id AS order_id, so.partner_id,
                       round(greatest(sol.price_subtotal / 10, 0.01)::numeric, 2) AS pts,
                       random() < 0.2 AS pending, so.date_order AS d
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                 WHERE so.id BETWEEN %(first)s AND %(last)s) e
          JOIN loyalty_card c ON c.partner_id = e.partner_id AND c.program_id = %(program)s
         ORDER BY e.line_id
        """,
        {"first": first_order, "last": last_order, "program": program.id},
    )
    entries = cr.rowcount
    # Each returned item reverses its share of the line's points, as the
    # addon does on the return receipt: a pending entry stays pending with
    # its reversal, an available lot gives up the points it loses.
    cr.execute(
        """
        WITH ret AS (
            SELECT l.id AS source_id, l.card_id, l.program_id, l.partner_id, l.company_id,
                   l.state, l.release_date, l.order_id, l.order_line_id, sm.id AS move_id,
                   sm.date, sm.reference,
                   round((l.points * least(sm.quantity / sol.product_uom_qty, 1))::numeric, 2)
                       AS pts
              FROM stock_move sm
              JOIN sale_order_line sol ON sol.id = sm.sale_line_id
              JOIN loyalty_ledger l ON l.order_line_id = sol.id AND l.kind = 'earn'
             WHERE sm.origin_returned_move_id IS NOT NULL AND sm.state = 'done'
               AND sol.order_id BETWEEN %(first)s AND %(last)s
        ),
        lots AS (
            UPDATE loyalty_ledger l SET remaining = l.remaining - ret.pts
              FROM ret WHERE l.id = ret.source_id AND ret.state = 'available'
        )
        INSERT INTO loyalty_ledger (card_id, program_id, partner_id, company_id, kind, points, state,
                                    remaining, date, release_date, user_id, order_id,
                                    order_line_id, move_id, source_id, reason,
                                    create_date, write_date, create_uid, write_uid)
        SELECT card_id, program_id, partner_id, company_id, 'reverse', -pts, state, 0, date,
               release_date, 1, order_id, order_line_id, move_id, source_id,
               'Returned: ' || reference, now(), now(), 1, 1
          FROM ret ORDER BY source_id
        """,
        {"first": first_order, "last": last_order},
    )
    entries += cr.rowcount
    cr.execute(
        """
        UPDATE loyalty_card c SET points = s.total
          FROM (SELECT card_id, sum(points) AS total FROM loyalty_ledger
                 WHERE state = 'available' AND program_id = %s GROUP BY card_id) s
         WHERE c.id = s.card_id
        """,
        (program.id,),
    )
    return entries


def _deliveries(env, warehouse, first_order, last_order, ours=True):
    """One done delivery per order (procurement group, picking, a move and a
    move line per order line, as Odoo's one-step route leaves them), the
    lines' delivered quantities, and the fulfilment stage and history that
    crm_fulfillment would have written: ready on confirmation, shipped when
    the delivery left, delivered two days later."""
    cr = env.cr
    orders = {"first": first_order, "last": last_order}
    stock, customers = warehouse.lot_stock_id.id, env.ref("stock.stock_location_customers").id
    out_type = warehouse.out_type_id
    cr.execute(
        """
        INSERT INTO procurement_group (name, partner_id, move_type, sale_id,
                                       create_date, write_date, create_uid, write_uid)
        SELECT name, partner_id, 'direct', id, now(), now(), 1, 1
          FROM sale_order WHERE id BETWEEN %(first)s AND %(last)s;
        UPDATE sale_order so SET procurement_group_id = pg.id
          FROM procurement_group pg
         WHERE pg.sale_id = so.id AND so.id BETWEEN %(first)s AND %(last)s;
        """,
        orders,
    )
    cr.execute(
        """
        INSERT INTO stock_picking (name, origin, partner_id, company_id, picking_type_id, location_id,
                                   location_dest_id, move_type, state, priority, scheduled_date, date,
                                   date_deadline, date_done, sale_id, group_id, printed, is_locked,
                                   user_id, create_date, write_date, create_uid, write_uid)
        SELECT 'WH/OUT/B' || lpad(so.id::text, 8, '0'), so.name, so.partner_id, so.company_id,
               %(type)s, %(stock)s, %(customers)s, 'direct', 'done', '0', so.date_order, so.date_order,
               NULL, so.date_order + (1 + random() * 3) * interval '1 day', so.id,
               so.procurement_group_id, false, true, 1, so.date_order, now(), 1, 1
          FROM sale_order so WHERE so.id BETWEEN %(first)s AND %(last)s
        """,
        {**orders, "type": out_type.id, "stock": stock, "customers": customers},
    )
    cr.execute(
        """
        INSERT INTO stock_move (name, sequence, company_id, product_id, product_uom, product_uom_qty,
                                product_qty, quantity, picked, state, location_id, location_dest_id,
                                location_final_id, partner_id, picking_id, group_id, picking_type_id,
                                warehouse_id, origin, reference, procure_method, date, priority,
                                scrapped, propagate_cancel, is_inventory, additional, to_refund,
                                sale_line_id, create_date, write_date, create_uid, write_uid)
        SELECT sol.name, 10, sp.company_id, sol.product_id, sol.product_uom, sol.product_uom_qty,
               sol.product_uom_qty, sol.product_uom_qty, true, 'done', sp.location_id,
               sp.location_dest_id, sp.location_dest_id, sp.partner_id, sp.id, sp.group_id,
               sp.picking_type_id, %(warehouse)s, sp.origin, sp.name, 'make_to_stock', sp.date_done,
               '0', false, true, false, false, false, sol.id, sp.create_date, now(), 1, 1
          FROM sale_order_line sol
          JOIN stock_picking sp ON sp.sale_id = sol.order_id
         WHERE sol.order_id BETWEEN %(first)s AND %(last)s
        """,
        {**orders, "warehouse": warehouse.id},
    )
    _move_lines(cr, "sp.sale_id BETWEEN %(first)s AND %(last)s AND sp.return_id IS NULL", orders)
    cr.execute(
        """
        UPDATE sale_order so SET delivery_status = 'full', effective_date = sp.date_done
          FROM stock_picking sp WHERE sp.sale_id = so.id AND so.id BETWEEN %(first)s AND %(last)s
        """,
        orders,
    )
    if not ours:
        return last_order - first_order + 1
    stages = {s.code: s for s in env["sale.fulfillment.stage"].search([])}
    cr.execute(
        """
        WITH s AS (
            SELECT so.id, so.date_order, sp.date_done, sp.date_done + interval '2 days' AS delivered,
                   sp.date_done + interval '2 days' < now() AT TIME ZONE 'UTC' AS done
              FROM sale_order so JOIN stock_picking sp ON sp.sale_id = so.id
             WHERE so.id BETWEEN %(first)s AND %(last)s
        )
        UPDATE sale_order so
           SET fulfillment_stage_id = CASE WHEN s.done THEN %(delivered)s ELSE %(shipped)s END,
               fulfillment_stage_date = CASE WHEN s.done THEN s.delivered ELSE s.date_done END,
               fulfillment_shipped_date = s.date_done,
               fulfillment_delivered_date = CASE WHEN s.done THEN s.delivered END,
               fulfillment_deadline = CASE WHEN NOT s.done AND %(shipped_sla)s > 0
                                           THEN s.date_done + %(shipped_sla)s * interval '1 hour' END,
               fulfillment_late = false, fulfillment_delivered_percent = 100
          FROM s WHERE so.id = s.id;
        INSERT INTO sale_fulfillment_event (order_id, from_stage_id, to_stage_id, date, duration_hours,
                                            source, user_id, company_id, warehouse_id, partner_id,
                                            create_date, write_date, create_uid, write_uid)
        SELECT so.id, e.from_stage, e.to_stage, e.date,
               EXTRACT(EPOCH FROM e.date - e.since) / 3600.0, 'live', 1, so.company_id, so.warehouse_id,
               so.partner_id, now(), now(), 1, 1
          FROM sale_order so
          JOIN stock_picking sp ON sp.sale_id = so.id
         CROSS JOIN LATERAL (VALUES
               (NULL::int, %(ready)s, so.date_order, so.date_order),
               (%(ready)s, %(shipped)s, sp.date_done, so.date_order),
               (%(shipped)s, %(delivered)s, sp.date_done + interval '2 days', sp.date_done)
         ) e(from_stage, to_stage, date, since)
         WHERE so.id BETWEEN %(first)s AND %(last)s AND e.date < now() AT TIME ZONE 'UTC';
        """,
        {
            **orders,
            "ready": stages["ready"].id,
            "shipped": stages["shipped"].id,
            "delivered": stages["delivered"].id,
            "shipped_sla": stages["shipped"].sla_hours or 0,
        },
    )
    return last_order - first_order + 1


def _move_lines(cr, where, params):
    """One done move line per move of the pickings that ``where`` selects."""
    cr.execute(
        f"""
        INSERT INTO stock_move_line (picking_id, move_id, company_id, product_id, product_uom_id,
                                     location_id, location_dest_id, state, reference, quantity,
                                     quantity_product_uom, picked, date,
                                     create_date, write_date, create_uid, write_uid)
        SELECT sm.picking_id, sm.id, sm.company_id, sm.product_id, sm.product_uom, sm.location_id,
               sm.location_dest_id, 'done', sm.reference, sm.quantity, sm.product_qty, true, sm.date,
               sm.create_date, now(), 1, 1
          FROM stock_move sm JOIN stock_picking sp ON sp.id = sm.picking_id
         WHERE {where}
        """,
        params,
    )


def _returns(env, warehouse, first_order, last_order, ours=True, *, every=50):
    """Every ``every``-th order sends one item of its first line back: an RMA
    (received, refund to do) with its line, the return receipt made with
    Odoo's return (linked to the delivered move, to refund), and the line's
    delivered quantity lowered accordingly."""
    cr = env.cr
    out_type = warehouse.out_type_id
    params = {
        "first": first_order,
        "last": last_order,
        "every": every,
        "type": (out_type.return_picking_type_id or out_type).id,
        "stock": warehouse.lot_stock_id.id,
        "customers": env.ref("stock.stock_location_customers").id,
    }
    cr.execute(
        """
        CREATE TEMP TABLE bench_returns ON COMMIT DROP AS
        SELECT DISTINCT ON (so.id) so.id AS order_id, so.partner_id, so.company_id,
               so.name, sm.id AS move_id, sm.picking_id, sm.sale_line_id, sm.product_id,
               sm.product_uom, sol.price_unit, sp.date_done + interval '10 days' AS date
          FROM sale_order so
          JOIN stock_picking sp ON sp.sale_id = so.id
          JOIN stock_move sm ON sm.picking_id = sp.id
          JOIN sale_order_line sol ON sol.id = sm.sale_line_id
         WHERE so.id BETWEEN %(first)s AND %(last)s AND so.id %% %(every)s = 0
           AND sp.date_done + interval '10 days' < now() AT TIME ZONE 'UTC'
      ORDER BY so.id, sm.sale_line_id;
        """,
        params,
    )
    cr.execute(
        """
        INSERT INTO stock_picking (name, origin, partner_id, company_id, picking_type_id, location_id,
                                   location_dest_id, move_type, state, priority, scheduled_date, date,
                                   date_done, sale_id, group_id, return_id, printed,
                                   is_locked, user_id, create_date, write_date, create_uid, write_uid)
        SELECT 'WH/IN/B' || lpad(r.order_id::text, 8, '0'), 'Return of ' || sp.name, r.partner_id,
               r.company_id, %(type)s, %(customers)s, %(stock)s, 'direct', 'done', '0', r.date, r.date,
               r.date, r.order_id, sp.group_id, sp.id, false, true, 1, r.date, now(), 1, 1
          FROM bench_returns r
          JOIN stock_picking sp ON sp.id = r.picking_id;
        INSERT INTO stock_move (name, sequence, company_id, product_id, product_uom, product_uom_qty,
                                product_qty, quantity, picked, state, location_id, location_dest_id,
                                partner_id, picking_id, group_id, picking_type_id, warehouse_id, origin,
                                reference, procure_method, date, priority, scrapped, propagate_cancel,
                                is_inventory, additional, to_refund, origin_returned_move_id,
                                sale_line_id, create_date, write_date, create_uid, write_uid)
        SELECT 'Return', 10, r.company_id, r.product_id, r.product_uom, 1, 1, 1, true, 'done',
               sp.location_id, sp.location_dest_id, r.partner_id, sp.id, sp.group_id, sp.picking_type_id,
               %(warehouse)s, sp.origin, sp.name, 'make_to_stock', r.date, '0', false, true, false,
               false, true, r.move_id, r.sale_line_id, r.date, now(), 1, 1
          FROM bench_returns r JOIN stock_picking sp ON sp.return_id = r.picking_id;
        UPDATE sale_order_line sol SET qty_delivered = sol.qty_delivered - 1
          FROM bench_returns r WHERE sol.id = r.sale_line_id;
        """,
        {**params, "warehouse": warehouse.id},
    )
    _move_lines(
        cr,
        "sp.sale_id BETWEEN %(first)s AND %(last)s AND sp.return_id IS NOT NULL",
        params,
    )
    if ours:
        _rma(env)
    cr.execute("SELECT count(*) FROM bench_returns")
    return cr.fetchone()[0]


def _rma(env):
    """The RMA (received, refund to do) behind each return of
    ``bench_returns``, linked to its receipt, and the orders' delivered
    percentage after it."""
    cr = env.cr
    cr.execute(
        """
        INSERT INTO sale_return (name, state, order_id, partner_id, company_id, user_id,
                                 request_date, preferred_resolution, amount_total,
                                 create_date, write_date, create_uid, write_uid)
        SELECT 'BENCH/RMA/' || r.order_id, 'received', r.order_id, r.partner_id, r.company_id, 1,
               r.date, 'refund', r.price_unit, r.date, now(), 1, 1
          FROM bench_returns r;
        INSERT INTO sale_return_line (return_id, sequence, company_id, order_line_id, product_id,
                                      reason_id, state, condition, resolution, quantity, qty_received,
                                      amount, fee_amount, refund_amount, resolved,
                                      create_date, write_date, create_uid, write_uid)
        SELECT ret.id, 10, r.company_id, r.sale_line_id, r.product_id, %(reason)s, 'received',
               'stock', 'refund', 1, 1, r.price_unit, 0, r.price_unit, false, r.date, now(), 1, 1
          FROM bench_returns r JOIN sale_return ret ON ret.order_id = r.order_id
                                                   AND ret.name = 'BENCH/RMA/' || r.order_id;
        UPDATE stock_picking sp SET sale_return_id = ret.id
          FROM bench_returns r
          JOIN sale_return ret ON ret.order_id = r.order_id AND ret.name = 'BENCH/RMA/' || r.order_id
         WHERE sp.return_id = r.picking_id;
        """,
        {"reason": env["sale.return.reason"].search([], limit=1).id},
    )
    cr.execute(
        """
        UPDATE sale_order so SET fulfillment_delivered_percent = s.percent
          FROM (SELECT sol.order_id,
                       100.0 * sum(LEAST(sol.qty_delivered, sol.product_uom_qty))
                       / sum(sol.product_uom_qty) AS percent
                  FROM sale_order_line sol JOIN bench_returns r ON r.order_id = sol.order_id
              GROUP BY sol.order_id) s
         WHERE so.id = s.order_id
        """
    )


def check(env):
    """The invariants the ORM would keep; raises if bulk SQL broke one."""
    cr = env.cr
    cr.execute(
        """SELECT count(*) FROM sale_order so
            WHERE so.name LIKE 'BENCH/%%' AND so.amount_untaxed IS DISTINCT FROM
                  (SELECT sum(price_subtotal) FROM sale_order_line WHERE order_id = so.id)"""
    )
    wrong_orders = cr.fetchone()[0]
    # Odoo's loyalty history: a line per order, with the points it earned.
    cr.execute(
        """SELECT count(*) FROM sale_order so
             LEFT JOIN (SELECT order_id, count(*) AS n FROM loyalty_history
                         WHERE order_model = 'sale.order' GROUP BY order_id) h
                    ON h.order_id = so.id
            WHERE so.name LIKE 'BENCH/%%' AND h.n IS DISTINCT FROM 1"""
    )
    wrong_cards = cr.fetchone()[0]
    if "loyalty.ledger" in env:
        cr.execute(
            """SELECT count(*) FROM loyalty_history h
                 LEFT JOIN (SELECT order_id, card_id, round(sum(points)::numeric, 2) AS pts
                              FROM loyalty_ledger WHERE kind = 'earn'
                          GROUP BY order_id, card_id) l
                        ON l.order_id = h.order_id AND l.card_id = h.card_id
                WHERE h.order_model = 'sale.order' AND h.description LIKE 'Order BENCH/%%'
                  AND round(h.issued::numeric, 2) IS DISTINCT FROM l.pts"""
        )
        wrong_cards += cr.fetchone()[0]
        cr.execute(
            """SELECT count(*) FROM loyalty_card c
            WHERE c.code LIKE 'BENCH-%%' AND round(c.points::numeric, 2) IS DISTINCT FROM
                  round(COALESCE((SELECT sum(points) FROM loyalty_ledger
                                   WHERE card_id = c.id AND state = 'available'), 0)::numeric, 2)"""
        )
        wrong_cards += cr.fetchone()[0]
        # The lots hold the balance, and every returned item was reversed.
        cr.execute(
            """SELECT count(*) FROM loyalty_card c
                WHERE c.code LIKE 'BENCH-%%' AND round(c.points::numeric, 2) IS DISTINCT FROM
                      round(COALESCE((SELECT sum(remaining) FROM loyalty_ledger
                                       WHERE card_id = c.id AND state = 'available'
                                         AND points > 0), 0)::numeric, 2)"""
        )
        wrong_cards += cr.fetchone()[0]
        cr.execute(
            """SELECT count(*) FROM stock_move sm
                 JOIN loyalty_ledger l ON l.order_line_id = sm.sale_line_id AND l.kind = 'earn'
                WHERE sm.reference LIKE 'WH/IN/B%%' AND sm.origin_returned_move_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM loyalty_ledger r
                                   WHERE r.source_id = l.id AND r.move_id = sm.id)"""
        )
        wrong_cards += cr.fetchone()[0]
    # Delivered quantities as Odoo computes them from done moves: out minus
    # returns to refund; and move lines that add up to their moves.
    cr.execute(
        """SELECT count(*) FROM sale_order_line sol
            WHERE sol.name = 'Bench line' AND sol.qty_delivered IS DISTINCT FROM
                  (SELECT COALESCE(sum(CASE WHEN sm.location_dest_id = sp_out.location_dest_id
                                            THEN sm.quantity ELSE -sm.quantity END), 0)
                     FROM stock_move sm
                     JOIN stock_picking sp_out ON sp_out.sale_id = sol.order_id
                                              AND sp_out.return_id IS NULL
                    WHERE sm.sale_line_id = sol.id AND sm.state = 'done'
                      AND (sm.origin_returned_move_id IS NULL OR sm.to_refund))"""
    )
    wrong_deliveries = cr.fetchone()[0]
    cr.execute(
        """SELECT count(*) FROM stock_move sm
            WHERE sm.reference LIKE 'WH/%%/B%%' AND sm.quantity IS DISTINCT FROM
                  (SELECT sum(quantity) FROM stock_move_line WHERE move_id = sm.id)"""
    )
    wrong_moves = cr.fetchone()[0]
    if wrong_orders or wrong_cards or wrong_deliveries or wrong_moves:
        raise AssertionError(
            f"{wrong_orders} order totals, {wrong_cards} card histories, balances, lots or reversals, "
            f"{wrong_deliveries} delivered quantities and {wrong_moves} moves are wrong"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="leave the planner statistics as a bulk import would: never analyzed",
    )
    opts = parser.parse_args()
    with odoo_env(opts.db) as env:
        stats = generate(
            env, opts.customers, opts.lines, seed=opts.seed, analyze=not opts.no_analyze
        )
        # The checks' correlated subqueries are planned for empty tables
        # when nothing was analyzed (hours at full size): a shop generated
        # as imported is checked by the same code generating it analyzed
        # (bench/run.py's 2x shop, tests/test_bench.py).
        if not opts.no_analyze:
            check(env)
        env.cr.commit()
    print(stats)


if __name__ == "__main__":
    main()
