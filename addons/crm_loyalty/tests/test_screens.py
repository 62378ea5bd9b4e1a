"""What staff and customers see is true, plain and leads to the next step:
store credit and its worth, one history per card, the customer's loyalty
page, tiers that apply at once, the customer form, goodwill only for the
shop's own delays, and the app's menu and icon."""

import importlib.util
from collections import deque
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from lxml import etree, html

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import format_amount, format_date

from ..tools import points as rules
from .common import LoyaltyCase
from .test_store_credit import StoreCreditCase

ADDON = Path(__file__).resolve().parent.parent
MIGRATION = ADDON / "migrations/18.0.1.0.6/post-migrate.py"


def _rows(page, css_class, path=""):
    """The elements of ``page`` (HTML) with ``css_class``, or under them
    at ``path``."""
    return html.fromstring(page).xpath(
        f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]{path}"
    )


class ScreensCase(LoyaltyCase):
    """The test program with a point name and a reward of 5 for 100 points:
    a point is worth 0.05."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.portal_point_name = "Beans"
        cls.reward.discount = 5
        cls.currency = cls.program.currency_id

    def _money(self, amount):
        return format_amount(self.env, amount, self.currency)


@tagged("post_install", "-at_install")
class TestPointsRulesOfScreens(TransactionCase):
    def test_point_value_is_the_best_fixed_reward(self):
        self.assertEqual(rules.point_value([]), 0.0)
        self.assertEqual(rules.point_value([("percent", 10, 100)]), 0.0)
        self.assertAlmostEqual(
            rules.point_value([("per_order", 5, 100), ("per_point", 0.02, 1), ("percent", 50, 10)]),
            0.05,
        )
        self.assertAlmostEqual(rules.point_value([("per_point", 0.1, 50)]), 0.1)
        self.assertEqual(rules.point_value([("per_order", 5, 0)]), 0.0)

    def test_next_tier_and_digits(self):
        tiers = [(1, 150), (2, 400)]
        self.assertEqual(rules.next_tier(tiers, 100), (1, 50))
        self.assertEqual(rules.next_tier(tiers, 150), (2, 250))
        self.assertEqual(rules.next_tier(tiers, 500), (None, 0.0))
        self.assertEqual((rules.points_digits(120.0), rules.points_digits(51.75)), (0, 2))

    def test_history_groups_an_order_by_kind(self):
        now = fields.Datetime.now()

        def entry(order, kind, points, state="available", minutes=0):
            return {
                "order": order,
                "kind": kind,
                "points": points,
                "state": state,
                "date": now + timedelta(minutes=minutes),
                "expiry_date": False,
                "release_date": False,
                "reason": False,
            }

        lines = rules.group_history(
            [
                entry("S1", "reverse", -10, minutes=3),
                entry("S1", "earn", 60, minutes=1),
                entry("S1", "earn", 40, minutes=1),
                entry(False, "adjust", 5, minutes=2),
                entry(False, "adjust", 7, minutes=0),
                entry("S2", "earn", 30, state="cancelled"),
                entry("S3", "earn", 20, state="pending"),
                entry("S3", "earn", 10),
            ]
        )
        summary = [(ln["order"], ln["kind"], ln["points"], ln["state"]) for ln in lines]
        self.assertEqual(
            summary,
            [
                ("S1", "reverse", -10, "available"),
                (False, "adjust", 5, "available"),
                ("S1", "earn", 100, "available"),
                (False, "adjust", 7, "available"),
                ("S2", "earn", 30, "cancelled"),
                ("S3", "earn", 30, "pending"),
            ],
        )


@tagged("post_install", "-at_install")
class TestStoreCreditWorth(StoreCreditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.portal_point_name = "Beans"
        cls.reward.discount = 5

    def _resolved(self, rate):
        self.program.crm_store_credit_rate = rate
        ret = self._credit_return(self._delivered())
        ret.action_request()
        ret.action_approve()
        self._validate(ret.picking_ids)
        ret.action_done()
        return ret

    def test_new_programs_give_one_point_per_currency_unit(self):
        program = self.env["loyalty.program"].create(
            {"name": "New Club", "program_type": "loyalty"}
        )
        self.assertEqual(program.crm_store_credit_rate, 1.0)
        with self.assertRaisesMessage(ValidationError, "store credit can't be negative"):
            program.crm_store_credit_rate = -1

    def test_programs_older_than_the_addon_give_no_credit(self):
        """Installed on a database with programs, the new column is not
        filled with the default: nobody chose store credit for them."""
        cr = self.env.cr
        cr.execute("ALTER TABLE loyalty_program DROP COLUMN crm_store_credit_rate")
        # What the install runs; its end-of-loading queue exists only then.
        with patch.object(self.registry, "_post_init_queue", deque(), create=True):
            self.env["loyalty.program"]._auto_init()
        self.env["loyalty.program"].invalidate_model(["crm_store_credit_rate"])
        self.assertEqual(self.program.crm_store_credit_rate, 0.0)
        self.assertFalse(self.env.company._crm_store_credit_program())
        new = self.env["loyalty.program"].create({"name": "New Club", "program_type": "loyalty"})
        self.assertEqual(new.crm_store_credit_rate, 1.0)

    def test_message_and_return_say_what_the_credit_is_worth(self):
        ret = self._resolved(0.5175)  # 100 x 0.5175 = 51.75 Beans, at 0.05 each
        expected = f"51.75 Beans ≈ {format_amount(self.env, 2.59, self.program.currency_id)}"
        expected += " of rewards at the current reward"
        self.assertEqual(ret.crm_store_credit_points, 51.75)
        self.assertEqual(ret.crm_store_credit_text, expected)
        messages = ret.message_ids.filtered(lambda m: "Store credit:" in (m.body or ""))
        self.assertEqual(len(messages), 1)
        self.assertIn(expected, html.fromstring(messages.body).text_content())
        self.assertIn(self._card().code, messages.body)
        self.assertEqual(self._ledger(kind="adjust").sale_return_id, ret)

    def test_points_alone_without_a_reward_of_fixed_worth(self):
        self.reward.discount_mode = "percent"
        ret = self._resolved(1)
        self.assertEqual(ret.crm_store_credit_text, "100 Beans")
        messages = ret.message_ids.filtered(lambda m: "Store credit:" in (m.body or ""))
        self.assertIn("Store credit: 100 Beans, on loyalty card", messages.body)
        self.assertNotIn("≈", messages.body)

    def test_back_office_offers_credit_only_where_it_is_given(self):
        for model, fname in (
            ("sale.return", "preferred_resolution"),
            ("sale.return.line", "resolution"),
        ):
            with self.subTest(model=model):
                Model = self.env[model].with_user(self.manager)
                values = [v for v, _label in Model.fields_get([fname])[fname]["selection"]]
                self.assertIn("credit", values)
                self.program.crm_store_credit_rate = 0
                values = [v for v, _label in Model.fields_get([fname])[fname]["selection"]]
                self.assertEqual(values, ["refund", "exchange"])
                self.program.crm_store_credit_rate = 1

    def test_no_message_says_an_addon_is_missing(self):
        for path in ADDON.parent.glob("crm_*/**/*"):
            if path.suffix in (".py", ".xml", ".pot", ".po", ".md", ".rst"):
                with self.subTest(path=path.name):
                    self.assertNotIn("needs the " + "loyalty", path.read_text().lower())

    def test_update_links_older_credit_to_its_return(self):
        ret = self._resolved(1)
        entry = self._ledger(kind="adjust")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE loyalty_ledger SET sale_return_id = NULL WHERE id = %s", (entry.id,)
        )
        spec = importlib.util.spec_from_file_location("crm_loyalty_18_0_1_0_6", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.0.5")
        entry.invalidate_recordset()
        ret.invalidate_recordset()
        self.assertEqual(entry.sale_return_id, ret)
        self.assertEqual(ret.crm_store_credit_points, 100)


@tagged("post_install", "-at_install")
class TestStoreCreditOnTheReturnPage(StoreCreditCase, HttpCase):
    def test_customer_sees_the_credit_and_its_worth(self):
        portal = new_test_user(self.env, login="loy_screen_ret", groups="base.group_portal")
        self.program.write({"crm_store_credit_rate": 1, "portal_point_name": "Beans"})
        self.reward.discount = 5
        order = self._delivered(partner=portal.partner_id)
        ret = self._credit_return(order)
        ret.action_request()
        ret.action_approve()
        self._validate(ret.picking_ids)
        ret.action_done()
        self.authenticate("loy_screen_ret", "loy_screen_ret")
        page = self.url_open(f"/my/returns/{ret.id}").text
        box = _rows(page, "o_return_store_credit")
        self.assertEqual(len(box), 1)
        text = box[0].text_content()
        self.assertIn("100 Beans ≈", text)
        self.assertIn("5.00", text)
        self.assertIn("/my/loyalty", html.tostring(box[0]).decode())


@tagged("post_install", "-at_install")
class TestOneHistoryPerCard(ScreensCase):
    def test_loyalty_cards_show_the_ledger_not_odoos_history_lines(self):
        arch = self.env["loyalty.card"].get_views([(False, "form")])["views"]["form"]["arch"]
        tree = etree.fromstring(arch)
        odoo_page = tree.xpath("//page[field[@name='history_ids']]")[0]
        ledger_page = tree.xpath("//page[@name='crm_ledger']")[0]
        self.assertEqual(odoo_page.get("invisible"), "program_type == 'loyalty'")
        self.assertEqual(ledger_page.get("invisible"), "program_type != 'loyalty'")
        self.assertEqual(ledger_page.get("string"), "History")


@tagged("post_install", "-at_install")
class TestMyLoyaltyPage(ScreensCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, login="loy_screen", groups="base.group_portal")
        cls.program.write(
            {
                "crm_expiry_months": 12,
                "crm_tier_ids": [
                    Command.create({"name": "Silver", "threshold": 50, "multiplier": 1}),
                    Command.create({"name": "Gold", "threshold": 400, "multiplier": 2}),
                ],
            }
        )

    def _page(self):
        self.authenticate("loy_screen", "loy_screen")
        page = self.url_open("/my/loyalty")
        self.assertEqual(page.status_code, 200)
        return page.text

    def test_one_line_per_order_in_the_programs_words(self):
        order = self._loyal_order(
            lines=((self.product, 1), (self.product_small, 2)), partner=self.portal.partner_id
        )
        self.assertEqual(len(self._ledger(order_id=order.id, kind="earn")), 2)
        self._loyal_order(lines=((self.product, 3),))  # someone else's 300 points
        page = self._page()
        rows = _rows(page, "o_loyalty_history", "/tbody/tr")
        self.assertEqual(len(rows), 1)
        cells = [cell.text_content().split() for cell in rows[0].xpath("td")]
        self.assertEqual(cells[1], ["Earned", order.name])
        self.assertEqual(cells[2], ["+150", "Beans"])
        self.assertEqual(cells[3], ["Available"])
        self.assertEqual(rows[0].xpath(".//a")[0].get("href"), order.access_url)
        balance = _rows(page, "o_loyalty_available")[0].text_content()
        self.assertEqual(balance, "150 Beans")
        self.assertNotIn("150.00", page)
        self.assertEqual(len(_rows(page, "o_loyalty_card")), 1)  # not the other customer's
        self.assertIn(
            f"≈ {self._money(7.5)} of rewards at the current reward",
            _rows(page, "o_loyalty_worth")[0].text_content(),
        )

    def test_tier_progress_rewards_and_expiry(self):
        order = self._loyal_order(partner=self.portal.partner_id)  # spend 100: Silver
        card = self._card(self.portal.partner_id)
        self.assertEqual(card.crm_tier_id.name, "Silver")
        deadline = format_date(
            self.env, order.date_order.date() + timedelta(days=365), date_format="medium"
        )
        expiry = format_date(
            self.env, self._ledger(order_id=order.id).expiry_date, date_format="medium"
        )
        page = self._page()
        self.assertEqual(_rows(page, "o_loyalty_tier")[0].text_content(), "Silver")
        self.assertEqual(
            _rows(page, "o_loyalty_tier_next")[0].text_content(),
            f"Spend {self._money(300)} more before {deadline} to reach Gold.",
        )
        self.assertEqual(
            " ".join(_rows(page, "o_loyalty_expiries", "/li")[0].text_content().split()),
            f"100 Beans expire on {expiry}",
        )
        # 100 Beans pay for the reward, and no dearer one waits.
        rewards = _rows(page, "o_loyalty_rewards", "/li")
        self.assertEqual(len(rewards), 1)
        self.assertIn(self.reward.description, rewards[0].text_content())
        self.assertIn("(100 Beans)", rewards[0].text_content())
        self.assertFalse(_rows(page, "o_loyalty_next_reward"))

    def test_points_measure_and_next_reward(self):
        self.program.crm_tier_measure = "points"
        self.reward.required_points = 120
        self._loyal_order(partner=self.portal.partner_id)
        page = self._page()
        self.assertIn(
            "Earn 300 Beans more before", _rows(page, "o_loyalty_tier_next")[0].text_content()
        )
        self.assertEqual(_rows(page, "o_loyalty_rewards")[0].text_content(), "None yet.")
        self.assertEqual(
            _rows(page, "o_loyalty_next_reward")[0].text_content(),
            f"Earn 20 Beans more for: {self.reward.description}",
        )

    def test_odoos_card_dialog_and_history_page_read_the_ledger(self):
        self._loyal_order(
            lines=((self.product, 1), (self.product_small, 2)), partner=self.portal.partner_id
        )
        card = self._card(self.portal.partner_id)
        self.authenticate("loy_screen", "loy_screen")
        values = self.make_jsonrpc_request(f"/my/loyalty_card/{card.id}/values", {})
        self.assertEqual(len(values["history_lines"]), 1)
        self.assertEqual(values["history_lines"][0]["points"], "+150 Beans")
        self.assertTrue(values["history_lines"][0]["description"].startswith("Earned · S"))
        page = self.url_open(f"/my/loyalty_card/{card.id}/history", allow_redirects=False)
        self.assertEqual(page.status_code, 303)
        self.assertTrue(page.headers["Location"].endswith("/my/loyalty"))

    def test_another_customers_card_is_not_shown(self):
        self._loyal_order(lines=((self.product, 3),))
        other = self._card()
        self.authenticate("loy_screen", "loy_screen")
        values = self.make_jsonrpc_request(f"/my/loyalty_card/{other.id}/values", {})
        self.assertEqual(values, {})
        self.assertFalse(_rows(self._page(), "o_loyalty_card"))


@tagged("post_install", "-at_install")
class TestTiersApplyAtOnce(ScreensCase):
    def setUp(self):
        super().setUp()
        self._loyal_order(lines=((self.product, 2),))  # spend 200, no tier yet
        self.card = self._card()
        self.assertFalse(self.card.crm_tier_id)

    def test_a_saved_tier_applies_to_existing_cards(self):
        self.program.with_user(self.manager).write(
            {
                "crm_tier_ids": [
                    Command.create({"name": "Silver", "threshold": 150, "multiplier": 1.5}),
                    Command.create({"name": "Gold", "threshold": 400, "multiplier": 2}),
                ]
            }
        )
        self.assertEqual(self.card.crm_tier_id.name, "Silver")
        mail = self.env["mail.mail"].search(
            [
                ("subject", "=", "Welcome to Silver!"),
                ("model", "=", "loyalty.card"),
                ("res_id", "=", self.card.id),
            ]
        )
        self.assertEqual(len(mail), 1)
        gold = self.program.crm_tier_ids.filtered(lambda t: t.name == "Gold")
        gold.with_user(self.manager).threshold = 200
        self.assertEqual(self.card.crm_tier_id, gold)

    def test_one_evaluation_per_save(self):
        Program = type(self.env["loyalty.program"])
        with patch.object(Program, "_crm_apply_tiers", autospec=True) as apply:
            self.program.write(
                {
                    "crm_tier_ids": [
                        Command.create({"name": "Silver", "threshold": 150, "multiplier": 1}),
                        Command.create({"name": "Gold", "threshold": 400, "multiplier": 2}),
                    ]
                }
            )
        self.assertEqual(apply.call_count, 1)

    def test_a_higher_threshold_waits_for_the_grace_period(self):
        self.program.crm_tier_ids = [
            Command.create({"name": "Silver", "threshold": 150, "multiplier": 1})
        ]
        silver = self.card.crm_tier_id
        self.assertEqual(silver.name, "Silver")
        silver.threshold = 500
        self.assertEqual(self.card.crm_tier_id, silver)
        self.assertFalse(self.card.crm_tier_below_since)

    def test_apply_tiers_now(self):
        self.program.crm_tier_ids = [
            Command.create({"name": "Silver", "threshold": 150, "multiplier": 1})
        ]
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE loyalty_card SET crm_tier_id = NULL WHERE id = %s", [self.card.id]
        )
        self.card.invalidate_recordset()
        with self.assertRaises(AccessError):
            self.program.with_user(self.loyalty_user).action_crm_apply_tiers()
        action = self.program.with_user(self.manager).action_crm_apply_tiers()
        self.assertEqual(action["params"]["message"], "Cards moved up a tier: 1.")
        self.assertEqual(self.card.crm_tier_id.name, "Silver")
        action = self.program.with_user(self.manager).action_crm_apply_tiers()
        self.assertIn("already has the tier", action["params"]["message"])


@tagged("post_install", "-at_install")
class TestCustomerForm(ScreensCase):
    def test_points_and_tier_at_a_glance_for_loyalty_users(self):
        self.program.crm_tier_ids = [
            Command.create({"name": "Silver", "threshold": 50, "multiplier": 1})
        ]
        self._loyal_order()
        employee = new_test_user(self.env, login="loy_screen_emp", groups="base.group_user")
        Partner = self.env["res.partner"]
        arch = Partner.with_user(self.loyalty_user).get_views([(False, "form")])["views"]
        tree = etree.fromstring(arch["form"]["arch"])
        button = tree.xpath("//button[@name='action_view_loyalty_ledger']")
        self.assertEqual(len(button), 1)
        badge = tree.xpath("//div[contains(@class, 'oe_title')]/field[@name='loyalty_tier_id']")
        self.assertEqual(badge[0].get("widget"), "badge")
        arch = Partner.with_user(employee).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("loyalty_tier_id", arch)
        self.assertNotIn("action_view_loyalty_ledger", arch)
        customer = self.customer.with_user(self.loyalty_user)
        self.assertEqual(customer.loyalty_points_display, "100")
        self.assertEqual(customer.loyalty_point_name, "Beans")
        self.assertEqual(customer.loyalty_tier_id.name, "Silver")
        action = customer.action_view_loyalty_ledger()
        self.assertEqual(action["res_model"], "loyalty.ledger")
        # The tier's change is told on the card, which the employee can't read,
        # not in the customer's chatter, which they can.
        change = "Loyalty tier of Test Club: none → Silver"
        card = self._card()
        told = card.with_user(self.loyalty_user).message_ids.filtered(lambda m: change in m.body)
        self.assertEqual(len(told), 1)
        self.assertEqual(told.message_type, "notification")
        messages = self.customer.with_user(employee).message_ids
        self.assertFalse(messages.filtered(lambda m: "Silver" in m.body))
        with self.assertRaises(AccessError):
            card.with_user(employee).message_ids  # noqa: B018

    def test_the_point_name_comes_translated_with_the_figures(self):
        """The stat button's point name is the program's, in the reader's
        language, read by the figures' own statement (no read of the
        programs)."""
        self._loyal_order()
        self.env["res.lang"]._activate_lang("fr_FR")
        self.program.with_context(lang="fr_FR").portal_point_name = "Grains"
        self.env.flush_all()
        customer = self.customer.with_user(self.loyalty_user)
        self.assertEqual(customer.loyalty_points_display, "100")
        customer.invalidate_recordset()
        # The figures' statement and a read of the reader's company; a read
        # of the programs on top of them before.
        with self.assertQueryCount(2):
            self.assertEqual(customer.loyalty_point_name, "Beans")
        self.assertEqual(customer.with_context(lang="fr_FR").loyalty_point_name, "Grains")

    def test_back_office_views_load(self):
        for model, user in (
            ("loyalty.program", self.manager),
            ("loyalty.card", self.manager),
            ("loyalty.ledger", self.loyalty_user),
            ("loyalty.tier", self.manager),
            ("res.partner", self.loyalty_user),
            ("sale.return", self.manager),
            ("sale.fulfillment.stage", self.manager),
        ):
            with self.subTest(model=model):
                views = (
                    self.env[model].with_user(user).get_views([(False, "list"), (False, "form")])
                )
                self.assertTrue(views["views"]["form"]["arch"])


@tagged("post_install", "-at_install")
class TestGoodwillForTheShopsDelaysOnly(ScreensCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.crm_goodwill_points = 10

    def _late_in(self, code, customer_turn=False):
        stage = self.stages[code]
        stage.customer_turn = customer_turn
        order = self._loyal_order()
        order.write({"fulfillment_late": True, "fulfillment_late_stage_id": stage.id})
        order._on_fulfillment_late()
        return self._ledger(order_id=order.id, kind="goodwill")

    def test_no_goodwill_while_waiting_for_the_customers_payment(self):
        self.assertFalse(self._late_in("awaiting_payment"))

    def test_no_goodwill_in_a_stage_where_it_is_the_customers_turn(self):
        self.assertFalse(self._late_in("ready", customer_turn=True))

    def test_goodwill_for_the_shops_own_delay(self):
        self.assertEqual(self._late_in("ready").mapped("points"), [10.0])
        self.assertInvariant()


@tagged("post_install", "-at_install")
class TestMenuAndIcon(TransactionCase):
    def test_loyalty_comes_after_orders(self):
        root = self.env.ref("sale.sale_menu_root")
        children = root.child_id.sorted(lambda m: (m.sequence, m.id))
        names = [m.get_external_id()[m.id] for m in children]
        self.assertLess(
            names.index("sale.sale_order_menu"), names.index("crm_loyalty.menu_loyalty_root")
        )
        self.assertLess(
            names.index("crm_loyalty.menu_loyalty_root"), names.index("sale.menu_sale_invoicing")
        )

    def test_the_app_has_an_icon(self):
        icon = ADDON / "static/description/icon.png"
        self.assertEqual(icon.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        module = self.env["ir.module.module"].search([("name", "=", "crm_loyalty")])
        self.assertEqual(module.icon, "/crm_loyalty/static/description/icon.png")
