"""Demo data only: two years of a coffee web shop's orders, for customers
meant to land in every RFM segment, with churned regulars to win back and
pairs of products bought together. Called once by demo/shop_history_demo.xml;
deterministic (fixed seed and lists), dated from the day it is loaded."""

import json
import random
from datetime import datetime, time, timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

SEED = 1808

# (key, name, city, country code, orders, marketing consent). ``orders``: the
# days ago of each order, or (first, last, count) for ``count`` orders spread
# from ``first`` to ``last`` days ago. The comment says the segment the
# history is meant for: recency ranks the last order among the customers'
# distinct last order days, frequency counts the orders of the last 365 days
# (see res_partner_rfm.py).
CUSTOMERS = [
    # Champions: recent and frequent.
    ("sofia", "Sofia Lindgren", "Stockholm", "se", (355, 2, 12), True),
    ("mateo", "Mateo Fernández", "Madrid", "es", (700, 5, 19), True),
    ("yuki", "Yuki Sato", "Osaka", "jp", (330, 9, 11), True),
    ("bruno", None, None, None, (500, 40, 13), True),  # and his order of 8 days ago
    # Loyal: frequent, a little less recent.
    ("olivia", "Olivia Brown", "Bristol", "gb", (350, 45, 12), True),
    ("lukas", "Lukas Weber", "Munich", "de", (600, 55, 15), True),
    ("emma", "Emma Dubois", "Bordeaux", "fr", (340, 62, 9), False),
    # Potential loyalists: recent, a few orders.
    ("amara", "Amara Okafor", "Lagos", "ng", (150, 4, 4), True),
    ("jonas", "Jonas Berg", "Oslo", "no", (200, 12, 6), True),
    ("isabella", "Isabella Rossi", "Turin", "it", (90, 18, 3), False),
    ("aisha", "Aisha Rahman", "Birmingham", "gb", (250, 20, 7), True),
    ("alba", None, None, None, [255, 190, 75], True),  # and her orders of 120 and 30 days ago
    # New: one order, days ago.
    ("leo", "Leo Novak", "Prague", "cz", [1], True),
    ("mia", "Mia Jensen", "Aarhus", "dk", [6], False),
    ("ethan", "Ethan Clarke", "Dublin", "ie", [3], True),
    ("kenji", "Kenji Watanabe", "Kyoto", "jp", [0], False),
    # Promising: one order, weeks ago.
    ("zoe", "Zoe Papadopoulos", "Athens", "gr", [16], True),
    ("hugo", "Hugo Martins", "Lisbon", "pt", [22], False),
    ("nora", "Nora Virtanen", "Helsinki", "fi", [27], True),
    # Need attention: regular, not seen for two months.
    ("felix", "Felix Wagner", "Vienna", "at", (300, 48, 6), True),
    ("clara", "Clara Jansen", "Utrecht", "nl", (260, 66, 5), True),
    ("daniel", "Daniel Cohen", "Haifa", "il", (330, 75, 7), False),
    # About to sleep: few orders, not seen for two months.
    ("lena", "Lena Hoffmann", "Cologne", "de", [52], True),
    ("samuel", "Samuel Osei", "Accra", "gh", [120, 58], False),
    ("ana", "Ana Costa", "Porto", "pt", [200, 130, 70], True),
    # At risk: used to order every month, silent for months (churned).
    ("oliver", "Oliver Smith", "Manchester", "gb", (600, 130, 14), True),
    ("chiara", "Chiara Bianchi", "Milan", "it", (500, 160, 10), True),
    ("max", "Max Müller", "Hamburg", "de", (420, 110, 9), True),  # withdraws it later
    ("ingrid", "Ingrid Olsen", "Bergen", "no", (380, 180, 8), False),
    # Can't lose: ordered every week or two, nothing for most of a year.
    ("pierre", "Pierre Laurent", "Paris", "fr", (355, 285, 9), True),
    ("hana", "Hana Kim", "Busan", "kr", (352, 300, 8), True),
    ("tom", "Tom Evans", "Cardiff", "gb", (350, 275, 10), False),
    # Hibernating: a few orders, long ago.
    ("eva", "Eva Horvat", "Zagreb", "hr", [220], True),
    ("rafael", "Rafael Silva", "Porto Alegre", "br", [400, 240], False),
    ("julia", "Julia Nowak", "Krakow", "pl", [330, 265, 200], True),
    # Lost: one or two orders, more than a year ago.
    ("george", "George Miller", "Boston", "us", [420], False),
    ("laura", "Laura Schmid", "Bern", "ch", [700, 520], True),
    ("victor", "Victor Petrov", "Plovdiv", "bg", [610], False),
]

# What customers buy together: (weight, [(product key, min qty, max qty,
# chance)]). The pairs inside a basket are the shop's "bought together".
BASKETS = [
    (30, [("beans", 1, 3, 1.0), ("filters", 1, 2, 0.4)]),
    (8, [("grinder", 1, 1, 1.0), ("beans", 1, 2, 1.0), ("filters", 1, 1, 0.3)]),
    (5, [("espresso_machine", 1, 1, 1.0), ("frother", 1, 1, 0.9), ("descaler", 1, 2, 0.6)]),
    (6, [("descaler", 1, 2, 1.0), ("espresso_cups", 1, 1, 0.7)]),
    (8, [("mug", 2, 4, 1.0), ("espresso_cups", 1, 1, 0.8), ("tumbler", 1, 1, 0.3)]),
    (8, [("french_press", 1, 1, 1.0), ("beans", 1, 1, 1.0)]),
    (10, [("single_origin", 1, 2, 1.0), ("mug", 1, 2, 0.4)]),
    (6, [("decaf", 1, 2, 1.0), ("beans", 1, 1, 0.8)]),
    (5, [("tumbler", 1, 1, 1.0), ("beans", 1, 1, 0.7)]),
]

# The orders of the demo XML (confirmed there), shipped with the others.
XML_ORDERS = ("alba_1", "alba_2", "bruno_1")

# Open quotations of known customers, on which the Suggestions tab shows what
# goes with their products: (customer key, [(product key, qty)]).
QUOTATIONS = [
    ("sofia", [("espresso_machine", 1)]),
    ("leo", [("french_press", 1)]),
    ("olivia", [("grinder", 1)]),
]


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model
    def _crm_demo_order_history(self):
        """The shop's customers and two years of their orders, confirmed
        through Odoo's flow, then dated when they were placed (confirming
        dates an order now) and, where Inventory is installed, shipped a day
        or two later."""
        rng = random.Random(SEED)
        now = fields.Datetime.now()
        env = self.with_context(tracking_disable=True, mail_create_nolog=True).env
        products = {
            key: env.ref(f"crm_ecommerce.product_{key}_demo")
            for key in {item[0] for _weight, items in BASKETS for item in items}
        }
        salespeople = [env.ref("base.user_admin"), env.ref("base.user_demo")]
        partners = self._crm_demo_customers(env, salespeople)
        vals_list, dates = [], []
        for index, (key, *_rest, history, _consent) in enumerate(CUSTOMERS):
            for days in self._crm_demo_days(history, rng):
                dates.append(self._crm_demo_moment(now, days, rng))
                vals_list.append(
                    {
                        "partner_id": partners[key].id,
                        "user_id": salespeople[index % 2].id,
                        "order_line": self._crm_demo_basket(products, rng),
                    }
                )
        orders = env["sale.order"].create(vals_list)
        orders.action_confirm()
        for order, date in zip(orders, dates, strict=True):
            order.date_order = date
        self._crm_demo_backdate_creation(orders, rng)
        if "picking_ids" in orders._fields:
            xml_orders = self.browse(
                [env.ref(f"crm_ecommerce.sale_order_{key}_demo").id for key in XML_ORDERS]
            )
            self._crm_demo_ship(orders | xml_orders, now, rng)
        quotes = env["sale.order"].create(
            [
                {
                    "partner_id": partners[key].id,
                    "user_id": salespeople[0].id,
                    "order_line": [
                        Command.create({"product_id": products[p].id, "product_uom_qty": qty})
                        for p, qty in lines
                    ],
                }
                for key, lines in QUOTATIONS
            ]
        )
        return orders | quotes

    @api.model
    def _crm_demo_customers(self, env, salespeople):
        """{key: partner}: the demo XML's customers and the others, created
        here with an xmlid each (crm_ecommerce.partner_<key>_demo), as the
        XML would."""
        consent_date = fields.Datetime.now() - timedelta(days=400)
        codes = {country.upper() for *_rest, country, _orders, _consent in CUSTOMERS if country}
        countries = {c.code: c for c in env["res.country"].search([("code", "in", list(codes))])}
        records = []
        for index, (key, name, city, country, _orders, consent) in enumerate(CUSTOMERS):
            if name is None:
                continue
            email = name.lower().replace(" ", ".")
            records.append(
                {
                    "xml_id": f"crm_ecommerce.partner_{key}_demo",
                    "noupdate": True,
                    "values": {
                        "name": name,
                        "email": f"{email}@example.com",
                        "city": city,
                        "country_id": countries[country.upper()].id,
                        "user_id": salespeople[index % 2].id,
                        "marketing_consent": consent,
                        "marketing_consent_date": consent_date if consent else False,
                        "marketing_consent_source": "form" if consent else False,
                    },
                }
            )
        env["res.partner"]._load_records(records)
        return {key: env.ref(f"crm_ecommerce.partner_{key}_demo") for key, *_rest in CUSTOMERS}

    @api.model
    def _crm_demo_days(self, history, rng):
        """The days ago of a customer's orders, oldest first: the list, or
        ``count`` orders from ``first`` to ``last`` days ago, the ones in
        between a little irregular."""
        if isinstance(history, list):
            return sorted(history, reverse=True)
        first, last, count = history
        step = (first - last) / (count - 1)
        return [
            first - step * i + (rng.uniform(-0.25, 0.25) * step if 0 < i < count - 1 else 0)
            for i in range(count)
        ]

    @api.model
    def _crm_demo_moment(self, now, days, rng):
        """A shop's hour (8:00 to 21:59) ``days`` days ago; earlier today
        for today's."""
        day = (now - timedelta(days=days)).date()
        moment = datetime.combine(day, time(rng.randint(8, 21), rng.randint(0, 59)))
        return min(moment, now - timedelta(hours=1, minutes=rng.randint(0, 59)))

    @api.model
    def _crm_demo_basket(self, products, rng):
        weights = [weight for weight, _items in BASKETS]
        items = rng.choices([items for _weight, items in BASKETS], weights=weights)[0]
        return [
            Command.create(
                {"product_id": products[key].id, "product_uom_qty": rng.randint(low, high)}
            )
            for key, low, high, chance in items
            if rng.random() < chance
        ]

    @api.model
    def _crm_demo_backdate_creation(self, orders, rng):
        """Quotations are made a little before they are confirmed: from
        minutes (the web checkout) to a day."""
        self.env.flush_all()
        created = [
            (
                order.id,
                str(order.date_order - timedelta(minutes=rng.choice([3, 12, 45, 300, 1400]))),
            )
            for order in orders
        ]
        self.env.cr.execute(
            SQL(
                "UPDATE sale_order so SET create_date = (v.e->>1)::timestamp"
                " FROM jsonb_array_elements(%s::jsonb) AS v(e) WHERE so.id = (v.e->>0)::int",
                json.dumps(created),
            )
        )
        orders.invalidate_recordset(["create_date"])

    @api.model
    def _crm_demo_ship(self, orders, now, rng):
        """Inventory is installed: the history's deliveries left the
        warehouse within a day of the order, and are dated so."""
        pickings = orders.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        pickings.with_context(skip_backorder=True).button_validate()
        shipped = []
        for picking in pickings:
            order_date = picking.sale_id.date_order
            delay = timedelta(hours=rng.randint(4, 24))
            shipped.append((picking, min(order_date + delay, order_date + (now - order_date) / 2)))
        self.env.flush_all()
        # The transfers, their moves and move lines, done on those dates.
        self.env.cr.execute(
            SQL(
                """
                WITH v AS (
                    SELECT (e->>0)::int AS id, (e->>1)::timestamp AS date
                      FROM jsonb_array_elements(%s::jsonb) AS e
                ),
                pickings AS (
                    UPDATE stock_picking p
                       SET date_done = v.date, scheduled_date = v.date, date_deadline = NULL
                      FROM v WHERE p.id = v.id
                ),
                moves AS (
                    UPDATE stock_move m SET date = v.date FROM v WHERE m.picking_id = v.id
                )
                UPDATE stock_move_line ml SET date = v.date FROM v WHERE ml.picking_id = v.id
                """,
                json.dumps([(picking.id, str(date)) for picking, date in shipped]),
            )
        )
        self.env.invalidate_all()
        if "effective_date" in orders._fields:
            self.env.add_to_compute(orders._fields["effective_date"], orders)
            orders._recompute_recordset(["effective_date"])
