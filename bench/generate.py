#!/usr/bin/env python3
"""Fill a database that has the three addons installed with a seeded shop.

    python3 bench/generate.py --db NAME --customers 100000 --lines 1000000

Customers, products in categories, confirmed orders over two years with their
lines, a loyalty program with cards and ledger entries, and leads. The bulk
is written with set-based SQL (the ORM would take hours at full size); the
few configuration records go through the ORM so that they are complete.
Rows written by SQL fill every column Odoo requires and keep the same
invariants as the ORM (order totals = sum of lines, card points = sum of
available ledger entries).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import odoo_env


def generate(env, customers, lines, *, seed=42, categories=20, products=200):
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
    program = env["loyalty.program"].create(
        {
            "name": "Bench Club",
            "program_type": "loyalty",
            "applies_on": "both",
            "trigger": "auto",
            "crm_expiry_months": 12,
            "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
        }
    )
    env.flush_all()

    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, email, active, type, is_company, customer_rank,
                                 autopost_bills, lang, create_date, write_date, create_uid, write_uid)
        SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, 'bench' || g || '@example.com', true,
               'contact', false, 1, 'ask', 'en_US', now(), now(), 1, 1
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

    # Loyalty: a card for every second customer, one earned entry per
    # order line on average, a fifth of them pending, expiring over a year.
    cr.execute(
        """
        INSERT INTO loyalty_card (program_id, partner_id, company_id, code, points,
                                  create_date, write_date, create_uid, write_uid)
        SELECT %s, p, %s, 'BENCH-' || p, 0, now(), now(), 1, 1
          FROM generate_series(%s, %s, 2) p
     RETURNING id
        """,
        (program.id, company.id, first, last),
    )
    card_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        INSERT INTO loyalty_ledger (card_id, program_id, partner_id, company_id, kind, points, state,
                                    remaining, date, release_date, expiry_date, user_id,
                                    create_date, write_date, create_uid, write_uid)
        SELECT c.id, c.program_id, c.partner_id, c.company_id, 'earn', pts,
               CASE WHEN pending THEN 'pending' ELSE 'available' END,
               pts, d, CASE WHEN pending THEN d + interval '30 days' END,
               (d + interval '365 days')::date, 1, now(), now(), 1, 1
          FROM (SELECT (%(cards)s)[1 + floor(random() * %(ncards)s)::int] AS card_id,
                       round((1 + random() * 99)::numeric, 2) AS pts,
                       random() < 0.2 AS pending,
                       now() - (random() * 730) * interval '1 day' AS d
                  FROM generate_series(1, %(entries)s)) e
          JOIN loyalty_card c ON c.id = e.card_id
        """,
        {"cards": card_ids, "ncards": len(card_ids), "entries": lines},
    )
    cr.execute(
        """
        UPDATE loyalty_card c SET points = s.total
          FROM (SELECT card_id, sum(points) AS total FROM loyalty_ledger
                 WHERE state = 'available' AND program_id = %s GROUP BY card_id) s
         WHERE c.id = s.card_id
        """,
        (program.id,),
    )
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
    cr.execute(
        "ANALYZE res_partner; ANALYZE sale_order; ANALYZE sale_order_line; ANALYZE loyalty_ledger"
    )
    env.invalidate_all()
    return {
        "customers": customers,
        "orders": len(order_ids),
        "order_lines": lines,
        "products": len(product_ids),
        "loyalty_cards": len(card_ids),
        "ledger_entries": lines,
        "leads": max(customers // 10, 1),
        "seconds": round(time.time() - started, 1),
    }


def check(env):
    """The invariants the ORM would keep; raises if bulk SQL broke one."""
    cr = env.cr
    cr.execute(
        """SELECT count(*) FROM sale_order so
            WHERE so.name LIKE 'BENCH/%%' AND so.amount_untaxed IS DISTINCT FROM
                  (SELECT sum(price_subtotal) FROM sale_order_line WHERE order_id = so.id)"""
    )
    wrong_orders = cr.fetchone()[0]
    cr.execute(
        """SELECT count(*) FROM loyalty_card c
            WHERE c.code LIKE 'BENCH-%%' AND round(c.points::numeric, 2) IS DISTINCT FROM
                  round(COALESCE((SELECT sum(points) FROM loyalty_ledger
                                   WHERE card_id = c.id AND state = 'available'), 0)::numeric, 2)"""
    )
    wrong_cards = cr.fetchone()[0]
    if wrong_orders or wrong_cards:
        raise AssertionError(
            f"{wrong_orders} order totals and {wrong_cards} card balances are wrong"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=42)
    opts = parser.parse_args()
    with odoo_env(opts.db) as env:
        stats = generate(env, opts.customers, opts.lines, seed=opts.seed)
        check(env)
        env.cr.commit()
    print(stats)


if __name__ == "__main__":
    main()
