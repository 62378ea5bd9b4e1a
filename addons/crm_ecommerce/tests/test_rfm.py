from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..tools import pg, scoring
from .common import IntelligenceCase


@tagged("post_install", "-at_install")
class TestRfm(IntelligenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a, cls.b, cls.c, cls.d, cls.e = (cls._customer(f"RFM {n}") for n in "ABCDE")

    def _crafted(self):
        # (customer, days ago of each order, amount of each order)
        for partner, days, amount in (
            (self.a, (5, 15, 25, 35, 45), 100),
            (self.b, (30, 60, 90, 120), 80),
            (self.c, (90, 150, 210), 60),
            (self.d, (200, 300), 40),
            (self.e, (400,), 20),
        ):
            for day in days:
                self._order(partner, days_ago=day, amount=amount)

    def test_known_quintiles_segments_and_scores(self):
        self._crafted()
        self.assertEqual(self.env["res.partner"]._rfm_recompute_company(), 5)
        expected = {
            self.a: (5, 5, 5, "champions", 80),
            self.b: (4, 4, 4, "champions", 60),
            self.c: (3, 3, 3, "needs_attention", 40),
            self.d: (2, 2, 2, "hibernating", 20),
            self.e: (1, 1, 1, "lost", 0),
        }
        for partner, (r, f, m, segment, score) in expected.items():
            with self.subTest(partner=partner.name):
                self.assertEqual(
                    (
                        partner.rfm_recency_score,
                        partner.rfm_frequency_score,
                        partner.rfm_monetary_score,
                    ),
                    (r, f, m),
                )
                self.assertEqual(partner.rfm_segment, segment)
                self.assertEqual(partner.customer_score, score)
                self.assertBreakdownAddsUp(partner, score)
        self.assertEqual(self.a.rfm_frequency, 5)
        self.assertEqual(self.a.rfm_monetary, 500)
        self.assertEqual(self.e.rfm_frequency, 0)  # outside the 365-day window
        self.assertIn("last order on", self.a.score_factor_ids[0].name)
        self.assertEqual(self.a.rfm_recency_days, 5)
        snapshot = self.a.score_snapshot_ids
        self.assertEqual((snapshot.score, snapshot.segment), (80, "champions"))
        # Sorted and searched in SQL on the figures, as a stored field.
        customers = self.a + self.b + self.c + self.d + self.e
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner.search([("id", "in", customers.ids)], order="customer_score desc").ids,
            customers.ids,
        )
        self.assertEqual(
            Partner.search([("id", "in", customers.ids), ("customer_score", ">=", 40)]),
            self.a + self.b + self.c,
        )
        self.assertEqual(
            Partner.search([("id", "in", customers.ids), ("rfm_segment", "!=", "champions")]),
            self.c + self.d + self.e,
        )

    def test_the_trend_keeps_each_month_and_the_current_one(self):
        """A run shows this month's score in the trend without storing it
        twice; the first run of the next month keeps the month that ended
        (as it was last computed) and shows the new one beside it, for the
        customers it rewrites and those it leaves unchanged alike."""
        History = self.env["crm.customer.score.history"]
        Partner = self.env["res.partner"]
        both = self.a + self.b

        def trend(partner):
            return partner.score_snapshot_ids.mapped(
                lambda snap: (str(snap.month), snap.segment, snap.score)
            )

        with freeze_time("2026-03-10 10:00:00"):
            self._order(self.a, amount=100)
            self._order(self.b, amount=50)
            Partner._rfm_recompute_company()
            march = {p: ("2026-03-01", p.rfm_segment, p.customer_score) for p in both}
            self.assertFalse(History.search_count([("partner_id", "in", both.ids)]))
            for partner in both:
                self.assertEqual(trend(partner), [march[partner]])
        with freeze_time("2026-04-02 10:00:00"):
            self._order(self.b, amount=500)
            Partner._rfm_recompute_company()
            self.env.invalidate_all()
            for partner in both:
                with self.subTest(partner=partner.name):
                    now = ("2026-04-01", partner.rfm_segment, partner.customer_score)
                    self.assertEqual(trend(partner), [now, march[partner]])
            # The one whose figures changed was kept as it was in March.
            self.assertNotEqual(march[self.b][2], self.b.customer_score)
            self.assertEqual(History.search_count([("partner_id", "in", both.ids)]), 2)
            # A second run of the month keeps nothing more.
            Partner._rfm_recompute_company()
            self.assertEqual(History.search_count([("partner_id", "in", both.ids)]), 2)

    def test_a_customer_without_orders_any_more_loses_score_and_breakdown(self):
        order = self._order(self.a, days_ago=5, amount=100)
        self._order(self.b, days_ago=5, amount=50)
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._rfm_recompute_company(), 2)
        self.assertTrue(self.a.rfm_segment)
        self.assertTrue(self.a.score_factor_ids)
        order._action_cancel()
        self.assertEqual(Partner._rfm_recompute_company(), 1)
        self.assertEqual((self.a.rfm_segment, self.a.customer_score), (False, 0))
        self.assertFalse(self.a.score_factor_ids)
        self.assertTrue(self.b.score_factor_ids)  # the others keep theirs

    def test_refunds_are_deducted(self):
        self._crafted()
        sold = self.env["sale.order"].search([("partner_id", "=", self.a.id)], limit=1).order_line
        refunds = self.env["account.move"].create(
            [
                {
                    "move_type": "out_refund",
                    "partner_id": self.a.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Refund",
                                "quantity": 1,
                                "price_unit": price,
                                "tax_ids": [],
                                "sale_line_ids": [Command.set(lines.ids)],
                            }
                        )
                    ],
                }
                for price, lines in ((150, sold[:1]), (1000, sold.browse()))
            ]
        )
        refunds.action_post()
        self.env["res.partner"]._rfm_recompute_company()
        # The refund of sold goods is deducted; a credit note of an invoice
        # made without an order is not (revenue counts orders).
        self.assertEqual(self.a.rfm_monetary, 350)

    def test_customer_rules_with_group_caps(self):
        self._crafted()
        group = self.env["crm.scoring.group"].create({"name": "Engagement", "cap": 15})
        Rule = self.env["crm.scoring.rule"]
        Rule.create(
            {
                "name": "Newsletter reader",
                "target": "partner",
                "points": 10,
                "group_id": group.id,
                "domain": f"[('id', 'in', {[self.a.id, self.c.id]})]",
            }
        )
        Rule.create(
            {
                "name": "Reviewer",
                "target": "partner",
                "points": 10,
                "group_id": group.id,
                "domain": f"[('id', '=', {self.a.id})]",
            }
        )
        Rule.create(
            {
                "name": "Chargeback",
                "target": "partner",
                "points": -30,
                "domain": f"[('id', '=', {self.e.id})]",
            }
        )
        self.env["res.partner"]._rfm_recompute_company()
        self.assertEqual(self.a.customer_score, 80 + 15)
        self.assertIn("Engagement: capped at 15", self.a.score_factor_ids.mapped("name"))
        self.assertEqual(self.c.customer_score, 40 + 10)
        self.assertEqual(self.e.customer_score, 0)
        for partner in (self.a, self.c, self.e):
            self.assertBreakdownAddsUp(partner, partner.customer_score)

    def test_rfm_is_per_company(self):
        self._crafted()
        other = self.env["res.company"].create({"name": "RFM Other Shop"})
        self.env.user.company_ids = [Command.link(other.id)]
        stranger = self._customer("RFM Stranger")
        self._order(stranger, days_ago=3, amount=999, company=other)
        self.env["res.partner"]._rfm_recompute_company()
        self.env["res.partner"].with_company(other)._rfm_recompute_company()
        self.assertFalse(stranger.rfm_segment)
        # Alone with one order: as recent as can be, lowest of the rest.
        self.assertEqual(stranger.with_company(other).rfm_segment, "new")
        self.assertFalse(self.a.with_company(other).rfm_segment)
        self.assertEqual(self.a.rfm_segment, "champions")
        self.assertFalse(
            self.env["res.partner"].search([("rfm_segment", "!=", False), ("id", "=", stranger.id)])
        )

    def test_conditions_on_figures_read_the_row_once(self):
        """The Insights kanban's column (the action's "has a segment" and
        the column's segment): one join of the company's row, whatever the
        number of conditions; with "or" and "not", the same customers."""
        self._crafted()
        Partner = self.env["res.partner"]
        Partner._rfm_recompute_company()
        other = self.env["res.company"].create({"name": "RFM Figures Elsewhere"})
        self.env.user.company_ids = [Command.link(other.id)]
        self._order(self.d, days_ago=1, amount=500, company=other)
        Partner.with_company(other)._rfm_recompute_company()
        none = self._customer("RFM No Figures")
        customers = self.a + self.b + self.c + self.d + self.e + none
        mine = [("id", "in", customers.ids)]
        column = [("rfm_segment", "!=", False), ("rfm_segment", "=", "champions")]
        query = Partner._search(mine + column)
        self.assertEqual(query.select().code.count("crm_customer_figures"), 1)
        self.assertEqual(Partner.search(mine + column), self.a + self.b)
        self.assertEqual(Partner.search_count(mine + column), 2)
        # Where a customer without figures meets the condition (no churn
        # risk, a score below 50, as Odoo reads a number that is not set),
        # the customer is found, in ANDs as in ORs.
        self.assertEqual(
            Partner.search([*mine, ("churn_risk", "=", False), ("customer_score", "<", 50)]),
            self.c + self.d + self.e + none,
        )
        self.assertEqual(
            Partner.search([*mine, "|", ("customer_score", "<", 50), ("id", "=", 0)]),
            self.c + self.d + self.e + none,
        )
        self.assertEqual(Partner.search([*mine, ("churn_risk", "=", False)]), customers)
        self.assertEqual(
            Partner.search(
                [*mine, "|", ("rfm_segment", "=", "lost"), ("customer_score", ">=", 60)]
            ),
            self.a + self.b + self.e,
        )
        self.assertEqual(
            Partner.search([*mine, "!", ("rfm_segment", "=", "champions")]),
            self.c + self.d + self.e + none,
        )
        # Read on the current company's row: d is new in the other shop.
        self.assertEqual(Partner.with_company(other).search(mine + column), Partner)
        self.assertEqual(
            Partner.with_company(other).search([*mine, ("rfm_segment", "=", "new")]), self.d
        )
        groups = Partner.read_group(mine + column, ["customer_score:sum"], ["rfm_segment"])
        champions = [group for group in groups if group["rfm_segment"] == "champions"]
        self.assertEqual(
            (champions[0]["rfm_segment_count"], champions[0]["customer_score"]), (2, 140)
        )

    def _rfm_queries(self):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        self.env["res.partner"]._rfm_recompute_company()
        return self.cr.sql_log_count - before

    def test_every_segment_has_its_kanban_column(self):
        self._crafted()
        self.env["res.partner"]._rfm_recompute_company()
        groups = (
            self.env["res.partner"]
            .with_user(self.salesman)
            .read_group([("rfm_segment", "!=", False)], ["customer_score:avg"], ["rfm_segment"])
        )
        self.assertEqual(
            [group["rfm_segment"] for group in groups], [code for code, _l in scoring.SEGMENTS]
        )
        counts = {group["rfm_segment"]: group["rfm_segment_count"] for group in groups}
        self.assertEqual((counts["champions"], counts["lost"], counts["loyal"]), (2, 1, 0))

    def test_query_count_does_not_grow_with_customers(self):
        self.env["crm.scoring.rule"].create(
            {"name": "Any", "target": "partner", "points": 1, "domain": "[]"}
        )
        self._crafted()
        self._rfm_queries()
        self._order(self.e, days_ago=1, amount=5)  # something to write, as in the measure below
        five = self._rfm_queries()
        for i in range(45):
            self._order(self._customer(f"RFM Bulk {i}"), days_ago=i, amount=10 + i)
        fifty = self._rfm_queries()
        self.assertEqual(fifty, five)

    def test_aggregates_get_their_settings_and_give_them_back(self):
        """The nightly aggregates run with more work_mem and without JIT, and
        the transaction gets its own settings back afterwards."""
        cr = self.env.cr

        def settings():
            cr.execute("SELECT current_setting('work_mem'), current_setting('jit')")
            return cr.fetchone()

        before = settings()
        with pg.aggregate_settings(cr):
            self.assertEqual(settings(), ("64MB", "off"))
        self.assertEqual(settings(), before)
        self._crafted()
        self.assertEqual(self.env["res.partner"]._rfm_recompute_company(), 5)
        self.env["crm.product.affinity"]._refresh(min_support=1)
        self.assertEqual(settings(), before)


@tagged("post_install", "-at_install")
class TestChurnAndConsent(IntelligenceCase):
    def test_churn_risk_and_one_winback_per_episode(self):
        consenting = self._customer("Churn Yes", marketing_consent=True, user_id=self.salesman.id)
        silent = self._customer("Churn No")
        with freeze_time("2026-01-01 10:00:00"):
            for partner in (consenting, silent):
                for day in (40, 30, 20):
                    self._order(partner, days_ago=day)
        with freeze_time("2026-01-15 10:00:00"):  # 34 days since the last, usual gap 10
            self.env["res.partner"]._rfm_recompute_company()
        self.assertTrue(consenting.churn_risk)
        self.assertTrue(silent.churn_risk)
        self.assertEqual(consenting.rfm_order_gap, 10)
        leads = self.env["res.partner"]._crm_open_winbacks()
        self.assertEqual(leads.partner_id, consenting)  # no consent, no win-back
        self.assertEqual(leads.user_id, self.salesman)
        self.assertEqual(leads.type, "opportunity")
        self.assertFalse(self.env["res.partner"]._crm_open_winbacks())  # same episode
        with freeze_time("2026-01-16 10:00:00"):
            self._order(consenting)
            self.env["res.partner"]._rfm_recompute_company()
        self.assertFalse(consenting.churn_risk)
        with freeze_time("2026-04-01 10:00:00"):
            self.env["res.partner"]._rfm_recompute_company()
            self.assertTrue(consenting.churn_risk)
            second = self.env["res.partner"]._crm_open_winbacks()
        self.assertEqual(len(second), 1)
        self.assertNotEqual(second.crm_winback_episode, leads.crm_winback_episode)

    def test_a_winback_without_a_salesperson_is_left_unassigned(self):
        partner = self._customer("Churn Web Shopper", marketing_consent=True)
        with freeze_time("2026-01-01 10:00:00"):
            orders = [self._order(partner, days_ago=day) for day in (40, 30, 20)]
        for order in orders:
            order.user_id = False  # web shop orders
        with freeze_time("2026-01-15 10:00:00"):
            self.env["res.partner"]._rfm_recompute_company()
        leads = self.env["res.partner"].with_user(SUPERUSER_ID)._crm_open_winbacks()
        self.assertEqual(leads.partner_id, partner)
        self.assertFalse(leads.user_id)

    def test_the_partner_form_counts_and_opens_its_winbacks(self):
        partner = self._customer("Churn Button", marketing_consent=True, user_id=self.salesman.id)
        with freeze_time("2026-01-01 10:00:00"):
            for day in (40, 30, 20):
                self._order(partner, days_ago=day)
        with freeze_time("2026-01-15 10:00:00"):
            self.env["res.partner"]._rfm_recompute_company()
        mine = partner.with_user(self.salesman)
        self.assertEqual(mine.crm_winback_count, 0)
        lead = self.env["res.partner"]._crm_open_winbacks()
        mine.invalidate_recordset(["crm_winback_count"])
        self.assertEqual(mine.crm_winback_count, 1)
        action = mine.action_view_winbacks()
        self.assertEqual(
            self.env["crm.lead"].with_user(self.salesman).search(action["domain"]), lead
        )
        form = mine.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_view_winbacks"', form)

    def test_not_at_risk_within_the_usual_gap_or_with_one_order(self):
        regular = self._customer("Churn Regular")
        once = self._customer("Churn Once")
        with freeze_time("2026-01-01 10:00:00"):
            for day in (30, 20, 10):
                self._order(regular, days_ago=day)
            self._order(once, days_ago=300)
            self.env["res.partner"]._rfm_recompute_company()
        self.assertFalse(regular.churn_risk)
        self.assertFalse(once.churn_risk)

    def test_consent_withdrawal_is_logged_and_blacklisted(self):
        with freeze_time("2026-01-01 10:00:00"):
            partner = self._customer("Consent Person", marketing_consent=True)
            never = self._customer("Consent Never")
        with freeze_time("2026-02-01 10:00:00"):
            (partner | never).write({"marketing_consent": True, "comment": "imported again"})
        # the same answer again keeps the date it was given on
        self.assertEqual(str(partner.marketing_consent_date), "2026-01-01 10:00:00")
        self.assertEqual(str(never.marketing_consent_date), "2026-02-01 10:00:00")
        never.marketing_consent = False
        partner.marketing_consent = False
        self.assertNotEqual(str(partner.marketing_consent_date), "2026-01-01 10:00:00")
        self.assertIn("Marketing consent withdrawn", partner.message_ids[0].body)
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", partner.email)]))
        self.assertTrue(partner.is_blacklisted)
        self.assertNotIn(
            partner,
            self.env["res.partner"].search(self.env["res.partner"]._crm_marketable_domain()),
        )
        partner.marketing_consent = True
        partner.invalidate_recordset()
        self.assertFalse(partner.is_blacklisted)

    def test_settings_are_validated(self):
        with self.assertRaisesMessage(ValidationError, "between 0 and 100"):
            self.company.crm_score_hot_threshold = 120
        with self.assertRaisesMessage(ValidationError, "churn factor must be more than 0"):
            self.company.crm_churn_factor = 0
        self.company.invalidate_recordset()
        self.assertEqual(self.company.crm_churn_factor, 2.0)
