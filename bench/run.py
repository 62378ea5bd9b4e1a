#!/usr/bin/env python3
"""Run every benchmark side by side and write bench/RESULTS.md.

    python3 bench/run.py                          # 100,000 customers, 1,000,000 lines
    python3 bench/run.py --customers 2000 --lines 20000 --out /tmp/RESULTS.md

Each benchmark measures our code and a bare reference in the same run,
alternately, and reports the ratio against its budget (absolute times on
these machines are noisy; ratios are not). Every benchmark runs in its own
process, so that its peak memory is its own.

  a. RFM + customer score recompute      vs the bare SQL of the same figures    <= 2x
  a'. RFM first full computation, every customer written, at 1x: vs the same  <= 3x
  b. order flow (confirm, deliver, return) with the addons vs without them      <= 1.15x queries, 1.25x time
  c. loyalty release + expiry crons      vs a bare SQL UPDATE of the same rows  <= 3x
  d. suggestions refresh                 vs the bare co-occurrence SQL          <= 2x
  e. scaling of a, c, d from 1x to 2x data                                       <= 2.2x
  f. install-time fulfilment history rebuild, on the 1x shop generated without
     the addons and then installed, vs a bare SQL pass reading the same dates
     and writing the same rows                                                  <= 3x
  g. a campaign for the largest segment (audience, holdout draw, members
     frozen, mailing) vs a bare SQL insert of the same member rows             <= 3x
     (g'. the same with a personal coupon each, reported beside it)
  h. predictions: the nightly fit and every customer's predictions written, the
     optimiser's own time excluded, vs the bare SQL of the models' inputs
     (x, t_x, T, mean spend), at 1x                                             <= 3x
     h'. the optimiser's own time, at 1x                                        <= 10 s
  i. each heavy path (RFM, loyalty crons, suggestions, the install's history
     rebuild) straight after a bulk import, the planner's statistics never
     taken, vs the same path on the analyzed shop                               <= 3x

Then the screens at 1x and 2x (bench/screens.py) and a real server under
load with its faults (bench/load.py, a shop of its own), each a section of
RESULTS.md.
"""

import argparse
import functools
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ODOO_DEPENDENCIES,
    OUR_ADDONS,
    ROOT,
    create_db,
    db_command,
    drop_db,
    maintenance,
    odoo_args,
    odoo_env,
    peak_rss_mib,
    server_settings,
    side_by_side,
)

BUDGETS = {
    "rfm": 2.0,
    "rfm_first": 3.0,
    "flow_queries": 1.15,
    "flow_time": 1.25,
    "loyalty": 3.0,
    "suggestions": 2.0,
    "scaling": 2.2,
    "history": 3.0,
    "campaign": 3.0,
    "clv": 3.0,
    "clv_optimiser_s": 10.0,
    "stale": 3.0,
}
BULK_TABLES = (
    "res_partner",
    "sale_order",
    "sale_order_line",
    "procurement_group",
    "stock_picking",
    "stock_move",
    "stock_move_line",
    "sale_fulfillment_event",
    "loyalty_card",
    "loyalty_history",
    "loyalty_ledger",
    "crm_lead",
)
BARE_TABLES = tuple(
    table for table in BULK_TABLES if table not in ("sale_fulfillment_event", "loyalty_ledger")
)


# ----------------------------------------------------------------------
# Benchmarks, each run in a child process on one database
# ----------------------------------------------------------------------
def rfm_reference(env):
    """The bare SQL of the RFM figures (recency in days, frequency, monetary
    net of refunds, median gap, scores by the tie rule): the very statement
    ours runs, without writing anything."""
    from odoo import fields
    from odoo.addons.crm_ecommerce.models.res_partner_rfm import RFM_QUERY, RFM_SINGLE
    from odoo.addons.crm_ecommerce.tools.pg import aggregate_settings
    from odoo.tools import SQL

    company = env.company
    tz = env["res.partner"]._rfm_timezone(company)

    def bare():
        # Under the same work_mem as ours: the comparison is of the work
        # done, not of PostgreSQL settings.
        with aggregate_settings(env.cr):
            env.cr.execute(
                SQL(
                    RFM_QUERY,
                    company=company.id,
                    key=str(company.id),
                    since=fields.Datetime.now() - timedelta(days=company.crm_rfm_window_days),
                    tz=tz,
                    targets=None,
                    single_recency=RFM_SINGLE["recency"],
                    single_frequency=RFM_SINGLE["frequency"],
                    single_monetary=RFM_SINGLE["monetary"],
                )
            )
            env.cr.fetchall()

    return bare


def bench_rfm(env):
    partners = env["res.partner"]
    partners._rfm_recompute_company()  # the first run writes every customer: a'
    ours_s, ref_s, ratio = side_by_side(partners._rfm_recompute_company, rfm_reference(env))
    return {"ours_s": ours_s, "reference_s": ref_s, "ratio": ratio}


# The floor of a first computation's writes: the same figures, written
# without deciding anything (12 figures and the month in each customer's
# row), for the note of a'.
RFM_WRITE_FLOOR = """WITH scored AS (
    SELECT partner_id, last_order, frequency, order_count, monetary,
           COALESCE(median_gap, 0) AS gap, r_score AS r, f_score AS f, m_score AS m
      FROM (%(rfm)s) q
)
INSERT INTO crm_customer_figures (partner_id, company_id, %(names)s)
SELECT s.partner_id, %(company)s, %(values)s
  FROM scored s
ON CONFLICT (partner_id, company_id) DO NOTHING
"""


def bench_rfm_first(env):
    """The first computation of a shop with history: every customer's
    figures, breakdown and snapshot written. Each run rolls back what it
    wrote, and the tables it writes are vacuumed before every run of either
    side, so that each run is a true first run on the same tables. Beside
    the budgeted ratio (against a's reference), the floor of the same
    writes, for the note."""
    from odoo import fields
    from odoo.addons.crm_ecommerce.models.res_partner_rfm import RFM_QUERY, RFM_SINGLE
    from odoo.addons.crm_ecommerce.tools.pg import aggregate_settings
    from odoo.tools import SQL

    cr = env.cr
    partners = env["res.partner"]
    key = str(env.company.id)
    values = {
        "rfm_recency_score": "s.r",
        "rfm_frequency_score": "s.f",
        "rfm_monetary_score": "s.m",
        "rfm_segment": "'loyal'::text",
        "customer_score": "(s.r + s.f + s.m) * 5",
        "churn_risk": "false",
        "rfm_last_order_date": "s.last_order::date",
        "rfm_frequency": "s.frequency",
        "rfm_order_count": "s.order_count",
        "rfm_monetary": "round(s.monetary::numeric, 2)::float8",
        "rfm_order_gap": "round(s.gap::numeric, 2)::float8",
        "rfm_signature": "concat_ws('|', s.r, s.f, s.m, s.last_order::date, s.monetary, s.gap)",
        "rfm_month": "date_trunc('month', now())::date",
    }
    names = SQL(", ").join(SQL.identifier(name) for name in values)
    expressions = SQL(", ").join(SQL(expression) for expression in values.values())
    floor_sql = RFM_WRITE_FLOOR
    tz = partners._rfm_timezone(env.company)

    def ours():
        with cr.savepoint(flush=False) as savepoint:
            written = partners._rfm_recompute_company()
            savepoint.rollback()
        env.invalidate_all()
        customers.append(written)

    def floor():
        with cr.savepoint(flush=False) as savepoint, aggregate_settings(cr):
            cr.execute(
                SQL(
                    floor_sql,
                    rfm=SQL(
                        RFM_QUERY,
                        company=env.company.id,
                        key=key,
                        since=fields.Datetime.now()
                        - timedelta(days=env.company.crm_rfm_window_days),
                        tz=tz,
                        targets=None,
                        single_recency=RFM_SINGLE["recency"],
                        single_frequency=RFM_SINGLE["frequency"],
                        single_monetary=RFM_SINGLE["monetary"],
                    ),
                    names=names,
                    values=expressions,
                    company=env.company.id,
                )
            )
            savepoint.rollback()

    def clean():
        maintenance(
            cr.dbname,
            "VACUUM res_partner, crm_customer_figures, crm_customer_score_history",
            "CHECKPOINT",
        )

    customers = []
    ours_s, ref_s, ratio = side_by_side(ours, rfm_reference(env), repeat=3, between=clean)
    _ours, floor_s, floor_ratio = side_by_side(ours, floor, repeat=3, between=clean)
    return {
        "ours_s": ours_s,
        "reference_s": ref_s,
        "ratio": ratio,
        "customers": customers[0],
        "write_floor_s": floor_s,
        "write_floor_ratio": floor_ratio,
    }


def bench_campaign(env):
    """g: launching a campaign for the largest segment, every customer of
    the shop having agreed to marketing (set for the benchmark, rolled
    back), against the bare insert of the same member rows; and g', the
    same launch with a personal coupon for each mailed member."""
    from odoo.tools import SQL

    cr = env.cr
    partners = env["res.partner"]
    partners._rfm_recompute_company()
    key = str(env.company.id)
    cr.execute(
        SQL(
            "SELECT rfm_segment, count(*) FROM crm_customer_figures"
            " WHERE company_id = %s AND rfm_segment IS NOT NULL"
            " GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            env.company.id,
        )
    )
    code, size = cr.fetchone()
    cr.execute("UPDATE res_partner SET marketing_consent = true WHERE email IS NOT NULL")
    env.invalidate_all()
    segment = env["crm.rfm.segment"].search([("code", "=", code)])
    program = env["loyalty.program"].create(
        {
            "name": "Bench coupons",
            "program_type": "coupons",
            "trigger": "with_code",
            "reward_ids": [(0, 0, {"reward_type": "discount", "required_points": 1})],
        }
    )

    def launch(coupons):
        def run():
            with cr.savepoint(flush=False) as savepoint:
                campaign = env["crm.campaign"].create(
                    {
                        "name": "Bench",
                        "audience_segment_ids": [(6, 0, segment.ids)],
                        "holdout_percent": 10,
                        "holdout_seed": 42,
                        "coupon_program_id": program.id if coupons else False,
                    }
                )
                campaign.action_launch()
                env.flush_all()
                savepoint.rollback()
            env.invalidate_all()

        return run

    def bare(cards):
        def run():
            with cr.savepoint(flush=False) as savepoint:
                cr.execute(
                    SQL(
                        """
                        WITH campaign AS (
                            INSERT INTO crm_campaign (name, company_id, state, holdout_percent,
                                   holdout_seed, audience_score_min, audience_score_max,
                                   attribution_days)
                            VALUES ('Bare', %(company)s, 'launched', 10, 42, 0, 100, 14) RETURNING id
                        ), members AS (
                            INSERT INTO crm_campaign_member (campaign_id, partner_id, company_id,
                                   holdout, member_group)
                            SELECT c.id, p.id, %(company)s, false, 'mailed'
                              FROM res_partner p CROSS JOIN campaign c
                              JOIN crm_customer_figures f ON f.partner_id = p.id
                                   AND f.company_id = %(company)s
                             WHERE f.rfm_segment = %(code)s AND p.marketing_consent
                               AND p.email IS NOT NULL
                            RETURNING partner_id
                        )
                        INSERT INTO loyalty_card (program_id, company_id, partner_id, points, code)
                        SELECT %(program)s, %(company)s, partner_id, 1, md5(partner_id::text)
                          FROM members WHERE %(cards)s
                        """,
                        company=env.company.id,
                        key=key,
                        code=code,
                        program=program.id,
                        cards=cards,
                    )
                )
                savepoint.rollback()

        return run

    ours_s, ref_s, ratio = side_by_side(launch(False), bare(False), repeat=3)
    coupons_s, coupons_ref_s, coupons_ratio = side_by_side(launch(True), bare(True), repeat=3)
    return {
        "ours_s": ours_s,
        "reference_s": ref_s,
        "ratio": ratio,
        "segment": code,
        "members": size,
        "coupons_s": coupons_s,
        "coupons_reference_s": coupons_ref_s,
        "coupons_ratio": coupons_ratio,
    }


# h: the floor of the same writes: the inputs read and the same columns
# of the same customers written in one statement, deciding nothing.
CLV_FLOOR_VALUES = {
    "clv_frequency": "i.x",
    "clv_first_purchase": "i.first_day",
    "clv_last_purchase": "i.last_day",
    "clv_date": "%(today)s::date",
    "clv_fit_date": "%(today)s::date",
    "clv_predicted_orders": "i.x * 0.1",
    "clv_probability_alive": "0.5",
    "clv_next_order_date": "i.last_day + 30",
    "clv_expected_spend": "i.spend",
    "clv_predicted_value": "i.spend * i.x",
    "clv_signature": "concat_ws('|', i.x, i.first_day, i.last_day)",
}


def bench_clv(env):
    """h: the nightly run of the predictions on a shop whose customers have
    yesterday's predictions: the fit of both models, then every customer's
    predictions written (a refit is a new fit, so nobody is skipped), each
    run rolled back, the tables vacuumed before every run of either side as
    in a'. Ours is budgeted without the optimiser's own time (the fit's
    recorded seconds), against the bare SQL of the models' inputs; h' is the
    optimiser's time."""
    import pytz

    from odoo import fields
    from odoo.addons.crm_ecommerce.models.res_partner_clv_run import CLV_INPUTS
    from odoo.addons.crm_ecommerce.tools.pg import aggregate_settings
    from odoo.tools import SQL

    cr = env.cr
    partners = env["res.partner"]
    company = env.company
    tz = partners._rfm_timezone(company)
    Fit = env["crm.clv.fit"]
    partners._clv_compute(refit=True)  # yesterday's predictions, kept
    runs = []

    def ours():
        with cr.savepoint(flush=False) as savepoint:
            start = time.perf_counter()
            customers, written, _left = partners._clv_compute(refit=True)
            seconds = time.perf_counter() - start
            fit = Fit.search([("company_id", "=", company.id)], limit=1)
            runs.append(
                {
                    "seconds": seconds,
                    "optimiser_s": fit.seconds,
                    "customers": customers,
                    "written": written,
                    "fit": fit.read(
                        [
                            "state",
                            "reason",
                            "unit",
                            "repeat_customers",
                            "bgnbd_r",
                            "bgnbd_alpha",
                            "bgnbd_a",
                            "bgnbd_b",
                            "gamma_p",
                            "gamma_q",
                            "gamma_v",
                        ]
                    )[0],
                }
            )
            savepoint.rollback()
        env.invalidate_all()

    def bare():
        now = fields.Datetime.now()
        today = pytz.utc.localize(now).astimezone(pytz.timezone(tz)).date()
        with aggregate_settings(cr):
            cr.execute(
                SQL(
                    CLV_INPUTS,
                    company=company.id,
                    tz=tz,
                    now=now,
                    today=today,
                    targets=None,
                )
            )
            cr.fetchall()

    def floor():
        now = fields.Datetime.now()
        today = pytz.utc.localize(now).astimezone(pytz.timezone(tz)).date()
        names = SQL(", ").join(SQL.identifier(name) for name in CLV_FLOOR_VALUES)
        written = SQL(", ").join(
            SQL(expression, today=today) for expression in CLV_FLOOR_VALUES.values()
        )
        updates = SQL(", ").join(
            SQL("%(col)s = EXCLUDED.%(col)s", col=SQL.identifier(name)) for name in CLV_FLOOR_VALUES
        )
        inputs = SQL(CLV_INPUTS, company=company.id, tz=tz, now=now, today=today, targets=None)
        with cr.savepoint(flush=False) as savepoint, aggregate_settings(cr):
            cr.execute(
                SQL(
                    "WITH i AS (%s) INSERT INTO crm_customer_figures (partner_id, company_id, %s)"
                    " SELECT i.partner_id, %s, %s FROM i"
                    " ON CONFLICT (partner_id, company_id) DO UPDATE SET %s",
                    inputs,
                    names,
                    company.id,
                    written,
                    updates,
                )
            )
            savepoint.rollback()

    def clean():
        maintenance(cr.dbname, "VACUUM crm_customer_figures, crm_clv_fit", "CHECKPOINT")

    timings = {bare: [], floor: []}
    for _i in range(3):
        for func in (ours, bare, floor):
            clean()
            start = time.perf_counter()
            func()
            if func in timings:
                timings[func].append(time.perf_counter() - start)
    ours_s = statistics.median(run["seconds"] - run["optimiser_s"] for run in runs)
    ref_s = statistics.median(timings[bare])
    floor_s = statistics.median(timings[floor])
    fit = runs[0]["fit"]
    return {
        "write_floor_s": floor_s,
        "ours_s": ours_s,
        "reference_s": ref_s,
        "ratio": ours_s / ref_s if ref_s else float("inf"),
        "total_s": statistics.median(run["seconds"] for run in runs),
        "optimiser_s": statistics.median(run["optimiser_s"] for run in runs),
        "customers": runs[0]["customers"],
        "written": runs[0]["written"],
        "fit": {key: value for key, value in fit.items() if key != "id"},
    }


def bench_loyalty(env):
    from odoo import fields

    ledger = env["loyalty.ledger"]
    cr = env.cr
    entries = ledger.search_count([])

    def ours():
        with cr.savepoint(flush=False) as savepoint:
            ledger._cron_release()
            ledger._cron_expire()
            savepoint.rollback()

    def bare():
        with cr.savepoint(flush=False) as savepoint:
            # Each row written once, as ours does: a lot already past its
            # expiry date is released empty.
            cr.execute(
                "UPDATE loyalty_ledger SET state = 'available',"
                " remaining = CASE WHEN expiry_date < %(today)s THEN 0 ELSE points END"
                " WHERE state = 'pending' AND release_date <= %(now)s",
                {"now": fields.Datetime.now(), "today": fields.Date.today()},
            )
            cr.execute(
                "UPDATE loyalty_ledger SET remaining = 0"
                " WHERE state = 'available' AND remaining > 0 AND expiry_date < %s",
                (fields.Date.today(),),
            )
            savepoint.rollback()

    def clean():
        # Each run rolls back what it wrote: vacuum the dead rows and
        # checkpoint, so that every run starts from the same table and WAL
        # state instead of the previous run's bloat.
        maintenance(env.cr.dbname, "VACUUM loyalty_ledger, loyalty_card", "CHECKPOINT")

    # The WAL each side writes, the machine-independent measure of the
    # work done on disk: it grows with the data where time may not (the
    # server's caches and checkpoints are fixed sizes).
    wal = {ours: [], bare: []}

    def measured(func):
        def run():
            cr.execute("SELECT pg_current_wal_insert_lsn()")
            start = cr.fetchone()[0]
            func()
            cr.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", (start,))
            wal[func].append(float(cr.fetchone()[0]) / 2**20)

        return run

    ours_s, ref_s, ratio = side_by_side(measured(ours), measured(bare), repeat=3, between=clean)
    return {
        "ours_s": ours_s,
        "reference_s": ref_s,
        "ratio": ratio,
        "entries": entries,
        "ours_wal_mib": round(statistics.median(wal[ours]), 1),
        "reference_wal_mib": round(statistics.median(wal[bare]), 1),
    }


# d: the bare SQL of the up-sell's figures (UPSELL_QUERY without writing),
# built on the refresh's own inputs (UPSELL_INPUTS).
UPSELL_BARE = """
SELECT 'sold', product_id, NULL::int, count(*) FROM lines GROUP BY product_id
 UNION ALL
SELECT 'bought', a.product_id, b.product_id, count(*)
  FROM bought a
  JOIN bought b ON b.partner_id = a.partner_id AND b.categ_id = a.categ_id
               AND b.product_id > a.product_id
 GROUP BY a.product_id, b.product_id
"""


def bench_suggestions(env):
    from odoo import fields
    from odoo.addons.crm_ecommerce.models.crm_product_affinity import (
        AFFINITY_QUERY,
        UPSELL_INPUTS,
    )
    from odoo.addons.crm_ecommerce.tools.pg import aggregate_settings
    from odoo.tools import SQL

    pairs = (
        AFFINITY_QUERY.split("INSERT INTO")[0]
        + "SELECT product_id, related_id, together FROM pairs"
    )
    affinity = env["crm.product.affinity"]

    def bare():
        since = fields.Datetime.now() - timedelta(days=env.company.crm_suggestion_days)
        with aggregate_settings(env.cr):
            env.cr.execute(SQL(pairs, company=env.company.id, since=since))
            env.cr.fetchall()
            # The up-sell's figures the refresh writes too (UPSELL_QUERY):
            # each product's orders, and the buyers of both of each pair.
            env.cr.execute(
                SQL("WITH" + UPSELL_INPUTS + UPSELL_BARE, company=env.company.id, since=since)
            )
            env.cr.fetchall()

    ours_s, ref_s, ratio = side_by_side(lambda: affinity._refresh(min_support=2), bare, repeat=3)
    return {"ours_s": ours_s, "reference_s": ref_s, "ratio": ratio}


def bench_flow(env, repeat=5):
    """Queries and seconds of a shop's core flow: quote, confirm, deliver,
    and take one item back with Odoo's return wizard, for the customer with
    the longest history of the generated shop."""
    from odoo import Command

    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    product = env["product.product"].create(
        {"name": "Flow Kettle", "type": "consu", "is_storable": True}
    )
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10000)
    env.cr.execute(
        "SELECT partner_id FROM sale_order GROUP BY partner_id ORDER BY count(*) DESC, partner_id LIMIT 1"
    )
    row = env.cr.fetchone()
    partner = env["res.partner"].browse(row[0]) if row else None
    partner = partner or env["res.partner"].create({"name": "Flow Customer"})
    env.flush_all()

    def flow():
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.button_validate()
        wizard = env["stock.return.picking"].create({"picking_id": picking.id})
        wizard.product_return_moves.quantity = 1
        back = wizard._create_return()
        back.move_ids.quantity = 1
        back.move_ids.picked = True
        back.button_validate()
        env.flush_all()

    flow()  # warm the caches
    queries, seconds = [], []
    for _i in range(repeat):
        before = env.cr.sql_log_count
        start = time.perf_counter()
        flow()
        seconds.append(time.perf_counter() - start)
        queries.append(env.cr.sql_log_count - before)
    seconds.sort()
    env.cr.execute("SELECT count(*) FROM sale_order WHERE partner_id = %s", [partner.id])
    history = env.cr.fetchone()[0] - repeat - 1
    return {"queries": min(queries), "seconds": seconds[len(seconds) // 2], "history": history}


def bench_history(env):
    """The install hook's history rebuild of crm_fulfillment on a shop that
    had no fulfilment data, against a bare pass reading the same dates.
    Each run rolls back what it wrote."""
    cr = env.cr
    orders = env["sale.order"]

    def ours():
        with cr.savepoint(flush=False) as savepoint:
            orders._fulfillment_rebuild_history()
            savepoint.rollback()

    stage = env["sale.fulfillment.stage"]._by_code()["shipped"].id

    def bare():
        # The floor of the same work: read the orders' and transfers' dates
        # in one pass, write an event per dated milestone and each order's
        # stage and dates, without deciding anything.
        with cr.savepoint(flush=False) as savepoint:
            cr.execute(
                """
                WITH f AS (
                    SELECT so.id, so.create_date, so.date_order, so.company_id,
                           so.warehouse_id, so.partner_id,
                           min(sp.date_done) FILTER (WHERE sp.state = 'done') AS first_out,
                           max(sp.date_done) FILTER (WHERE sp.state = 'done') AS last_out
                      FROM sale_order so
                 LEFT JOIN stock_picking sp ON sp.sale_id = so.id
                  GROUP BY so.id
                ),
                events AS (
                    INSERT INTO sale_fulfillment_event
                        (order_id, to_stage_id, date, duration_hours, source, company_id,
                         warehouse_id, partner_id, create_uid, create_date, write_uid, write_date)
                    SELECT f.id, %(stage)s, d.date, 0, 'history', f.company_id, f.warehouse_id,
                           f.partner_id, 1, now(), 1, now()
                      FROM f CROSS JOIN LATERAL (VALUES (f.create_date), (f.date_order),
                                                        (f.last_out)) d(date)
                     WHERE d.date IS NOT NULL
                )
                UPDATE sale_order so
                   SET fulfillment_shipped_date = f.first_out, fulfillment_stage_id = %(stage)s,
                       fulfillment_stage_date = COALESCE(f.last_out, f.date_order)
                  FROM f WHERE so.id = f.id
                """,
                {"stage": stage},
            )
            savepoint.rollback()

    cr.execute("SELECT count(*) FROM sale_fulfillment_event WHERE source = 'history'")
    rebuilt = cr.fetchone()[0]
    ours_s, ref_s, ratio = side_by_side(ours, bare, repeat=3)
    return {"ours_s": ours_s, "reference_s": ref_s, "ratio": ratio, "rebuilt_events": rebuilt}


# i: each heavy path once, straight after a bulk import, on a copy of the
# shop whose planner statistics were never taken; against its time on the
# analyzed shop (a', c, d and f's own measurements).
STALE_PATHS = {
    "rfm": "RFM and customer scores, first computation",
    "loyalty": "loyalty release + expiry crons",
    "suggestions": "suggestions refresh",
}
# The tables the paths read and write (their analyze_stale lists).
STALE_TABLES = (
    "res_partner",
    "sale_order",
    "sale_order_line",
    "account_move",
    "product_product",
    "product_template",
    "crm_customer_figures",
    "loyalty_card",
    "loyalty_ledger",
)


def bench_stale(env, path):
    """One run of ``path`` as the first after a bulk import: the tables
    whose statistics are missing (as the addons' pg.analyze_stale sees
    them), then the path's time, analyzing included."""
    from odoo.addons.crm_ecommerce.tools import pg

    cr = env.cr

    def stale():
        cr.execute(pg.STALE_TABLES, [list(STALE_TABLES)])
        return {row[0] for row in cr.fetchall()}

    before = stale()
    started = time.perf_counter()
    if path == "rfm":
        env["res.partner"]._rfm_recompute_company()
    elif path == "loyalty":
        env["loyalty.ledger"]._cron_release()
        env["loyalty.ledger"]._cron_expire()
    else:
        env["crm.product.affinity"]._refresh(min_support=2)
    env.flush_all()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "stale": sorted(before), "analyzed": sorted(before - stale())}


CHILDREN = {
    **{f"stale_{path}": functools.partial(bench_stale, path=path) for path in STALE_PATHS},
    "history": bench_history,
    "rfm": bench_rfm,
    "rfm_first": bench_rfm_first,
    "loyalty": bench_loyalty,
    "suggestions": bench_suggestions,
    "flow": bench_flow,
    "campaign": bench_campaign,
    "clv": bench_clv,
}


def child(name, db):
    os.environ.setdefault("ODOO_LOG_LEVEL", "warn")
    with odoo_env(db) as env:
        result = CHILDREN[name](env)
        env.cr.rollback()
    result["peak_rss_mib"] = peak_rss_mib()
    print("RESULT " + json.dumps(result))


def run_child(name, db):
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name, "--db", db],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(
            f"benchmark {name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return json.loads(lines[-1][len("RESULT ") :])


# ----------------------------------------------------------------------
# Orchestration and report
# ----------------------------------------------------------------------
def flow_side_by_side(with_db, without_db, rounds=3):
    """Benchmark b on both databases, in alternate processes: a round runs
    the flow on the database with the addons, then on the one without, so
    that both see the same machine load. Both are vacuumed first: the
    other benchmarks roll back what they wrote on the shop with the addons,
    and their dead rows are not the flow's cost. Queries are the fewest of
    any run; seconds, the median of the rounds' medians."""
    for db in (with_db, without_db):
        maintenance(db, "VACUUM ANALYZE", "CHECKPOINT")
    runs = {"with": [], "without": []}
    for _round in range(rounds):
        runs["with"].append(run_child("flow", with_db))
        runs["without"].append(run_child("flow", without_db))
    return {
        side: {
            "queries": min(run["queries"] for run in results),
            "seconds": statistics.median(run["seconds"] for run in results),
            "history": results[0]["history"],
            "peak_rss_mib": max(run["peak_rss_mib"] for run in results),
        }
        for side, results in runs.items()
    }


def duplicate(source, target):
    subprocess.run(
        [*db_command(), "duplicate", "-f", source, target],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def generate(db, customers, lines, seed, *, analyze=True):
    proc = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("generate.py")),
            "--db",
            db,
            "--customers",
            str(customers),
            "--lines",
            str(lines),
            "--seed",
            str(seed),
            *(() if analyze else ("--no-analyze",)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip().splitlines()[-1]


def stale_run(db, path):
    """Benchmark i for ``path``, on a copy of ``db`` (its planner statistics
    never taken) that only this path runs on: another path's ANALYZE would
    help it. The copy, like a restored dump, starts its statistics counters
    from nothing."""
    copy = f"{db}_stale"
    duplicate(db, copy)
    try:
        return run_child(f"stale_{path}", copy)
    finally:
        drop_db(copy)


HISTORY_LOG = re.compile(r"Fulfilment history rebuilt: (\d+) orders in ([\d.]+) s")


def install_timed(db):
    """Install the addons on ``db``, a shop made without them; returns the
    install's seconds and those of its hook's history rebuild (from the
    rebuild's own log line)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "odoo", "server", *odoo_args(db), "-i", OUR_ADDONS),
            *("--stop-after-init", "--no-http", "--log-level=warn"),
            "--log-handler=odoo.addons.crm_fulfillment.models.sale_order_history:INFO",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    found = HISTORY_LOG.findall(proc.stdout + proc.stderr)
    if proc.returncode or not found:
        raise RuntimeError(f"the install on {db} failed:\n{proc.stderr[-3000:]}")
    return seconds, float(found[-1][1])


LOAD_SECTION = "## A real server under load, and its faults"


def load_section(size):
    """bench/load.py at ``size`` (full or smoke), its printed checks as a
    section of RESULTS.md; and whether every check passed."""
    command = [sys.executable, str(Path(__file__).with_name("load.py"))]
    if size == "smoke":
        command.append("--smoke")
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    shown = " ".join(["python3 bench/load.py", *command[2:]])
    output = proc.stdout.strip() or proc.stderr[-3000:]
    text = f"""{LOAD_SECTION}

Written by `{shown}` (run by bench/run.py) on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}:
Odoo as a real server (`--workers=2 --max-cron-threads=1`) on a shop of its
own, under portal and salespeople's traffic with the crons forced, then
PostgreSQL unreachable for a few seconds, then each batched cron killed in
the middle of a batch and run again (bench/load.py). Exit code
{proc.returncode}; what it checked, as it printed it:

```
{output}
```
"""
    return text, proc.returncode == 0


def _fit_text(fit):
    if fit["state"] != "done":
        return fit["reason"] or ""
    return (
        f"r {fit['bgnbd_r']:.3f}, alpha {fit['bgnbd_alpha']:.3f} ({fit['unit']}s), "
        f"a {fit['bgnbd_a']:.3f}, "
        f"b {fit['bgnbd_b']:.3f}; p {fit['gamma_p']:.2f}, q {fit['gamma_q']:.2f}, "
        f"v {fit['gamma_v']:.2f}"
    )


def verdict(ok):
    return "pass" if ok else "**fail**"


def report(opts, sizes, results, flow, server, *, history, stale, sections):
    rows = []
    for key, label in (
        ("rfm", "a. RFM + customer score recompute"),
        ("loyalty", "c. loyalty release + expiry crons"),
        ("suggestions", "d. suggestions refresh"),
    ):
        one, two = results[1][key], results.get(2, {}).get(key)
        rows.append(
            f"| {label} (1x) | {one['ours_s']:.3f} s | {one['reference_s']:.3f} s | {one['ratio']:.2f}x "
            f"| <= {BUDGETS[key]}x | {verdict(one['ratio'] <= BUDGETS[key])} | {one['peak_rss_mib']} |"
        )
        if not two:
            continue
        rows.append(
            f"| {label} (2x) | {two['ours_s']:.3f} s | {two['reference_s']:.3f} s | {two['ratio']:.2f}x "
            f"| <= {BUDGETS[key]}x | {verdict(two['ratio'] <= BUDGETS[key])} | {two['peak_rss_mib']} |"
        )
        growth = two["ours_s"] / one["ours_s"] if one["ours_s"] else 0
        ref_growth = two["reference_s"] / one["reference_s"] if one["reference_s"] else 0
        rows.append(
            f"| e. scaling of {label[3:]} | {two['ours_s']:.3f} s at 2x | {one['ours_s']:.3f} s at 1x "
            f"| {growth:.2f}x (reference: {ref_growth:.2f}x) | <= {BUDGETS['scaling']}x "
            f"| {verdict(growth <= BUDGETS['scaling'])} | |"
        )
    first = results[1]["rfm_first"]
    rows.append(
        f"| a'. RFM first full computation (1x) | {first['ours_s']:.3f} s | {first['reference_s']:.3f} s "
        f"| {first['ratio']:.2f}x | <= {BUDGETS['rfm_first']}x "
        f"| {verdict(first['ratio'] <= BUDGETS['rfm_first'])} | {first['peak_rss_mib']} |"
    )
    campaign = results[1]["campaign"]
    rows.append(
        f"| g. campaign for the largest segment (1x) | {campaign['ours_s']:.3f} s "
        f"| {campaign['reference_s']:.3f} s | {campaign['ratio']:.2f}x | <= {BUDGETS['campaign']}x "
        f"| {verdict(campaign['ratio'] <= BUDGETS['campaign'])} | {campaign['peak_rss_mib']} |"
    )
    rows.append(
        f"| g'. the same with a personal coupon each (1x) | {campaign['coupons_s']:.3f} s "
        f"| {campaign['coupons_reference_s']:.3f} s | {campaign['coupons_ratio']:.2f}x "
        f"| not budgeted | | |"
    )
    predictions = results[1]["clv"]
    rows.append(
        f"| h. predictions: nightly fit and write (1x), optimiser excluded "
        f"| {predictions['ours_s']:.3f} s | {predictions['reference_s']:.3f} s "
        f"| {predictions['ratio']:.2f}x | <= {BUDGETS['clv']}x "
        f"| {verdict(predictions['ratio'] <= BUDGETS['clv'])} | {predictions['peak_rss_mib']} |"
    )
    rows.append(
        f"| h'. predictions: the optimiser alone (1x) | {predictions['optimiser_s']:.3f} s | | "
        f"| < {BUDGETS['clv_optimiser_s']:g} s "
        f"| {verdict(predictions['optimiser_s'] < BUDGETS['clv_optimiser_s'])} | |"
    )
    with_, without = flow["with"], flow["without"]
    q_ratio = with_["queries"] / without["queries"]
    t_ratio = with_["seconds"] / without["seconds"]
    rows.append(
        f"| b. order flow, queries | {with_['queries']} | {without['queries']} | {q_ratio:.2f}x "
        f"| <= {BUDGETS['flow_queries']}x | {verdict(q_ratio <= BUDGETS['flow_queries'])} | {with_['peak_rss_mib']} |"
    )
    rows.append(
        f"| b. order flow, time | {with_['seconds']:.3f} s | {without['seconds']:.3f} s | {t_ratio:.2f}x "
        f"| <= {BUDGETS['flow_time']}x | {verdict(t_ratio <= BUDGETS['flow_time'])} | {without['peak_rss_mib']} |"
    )
    rows.append(
        f"| f. install-time history rebuild (1x) | {history['ours_s']:.3f} s "
        f"| {history['reference_s']:.3f} s | {history['ratio']:.2f}x | <= {BUDGETS['history']}x "
        f"| {verdict(history['ratio'] <= BUDGETS['history'])} | {history['peak_rss_mib']} |"
    )
    analyzed = {
        "rfm": first["ours_s"],
        "loyalty": results[1]["loyalty"]["ours_s"],
        "suggestions": results[1]["suggestions"]["ours_s"],
    }
    for path, label in STALE_PATHS.items():
        seconds, ratio = stale[path]["seconds"], stale[path]["seconds"] / analyzed[path]
        rows.append(
            f"| i. {label}, never analyzed (1x) | {seconds:.3f} s | {analyzed[path]:.3f} s "
            f"| {ratio:.2f}x | <= {BUDGETS['stale']}x | {verdict(ratio <= BUDGETS['stale'])} "
            f"| {stale[path]['peak_rss_mib']} |"
        )
    ratio = history["stale_hook_s"] / history["hook_s"]
    rows.append(
        f"| i. install-time history rebuild, never analyzed (1x) | {history['stale_hook_s']:.3f} s "
        f"| {history['hook_s']:.3f} s | {ratio:.2f}x | <= {BUDGETS['stale']}x "
        f"| {verdict(ratio <= BUDGETS['stale'])} | |"
    )
    found = {
        path: f"{', '.join(stale[path]['analyzed']) or 'none'} (of {len(stale[path]['stale'])} "
        "stale)"
        for path in STALE_PATHS
    }
    wal = {
        factor: (
            results[factor]["loyalty"]["ours_wal_mib"],
            results[factor]["loyalty"]["reference_wal_mib"],
        )
        for factor in results
    }
    if 2 in wal:
        wal_text = (
            f"ours {wal[1][0]:.1f} MiB at 1x and {wal[2][0]:.1f} MiB at 2x\n"
            f"  ({wal[2][0] / wal[1][0]:.2f}x), the reference {wal[1][1]:.1f} MiB and\n"
            f"  {wal[2][1]:.1f} MiB ({wal[2][1] / wal[1][1]:.2f}x)"
        )
        data = f"1x = {sizes[1]}; 2x = {sizes[2]}"
    else:
        wal_text = f"ours {wal[1][0]:.1f} MiB at 1x, the reference {wal[1][1]:.1f} MiB"
        data = f"1x = {sizes[1]}; no 2x shop in this run (--no-2x: no line e, nor 2x lines)"
    text = f"""# Benchmark results

Written by `python3 bench/run.py {" ".join(sys.argv[1:]) or "(the defaults)"}` on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.

Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}.

PostgreSQL: {server}.

Data (seed {opts.seed}): {data}.

Each figure is the median of alternate runs of ours and the reference in the
same process. Peak memory is the peak resident size of the Odoo process that
ran the benchmark (MiB).

| benchmark | ours | reference | ratio | budget | result | peak MiB |
| --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Notes:
- a. measures the nightly recompute, which writes only the customers whose
  figures changed. The reference is the bare SQL of the same figures
  (recency, frequency, monetary net of refunds, median gap, quintile
  scores), without writing anything.
- a'. measures the first computation of a shop with history, which writes
  the figures of every customer ({first["customers"]} at 1x) in one narrow
  row each (crm_customer_figures: the breakdown's RFM lines and this
  month's snapshot are read from it), against a's reference: each run
  rolls back what it wrote, and the tables it writes are vacuumed before
  every run of either side. The floor of the same writes (one statement
  writing the same figures in each customer's row, deciding nothing) took
  {first["write_floor_s"]:.3f} s: {first["write_floor_s"] / first["reference_s"]:.2f}x the reference, and ours is
  {first["write_floor_ratio"]:.2f}x that floor, measured beside it.
- b. compares the 1x database with the three addons against the same shop
  (same seed) generated on a database with only the Odoo modules they
  depend on ({ODOO_DEPENDENCIES}): quote, confirm, deliver and return one
  item, for the customer with the most orders ({flow["with"]["history"]}
  earlier orders): three rounds alternating between the two databases,
  each the median of 5 runs after a warm-up; the median round is kept.
- c. runs both crons over every ledger entry and rolls back after each run;
  the reference is the two bare UPDATEs of the same rows. WAL written per
  run (median): {wal_text}.
- f. generates the 1x shop on a database without the addons, installs the
  three addons on it ({history["install_s"]:.0f} s for the whole install,
  whose hook rebuilt {history["rebuilt_events"]} history events from the
  orders' documents), then reruns the rebuild (rolled back each time)
  against the floor of the same work: one statement that reads the same
  orders' and transfers' dates, inserts an event per dated milestone and
  updates each order's stage and dates, deciding nothing (a read alone
  would leave out the writes both sides must make).
- g. launches a campaign for the largest segment ({campaign["segment"]},
  {campaign["members"]} customers at 1x, every customer with an email
  marked as agreeing to marketing for the benchmark): the audience counted,
  the holdout drawn, the members frozen and the mailing created, against
  the bare insert of the same member rows; g'. adds a personal coupon per
  mailed member, created through Odoo's loyalty cards (their code, their
  hooks), against the bare insert of the members and of the card rows.
- h. runs the nightly predictions on a shop whose customers have
  yesterday's: both models fitted on the {predictions["customers"]} customers
  with a purchase ({predictions["fit"]["repeat_customers"]} repeat customers;
  fit {predictions["fit"]["state"]}: {_fit_text(predictions["fit"])}), then
  every customer's predictions written ({predictions["written"]} rows), each
  run rolled back. Ours took {predictions["total_s"]:.3f} s in all, of which
  the optimiser {predictions["optimiser_s"]:.3f} s (h'); the ratio leaves the
  optimiser out. The reference is the bare SQL of the models' inputs (x,
  t_x, T and mean spend per customer), reading what ours reads and
  writing nothing. The floor of the same writes (one statement reading
  the inputs and writing the same eleven values into the same customers'
  rows, deciding nothing) took {predictions["write_floor_s"]:.3f} s:
  {predictions["write_floor_s"] / predictions["reference_s"]:.2f}x the reference; ours, optimiser aside, is
  {predictions["ours_s"] / predictions["write_floor_s"]:.2f}x that floor.
- e. compares each benchmark's time at 2x with its time at 1x; the
  reference's own growth is shown beside it: where the bare SQL grows past
  2x too, the machine (caches, indexes outgrowing memory) is the part that
  grows faster than the data.
- i. runs each heavy path once on the 1x shop straight after its
  generation, as a bulk import leaves it: autovacuum off, the planner's
  statistics never taken. Each path runs on a copy of its own (the copy's
  statistics counters start from nothing, as a restored dump's), so that
  no path profits from another's ANALYZE; the reference is the same path's
  time on the analyzed shop (a', c, d). The tables each path's
  pg.analyze_stale analyzed, of those stale before it (the tables the
  three paths read): RFM {found["rfm"]}; loyalty {found["loyalty"]};
  suggestions {found["suggestions"]}. The
  history rebuild is the install's hook on a copy of the shop made without
  the addons, never analyzed, against the same hook on the analyzed copy
  (f): installs of {history["stale_install_s"]:.0f} s and {history["install_s"]:.0f} s in all.
"""
    shown = [section for section in sections if section]
    if shown:
        text += "\n" + "\n".join(shown)
    Path(opts.out).write_text(text)
    print(text)
    return all("**fail**" not in row for row in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100000)
    parser.add_argument("--lines", type=int, default=1000000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")))
    parser.add_argument("--prefix", default="crm_bench")
    parser.add_argument(
        "--screens-repeat",
        type=int,
        default=5,
        help="runs of each screen (bench/screens.py) on the 1x and 2x shops; 0: none",
    )
    parser.add_argument(
        "--load",
        choices=("full", "smoke", "skip"),
        default="full",
        help="bench/load.py's size (a shop of its own), or not run",
    )
    parser.add_argument(
        "--no-2x",
        action="store_true",
        help="measure on the 1x shop only: no scaling lines (e), no 2x figures",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the 1x and 2x shops (bench/screens.py --db can measure them again)",
    )
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--db")
    opts = parser.parse_args()
    if opts.child:
        return child(opts.child, opts.db)
    return 0 if measure_all(opts) else 1


def measure_history(bare_data, installed, installed_stale):
    """f, and i's history line: the addons installed on a copy of the shop
    made without them, analyzed, and on ``installed_stale``, as imported."""
    duplicate(bare_data, installed)
    install_s, hook_s = install_timed(installed)
    stale_install_s, stale_hook_s = install_timed(installed_stale)
    drop_db(installed_stale)
    maintenance(installed, "VACUUM ANALYZE", "CHECKPOINT")
    return {
        **run_child("history", installed),
        "install_s": install_s,
        "hook_s": hook_s,
        "stale_install_s": stale_install_s,
        "stale_hook_s": stale_hook_s,
    }


def measure_screens(opts, dbs, sizes):
    """The screens' section of RESULTS.md, measured on the 1x and 2x shops
    (bench/screens.py), and whether each is within budget; nothing with
    --screens-repeat 0."""
    if not opts.screens_repeat:
        return "", True
    import screens

    shots = [screens.measure(db, opts.screens_repeat) for db in dbs.values()]
    return screens.section(
        opts.screens_repeat,
        "python3 bench/run.py " + " ".join(sys.argv[1:]),
        [sizes[factor] for factor in dbs],
        shots,
        server_settings(dbs[1]),
    )


def measure_all(opts):
    """Every benchmark, then RESULTS.md; whether all are within budget."""
    base, bare = f"{opts.prefix}_base", f"{opts.prefix}_bare"
    bare_data = f"{opts.prefix}_bare_1x"
    installed, installed_stale = f"{opts.prefix}_installed_1x", f"{opts.prefix}_installed_stale"
    dbs = {1: f"{opts.prefix}_1x", 2: f"{opts.prefix}_2x"}
    if opts.no_2x:
        del dbs[2]
    started = time.perf_counter()

    def progress(text):
        print(f"bench: {text} ({time.perf_counter() - started:.0f} s)", flush=True)

    try:
        progress("creating a database with the addons and one without")
        create_db(base, OUR_ADDONS)
        create_db(bare, ODOO_DEPENDENCIES)
        sizes, results = {}, {}
        for factor, db in dbs.items():
            duplicate(base, db)
            progress(f"generating {factor}x data")
            sizes[factor] = generate(
                db, opts.customers * factor, opts.lines * factor, opts.seed, analyze=factor != 1
            )
            if factor == 1:
                # i: the heavy paths straight after the import, statistics
                # never taken, each on a copy of its own.
                progress("running each heavy path on the shop as imported, never analyzed")
                stale = {path: stale_run(db, path) for path in STALE_PATHS}
            # The generator updates the rows it inserted (totals, stages):
            # compact them as a shop's autovacuumed database would be.
            maintenance(db, f"VACUUM FULL ANALYZE {', '.join(BULK_TABLES)}", "CHECKPOINT")
            results[factor] = {
                name: run_child(name, db) for name in ("rfm", "loyalty", "suggestions")
            }
            if factor == 1:
                results[1]["rfm_first"] = run_child("rfm_first", db)
                results[1]["campaign"] = run_child("campaign", db)
                results[1]["clv"] = run_child("clv", db)
            progress(f"{factor}x done: {results[factor]}")
        # b: the same shop (same seed) generated on a database without our
        # addons, and the flow measured on both.
        duplicate(bare, bare_data)
        progress("generating 1x data without the addons")
        generate(bare_data, opts.customers, opts.lines, opts.seed, analyze=False)
        duplicate(bare_data, installed_stale)
        maintenance(bare_data, f"VACUUM FULL ANALYZE {', '.join(BARE_TABLES)}", "CHECKPOINT")
        flow = flow_side_by_side(dbs[1], bare_data)
        # f: the same shop, without the addons, then installed: analyzed,
        # and (i) as imported.
        progress("installing the addons on the shop generated without them")
        history = measure_history(bare_data, installed, installed_stale)
        # Last: preparing the screens writes into the shops.
        progress("measuring the screens at 1x and 2x")
        screens_text, screens_ok = measure_screens(opts, dbs, sizes)
        server = server_settings(dbs[1])
    finally:
        kept = dbs.values() if opts.keep else ()
        for db in (base, bare, bare_data, installed, installed_stale, *dbs.values()):
            if db not in kept:
                drop_db(db)
    load_text, load_ok = "", True
    if opts.load != "skip":
        progress(f"a real server under load, and its faults ({opts.load} size)")
        load_text, load_ok = load_section(opts.load)
    ok = report(
        opts,
        sizes,
        results,
        flow,
        server,
        history=history,
        stale=stale,
        sections=[screens_text, load_text],
    )
    progress("done")
    return ok and screens_ok and load_ok


if __name__ == "__main__":
    sys.exit(main())
