#!/usr/bin/env python3
"""Time the server side of each screen of the addons at scale, beside a
reference screen of Odoo on the same database, in the same run (issue 26,
part 1), and write the figures into bench/RESULTS.md.

    python3 bench/screens.py                      # 1x and 2x shops, 100,000 customers at 1x
    python3 bench/screens.py --customers 300 --lines 3000 --out /tmp/RESULTS.md   # smoke size
    python3 bench/screens.py --db SHOP_1X --db SHOP_2X   # shops generated already (modified!)

A screen is what the web client asks the server for when it opens: the
RPCs of its view (web_search_read, web_read_group then a web_search_read
per column, web_read, read_group per pivot cell block) with the fields its
view declares, as the administrator; or a portal page, rendered by Odoo's
WSGI application in the benchmark's process, as the customer. Each is run
alternately with its reference, after a warm-up, with the ORM cache
emptied before every run (as a new request starts with it empty; the
registry's caches stay warm, as in a running server). Its time is the
median of the runs; its queries are counted on the database cursor, and
must be the same on the 1x and 2x shops.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    OUR_ADDONS,
    ROOT,
    create_db,
    drop_db,
    maintenance,
    odoo_env,
    peak_rss_mib,
    server_settings,
    side_by_side,
)
from run import BULK_TABLES, duplicate, generate, verdict

# Time against the reference: lists, kanbans, forms and portal pages 1.5x;
# pivots over a year 2x.
BUDGETS = {"screen": 1.5, "pivot": 2.0}
LIST_LIMIT = 80  # the web client's page of a list
CARDS_PER_COLUMN = 80  # as the issue asks (the web client loads 40 cards per column)
X2MANY_LIMIT = 40  # the web client's page of a one2many in a form
OPEN_GROUPS = 10  # the web client opens at most ten columns of a kanban
COUNT_LIMIT = 10001  # the web client counts a list's records up to 10,000
LEDGER_ENTRIES = 5000  # the entries of the benchmark's loyalty card
PORTAL_LOGIN = "bench.screens.customer"
SECTION = "## Screens at scale"


# ----------------------------------------------------------------------
# What the web client sends
# ----------------------------------------------------------------------
def _field_nodes(node):
    """The field nodes of a view, not those of the subviews of its x2many
    fields (a subview is read with its own specification)."""
    for child in node:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "field":
            yield child
        else:
            yield from _field_nodes(child)


def specification(arch, model, models):
    """The web client's field specification of a view: every field of the
    arch (the server adds those its modifiers use), a many2one with its
    display name, an x2many with its subview's fields and first page."""
    fields = models[model]["fields"]
    spec = {}
    for node in _field_nodes(arch):
        name = node.get("name")
        field = fields.get(name)
        if field is None or name in spec:
            continue
        always_invisible = node.get("invisible") in ("1", "True")
        if field["type"] in ("many2one", "reference"):
            spec[name] = {"fields": {} if always_invisible else {"display_name": {}}}
        elif field["type"] in ("one2many", "many2many"):
            mode = (node.get("mode") or "list").split(",")[0]
            subviews = {sub.tag: sub for sub in node if sub.tag in ("list", "kanban")}
            sub = subviews.get(mode, next(iter(subviews.values()), None))
            if always_invisible:
                spec[name] = {}
            elif sub is not None:
                spec[name] = {
                    "fields": specification(sub, field["relation"], models),
                    "limit": int(sub.get("limit") or X2MANY_LIMIT),
                }
            elif node.get("widget") in ("many2many_tags", "many2many_tags_avatar"):
                spec[name] = {"fields": {"display_name": {}}}
            else:
                spec[name] = {}
        else:
            spec[name] = {}
    return spec


def view_arch(model, view_type, view_id=False):
    """(arch, models) of a view as get_views returns it to the web client."""
    from lxml import etree

    views = model.get_views([(view_id, view_type)])
    return etree.fromstring(views["views"][view_type]["arch"]), views["models"]


def aggregates(spec, models, model, groupby):
    """The aggregates the web client asks a grouped view for: every field of
    the view with an aggregator, but the one it groups by."""
    fields = models[model]["fields"]
    return [
        f"{name}:{fields[name]['aggregator']}"
        for name in spec
        if fields[name].get("aggregator") and name != groupby
    ]


class Action:
    """A window action as the web client opens it: its domain, its context
    and the domains of its default filters, its views."""

    def __init__(self, env, xmlid):
        from odoo.tools.safe_eval import datetime as safe_datetime
        from odoo.tools.safe_eval import dateutil, safe_eval

        self.record = env.ref(xmlid)
        self.model = env[self.record.res_model]
        self.eval_context = {
            "uid": env.uid,
            "allowed_company_ids": env.companies.ids,
            "context_today": date.today,
            "datetime": safe_datetime,
            "relativedelta": dateutil.relativedelta.relativedelta,
        }
        self.safe_eval = safe_eval
        self.context = safe_eval(self.record.context or "{}", self.eval_context)
        self.model = self.model.with_context(
            **{k: v for k, v in self.context.items() if not k.startswith("search_default_")}
        )

    def view_id(self, view_type):
        for view in self.record.view_ids:
            if view.view_mode == view_type:
                return view.view_id.id
        if self.record.view_id.type == view_type:
            return self.record.view_id.id
        return False

    def domain(self, *extra):
        """The action's domain and its default filters' (ANDed), and
        ``extra`` (a filter the user picks)."""
        domain = list(self.safe_eval(self.record.domain or "[]", self.eval_context))
        arch, _models = view_arch(self.model, "search", self.record.search_view_id.id)
        defaults = [
            k[15:] for k, v in self.context.items() if k.startswith("search_default_") and v
        ]
        for name in defaults:
            for node in arch.iter("filter"):
                if node.get("name") == name and node.get("domain"):
                    domain += self.safe_eval(node.get("domain"), self.eval_context)
        return domain + [leaf for part in extra for leaf in part]

    def view(self, view_type):
        arch, models = view_arch(self.model, view_type, self.view_id(view_type))
        return arch, models, specification(arch, self.model._name, models)


def list_screen(action, *extra):
    """A list's first page and its count."""
    domain = action.domain(*extra)
    _arch, _models, spec = action.view("list")

    def run():
        action.model.web_search_read(domain, spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT)

    return run


def pages_screen(action, pages):
    """A list's first ``pages`` pages, each with its count: as many records
    as a kanban of that many open columns shows."""
    domain = action.domain()
    _arch, _models, spec = action.view("list")

    def run():
        for page in range(pages):
            action.model.web_search_read(
                domain, spec, offset=page * LIST_LIMIT, limit=LIST_LIMIT, count_limit=COUNT_LIMIT
            )

    return run


def open_groups(action, groupby):
    """The number of columns the web client opens in ``action``'s kanban
    grouped by ``groupby``."""
    result = action.model.web_read_group(action.domain(), [], [groupby], lazy=True)
    opened = [group for group in result["groups"] if not group.get("__fold")]
    return min(len(opened), OPEN_GROUPS) or 1


def grouped_screen(action, view_type, groupby, per_group, *extra):
    """A kanban (or a grouped list, its groups opened): web_read_group, then
    each open group's first records, as the web client loads them."""
    domain = action.domain(*extra)
    _arch, models, spec = action.view(view_type)
    model = action.model
    measures = aggregates(spec, models, model._name, groupby)
    relational = model._fields[groupby].type == "many2one"

    def run():
        result = model.web_read_group(domain, measures, [groupby], lazy=True)
        opened = [
            group
            for group in result["groups"]
            if not group.get("__fold") and not (relational and not group[groupby])
        ]
        for group in opened[:OPEN_GROUPS]:
            model.web_search_read(group["__domain"], spec, limit=per_group, count_limit=COUNT_LIMIT)

    return run


def pivot_screen(action, domain):
    """A pivot as the web client fills it: a read_group for each
    combination of the rows' and the columns' groupings."""
    arch, models, _spec = action.view("pivot")
    model = action.model
    fields = models[model._name]["fields"]
    rows, cols, measures = [], [], []
    for node in arch.iter("field"):
        name, kind = node.get("name"), node.get("type")
        grouping = f"{name}:{node.get('interval')}" if node.get("interval") else name
        if kind == "row":
            rows.append(grouping)
        elif kind == "col":
            cols.append(grouping)
        elif kind == "measure":
            measures.append(f"{name}:{fields[name]['aggregator']}")
    domain = action.domain() + domain

    def run():
        for row_count in range(len(rows) + 1):
            for col_count in range(len(cols) + 1):
                model.read_group(domain, measures, rows[:row_count] + cols[:col_count], lazy=False)

    return run


def form_spec(model, without=()):
    """The specification of a model's default form, with the views
    ``without`` (xmlids) left out: deactivated in a savepoint, read, and
    restored."""
    env = model.env
    if not without:
        arch, models = view_arch(model, "form")
        return specification(arch, model._name, models)
    views = env["ir.ui.view"].sudo()
    for xmlid in without:
        views |= env.ref(xmlid)
    with env.cr.savepoint() as savepoint:
        views.write({"active": False})
        arch, models = view_arch(model, "form")
        savepoint.rollback()
    env.registry.clear_cache("templates")
    env.registry.clear_cache()
    env.invalidate_all()
    return specification(arch, model._name, models)


def form_screen(record, spec):
    def run():
        record.web_read(spec)

    return run


class Portal:
    """Portal pages as a logged-in customer: GET requests served by Odoo's
    WSGI application in this process, on the benchmark's own transaction
    (the registry's test mode, as Odoo's HttpCase), so that their queries
    are counted on its cursor."""

    def __init__(self, env, user):
        from odoo import http
        from odoo.service import security

        self.root = http.root
        session = self.root.session_store.new()
        session.update(http.get_default_session(), db=env.cr.dbname)
        session.uid = user.id
        session.login = user.login
        session.session_token = security.compute_session_token(session, env(user=user))
        session.context = dict(env["res.users"].with_user(user).context_get())
        self.root.session_store.save(session)
        self.session = session

    def page(self, path):
        from werkzeug.test import EnvironBuilder

        def run():
            environ = EnvironBuilder(
                path=path,
                base_url="http://127.0.0.1:8069",
                headers={"Cookie": f"session_id={self.session.sid}"},
            ).get_environ()
            status = []
            body = b"".join(self.root(environ, lambda code, _headers, *_a: status.append(code)))
            if not status[0].startswith("200"):
                raise RuntimeError(f"{path}: {status[0]}\n{body[-2000:].decode()}")

        return run

    def close(self):
        self.root.session_store.delete(self.session)


# ----------------------------------------------------------------------
# The shop's state the screens show, written once per database
# ----------------------------------------------------------------------
def top_customer(env):
    """The customer with the most orders (as benchmark b of run.py)."""
    env.cr.execute(
        "SELECT partner_id FROM sale_order WHERE state = 'sale'"
        " GROUP BY partner_id ORDER BY count(*) DESC, partner_id LIMIT 1"
    )
    return env["res.partner"].browse(env.cr.fetchone()[0])


def prepare(env):
    """What a shop in use has and the generator does not write: the
    nightly figures (segments, scores and breakdowns, predictions,
    suggestions), and for the customer with the most orders a portal
    login, the followers of their orders (Odoo subscribes the customer
    when it confirms an order), a quotation, two campaigns and a loyalty
    card with at least 5,000 entries. Committed: the portal pages are
    served on their own cursor. Done once per database."""
    from odoo import Command

    cr = env.cr
    if env["res.users"].with_context(active_test=False).search([("login", "=", PORTAL_LOGIN)]):
        return {"prepared": False}
    partners = env["res.partner"]
    started = time.perf_counter()
    # Shops generated before bench/generate.py wrote the cards' active flag
    # have every card archived, out of the ORM's (and the screens') sight.
    cr.execute("UPDATE loyalty_card SET active = true WHERE active IS NULL")
    partners._rfm_recompute_company()
    partners._clv_compute(refit=True)
    env["crm.product.affinity"]._refresh(min_support=2)
    customer = top_customer(env)
    env["res.users"].with_context(no_reset_password=True).create(
        {
            "name": customer.name,
            "login": PORTAL_LOGIN,
            "partner_id": customer.id,
            "groups_id": [Command.set([env.ref("base.group_portal").id])],
        }
    )
    cr.execute(
        """
        INSERT INTO mail_followers (res_model, res_id, partner_id)
        SELECT 'sale.order', id, partner_id FROM sale_order WHERE partner_id = %s
            ON CONFLICT DO NOTHING
        """,
        (customer.id,),
    )
    cr.execute(
        """
        SELECT sol.product_id FROM sale_order_line sol JOIN sale_order so ON so.id = sol.order_id
         WHERE so.partner_id = %s GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3
        """,
        (customer.id,),
    )
    products = [row[0] for row in cr.fetchall()]
    env["sale.order"].create(
        {
            "partner_id": customer.id,
            "order_line": [
                Command.create({"product_id": p, "product_uom_qty": 1}) for p in products
            ],
        }
    )
    campaigns = env["crm.campaign"].create([{"name": f"Bench Screens {i}"} for i in (1, 2)])
    env["crm.campaign.member"].create(
        [{"campaign_id": c.id, "partner_id": customer.id} for c in campaigns]
    )
    if not env["sale.return"].search_count([("partner_id", "=", customer.id)]):
        # The returns page lists something at every size (one order in
        # fifty has a return: a small shop's customer may have none).
        line = env["sale.order.line"].search(
            [("order_id.partner_id", "=", customer.id), ("qty_delivered", ">", 0)],
            order="id desc",
            limit=1,
        )
        env["sale.return"].create(
            {
                "order_id": line.order_id.id,
                "line_ids": [
                    Command.create(
                        {
                            "order_line_id": line.id,
                            "quantity": 1,
                            "reason_id": env["sale.return.reason"].search([], limit=1).id,
                        }
                    )
                ],
            }
        )
    card = env["loyalty.card"].search(
        [("partner_id", "=", customer.id), ("program_id.program_type", "=", "loyalty")], limit=1
    )
    cr.execute("SELECT count(*), min(date) FROM loyalty_ledger WHERE card_id = %s", (card.id,))
    count, oldest = cr.fetchone()
    missing = max(LEDGER_ENTRIES - count, 0)
    # Goodwill points of one each (that never expire), every two hours
    # before the card's oldest entry: its first pages stay the customer's
    # orders, as at a size where the card has 5,000 entries of its own.
    # The card's balance follows.
    cr.execute(
        """
        INSERT INTO loyalty_ledger (card_id, program_id, partner_id, company_id, kind, points,
                                    state, remaining, date, reason, user_id,
                                    create_date, write_date, create_uid, write_uid)
        SELECT c.id, c.program_id, c.partner_id, c.company_id, 'goodwill', 1, 'available', 1,
               %s::timestamp - g * interval '2 hours', 'Bench goodwill', 1, now(), now(), 1, 1
          FROM loyalty_card c CROSS JOIN generate_series(1, %s) g
         WHERE c.id = %s
        """,
        (oldest or datetime.now(), missing, card.id),
    )
    cr.execute("UPDATE loyalty_card SET points = points + %s WHERE id = %s", (missing, card.id))
    env.flush_all()
    cr.commit()
    return {"prepared": True, "seconds": round(time.perf_counter() - started, 1)}


# ----------------------------------------------------------------------
# The screens, each with its reference
# ----------------------------------------------------------------------
def screens(env):
    """[(key, label, reference label, budget, ours, reference)]: callables
    that run one screen as the web client would ask for it."""
    admin = env.ref("base.user_admin")
    company = admin.company_id
    staff = env(
        user=admin,
        context={
            "lang": "en_US",
            "tz": admin.tz or "UTC",
            "uid": admin.id,
            "allowed_company_ids": [company.id],
            "bin_size": True,
        },
    )
    customer = top_customer(env)
    since = datetime.combine(date.today() - timedelta(days=365), datetime.min.time())

    fulfilment = Action(staff, "crm_fulfillment.action_fulfillment_orders")
    orders = Action(staff, "sale.action_orders")
    returns = Action(staff, "crm_fulfillment.action_sale_returns")
    to_receive = Action(staff, "crm_fulfillment.action_returns_to_receive")
    receipts = Action(staff, "stock.action_picking_tree_incoming")
    insights = Action(staff, "crm_ecommerce.action_customer_insights")
    contacts = Action(staff, "contacts.action_contacts")
    times = Action(staff, "crm_fulfillment.action_fulfillment_report")
    analysis = Action(staff, "sale.action_order_report_all")

    partner = staff["res.partner"].browse(customer.id)
    quotation = staff["sale.order"].search(
        [("partner_id", "=", customer.id), ("state", "=", "draft")], limit=1
    )
    card = staff["loyalty.card"].search(
        [("partner_id", "=", customer.id), ("program_id.program_type", "=", "loyalty")], limit=1
    )
    # Our views of the partner form: every tab, button and field we add.
    partner_ours = [
        data.complete_name
        for data in env["ir.model.data"].search(
            [("model", "=", "ir.ui.view"), ("module", "in", OUR_ADDONS.split(","))]
        )
        if (view := env["ir.ui.view"].browse(data.res_id)).model == "res.partner"
        and view.type == "form"
    ]
    contacts_list = list_screen(contacts)
    # The kanban shows a column of cards per segment: its reference, as
    # many of Odoo's contacts, a page of the list per column.
    columns = open_groups(insights, "rfm_segment")
    receipts_list = list_screen(receipts)
    orders_list = staff["sale.order"].search(
        [("partner_id", "=", customer.id), ("state", "=", "sale")], order="date_order desc"
    )
    user = env["res.users"].search([("login", "=", PORTAL_LOGIN)])
    portal = Portal(env, user)
    my_orders = portal.page("/my/orders")
    rows = [
        (
            "fulfilment_kanban",
            "Fulfilment kanban, by stage, 80 cards per column",
            "Sales Orders list grouped by state, 80 rows per group",
            "screen",
            grouped_screen(fulfilment, "kanban", "fulfillment_stage_id", CARDS_PER_COLUMN),
            grouped_screen(orders, "list", "state", LIST_LIMIT),
        ),
        (
            "returns_list",
            "Returns list (Sales, Returns)",
            "Receipts list (transfers filtered on receipts)",
            "screen",
            list_screen(returns),
            receipts_list,
        ),
        (
            "returns_to_receive",
            "Returns to Receive list (default filters)",
            "Receipts list (transfers filtered on receipts)",
            "screen",
            list_screen(to_receive),
            receipts_list,
        ),
        (
            "insights_kanban",
            "Customer Insights kanban, by segment, 80 cards per column",
            f"Contacts list, a page of 80 for each of its {columns} columns",
            "screen",
            grouped_screen(insights, "kanban", "rfm_segment", CARDS_PER_COLUMN),
            pages_screen(contacts, columns),
        ),
        (
            "insights_list",
            "Customer Insights list",
            "Contacts list",
            "screen",
            list_screen(insights),
            contacts_list,
        ),
        (
            "times_pivot",
            "Fulfilment Times pivot, a year, stage x month",
            "Sales Analysis pivot, the same year",
            "pivot",
            pivot_screen(times, [("month", ">=", since.date())]),
            pivot_screen(analysis, []),
        ),
        (
            "partner_form",
            "Partner form of the customer with the most orders, all our tabs",
            "the same form without our views",
            "screen",
            form_screen(partner, form_spec(staff["res.partner"])),
            form_screen(partner, form_spec(staff["res.partner"], partner_ours)),
        ),
        (
            "quotation_form",
            "Quotation form of that customer, with Suggestions",
            "the same form without the Suggestions tab",
            "screen",
            form_screen(quotation, form_spec(staff["sale.order"])),
            form_screen(
                quotation,
                form_spec(staff["sale.order"], ["crm_ecommerce.view_order_form_suggestions"]),
            ),
        ),
        (
            "card_form",
            "Loyalty card form, its ledger's first page and statement",
            "the card form without them",
            "screen",
            form_screen(card, form_spec(staff["loyalty.card"])),
            form_screen(
                card, form_spec(staff["loyalty.card"], ["crm_loyalty.loyalty_card_view_form_crm"])
            ),
        ),
        (
            "portal_loyalty",
            "Portal /my/loyalty",
            "portal /my/orders",
            "screen",
            portal.page("/my/loyalty"),
            my_orders,
        ),
        (
            "portal_returns",
            "Portal /my/returns",
            "portal /my/orders",
            "screen",
            portal.page("/my/returns"),
            my_orders,
        ),
        (
            "portal_order",
            "Portal order page with its timeline",
            "portal /my/orders",
            "screen",
            portal.page(f"/my/orders/{orders_list[0].id}"),
            my_orders,
        ),
    ]
    facts = {
        "customer_orders": len(orders_list),
        "card_entries": len(card.crm_ledger_ids),
        "since": str(since.date()),
    }
    return rows, facts, portal


def bench_screens(env, repeat):
    """Each screen and its reference: a warm-up, then ``repeat`` alternate
    runs, the ORM cache emptied before each."""
    cr = env.cr
    env.flush_all()
    env.registry.enter_test_mode(cr, False)
    try:
        rows, facts, portal = screens(env)
        results = {}
        for key, label, ref_label, budget, ours, reference in rows:
            counts = {ours: [], reference: []}

            def counted(func, counts=counts):
                def run():
                    before = cr.sql_log_count
                    func()
                    counts[func].append(cr.sql_log_count - before)

                return run

            for func in (ours, reference):  # warm-up
                env.invalidate_all()
                func()
            ours_s, ref_s, ratio = side_by_side(
                counted(ours), counted(reference), repeat=repeat, between=env.invalidate_all
            )
            results[key] = {
                "label": label,
                "reference": ref_label,
                "budget": budget,
                "ours_s": ours_s,
                "reference_s": ref_s,
                "ratio": ratio,
                "ours_queries": max(counts[ours]),
                "reference_queries": max(counts[reference]),
            }
        portal.close()
    finally:
        env.registry.leave_test_mode()
    return {"screens": results, **facts}


def child(name, db, repeat):
    os.environ.setdefault("ODOO_LOG_LEVEL", "warn")
    with odoo_env(db) as env:
        result = prepare(env) if name == "prepare" else bench_screens(env, repeat)
        env.cr.rollback()
    result["peak_rss_mib"] = peak_rss_mib()
    print("RESULT " + json.dumps(result))


def run_child(name, db, repeat=5):
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name, "--db", db, "--repeat", str(repeat)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"screens {name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


# ----------------------------------------------------------------------
# Orchestration and report
# ----------------------------------------------------------------------
def measure(db, repeat):
    """Prepare the shop (once), compact what that wrote, and time its
    screens in a process of their own."""
    run_child("prepare", db)
    maintenance(db, "VACUUM ANALYZE", "CHECKPOINT")
    return run_child("screens", db, repeat)


def report(opts, command, sizes, results, server):
    """The section written into ``opts.out``, in place of the file's own
    section of the screens (the rest of the file stays); whether every
    screen is within its budget."""
    text, ok = section(opts.repeat, command, sizes, results, server)
    out = Path(opts.out)
    old = out.read_text() if out.exists() else ""
    start = old.find(SECTION)
    if start < 0:
        new = (old.rstrip() + "\n\n" if old else "") + text
    else:
        following = re.search(r"^## ", old[start + len(SECTION) :], re.MULTILINE)
        end = start + len(SECTION) + following.start() if following else len(old)
        new = old[:start] + text + ("\n" + old[end:] if following else "")
    out.write_text(new)
    print(text)
    return ok


def section(repeat, command, sizes, results, server):
    """RESULTS.md's section of the screens, measured on the 1x shop (and
    the 2x one, when given) with ``repeat`` runs each; and whether every
    screen is within its budget."""
    one = results[0]
    two = results[1] if len(results) > 1 else None
    rows = []
    for key, screen in one["screens"].items():
        budget = BUDGETS[screen["budget"]]
        other = two["screens"][key] if two else None
        at_2x = {
            side: f" (2x: {other[side] * 1000:.1f} ms)" if other else ""
            for side in ("ours_s", "reference_s")
        }
        rows.append(
            f"| {screen['label']} (1x), against {screen['reference']} "
            f"| {screen['ours_s'] * 1000:.1f} ms{at_2x['ours_s']} "
            f"| {screen['reference_s'] * 1000:.1f} ms{at_2x['reference_s']} "
            f"| {screen['ratio']:.2f}x | <= {budget}x | {verdict(screen['ratio'] <= budget)} "
            f"| {one['peak_rss_mib']} |"
        )
        if other:
            same = (
                other["ours_queries"] == screen["ours_queries"]
                and other["reference_queries"] == screen["reference_queries"]
            )
            rows.append(
                f"| {screen['label']}, queries at 1x and 2x "
                f"| {screen['ours_queries']} and {other['ours_queries']} "
                f"| {screen['reference_queries']} and {other['reference_queries']} "
                f"| {screen['ours_queries'] / max(screen['reference_queries'], 1):.2f}x "
                f"| the same at 2x | {verdict(same)} | {two['peak_rss_mib']} |"
            )
        else:
            rows.append(
                f"| {screen['label']}, queries (1x only) | {screen['ours_queries']} "
                f"| {screen['reference_queries']} "
                f"| {screen['ours_queries'] / max(screen['reference_queries'], 1):.2f}x "
                f"| the same at 2x | not measured | |"
            )
    data = "; ".join(f"{factor}x = {size}" for factor, size in zip(("1", "2"), sizes, strict=False))
    text = f"""{SECTION}

Written by `{command}` on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.

Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.

PostgreSQL: {server}.

Data: {data}. At 1x, the customer with the most orders has {one["customer_orders"]}
orders and a loyalty card of {one["card_entries"]} ledger entries; the pivots
read the year since {one["since"]}.

Each screen is what the web client asks the server for when it opens
(bench/screens.py): the ORM calls behind its RPCs as the administrator,
or a portal page rendered by Odoo's WSGI application in the benchmark's
process, as the customer. Times are medians of {repeat} runs alternating
with the reference, after a warm-up, the ORM cache emptied before each run;
queries are counted on the database cursor, and must not change with the
number of records; the times at 2x are for reading what grows with the
data, not budgeted. (A page shorter than its limit is not counted:
web_search_read counts only a full page, so a kanban column of fewer than
80 cards, on a small shop, makes one query less.)

| benchmark | ours | reference | ratio | budget | result | peak MiB |
| --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}
"""
    return text, all("**fail**" not in row for row in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100000)
    parser.add_argument("--lines", type=int, default=1000000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")))
    parser.add_argument("--prefix", default="crm_screens")
    parser.add_argument(
        "--db",
        action="append",
        help="a shop generated already (1x, then 2x): prepared in place, not dropped",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated databases (to look into them)"
    )
    parser.add_argument("--child", choices=("prepare", "screens"))
    opts = parser.parse_args()
    if opts.child:
        return child(opts.child, opts.db[0], opts.repeat)
    command = "python3 bench/screens.py " + " ".join(sys.argv[1:])
    if opts.db:
        results = [measure(db, opts.repeat) for db in opts.db]
        ok = report(opts, command, opts.db, results, server_settings(opts.db[0]))
        return 0 if ok else 1
    dbs = [f"{opts.prefix}_1x", f"{opts.prefix}_2x"]
    started = time.perf_counter()

    def progress(text):
        print(f"screens: {text} ({time.perf_counter() - started:.0f} s)", flush=True)

    try:
        progress("creating a database with the addons")
        create_db(dbs[0], OUR_ADDONS)
        duplicate(dbs[0], dbs[1])
        sizes, results = [], []
        for factor, db in enumerate(dbs, start=1):
            progress(f"generating {factor}x data")
            sizes.append(generate(db, opts.customers * factor, opts.lines * factor, opts.seed))
            maintenance(db, f"VACUUM FULL ANALYZE {', '.join(BULK_TABLES)}", "CHECKPOINT")
            progress(f"measuring the screens at {factor}x")
            results.append(measure(db, opts.repeat))
        ok = report(opts, command, sizes, results, server_settings(dbs[0]))
        progress("done")
    finally:
        for db in dbs if not opts.keep else ():
            drop_db(db)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
