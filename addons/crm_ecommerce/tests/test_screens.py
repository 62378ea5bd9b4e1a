from datetime import datetime, timedelta
from itertools import pairwise

from freezegun import freeze_time

from odoo.tests import tagged

from ..tools import scoring
from .common import IntelligenceCase


class TestTieRule(IntelligenceCase):
    def test_equal_values_share_a_score_and_the_lowest_gets_one(self):
        lapsed_majority = [0] * 900 + [1] * 60 + [2] * 20 + [3] * 10 + [5] * 6 + [9] * 4
        scores = scoring.tie_scores(lapsed_majority)
        self.assertEqual(scores[0], 1)  # nothing bought in the window
        self.assertEqual(sorted(set(scores.values())), [1, 2, 3, 4, 5])
        self.assertEqual(scores[1], 2)  # one order is not "4/5"
        values = sorted(scores)
        for low, high in pairwise(values):
            self.assertLessEqual(scores[low], scores[high])
        self.assertEqual(scoring.tie_scores([0, 0, 0]), {0: 1})
        self.assertEqual(scoring.tie_scores([7, 7], single=5), {7: 5})
        self.assertEqual(scoring.tie_scores([0, 1]), {0: 1, 1: 5})
        self.assertEqual(scoring.tie_scores(range(10)), {v: v // 2 + 1 for v in range(10)})

    def test_win_ratio_in_plain_words(self):
        self.assertAlmostEqual(scoring.win_ratio(10, 0, 10, 30), (11 / 12) / (11 / 42))
        Lead = self.env["crm.lead"]
        self.assertEqual(
            Lead._crm_pls_sentence(3.0),
            "Leads with this value were won 3 times more often than average.",
        )
        self.assertEqual(
            Lead._crm_pls_sentence(0.4),
            "Leads with this value were won 2.5 times less often than average.",
        )
        self.assertIn("about as often", Lead._crm_pls_sentence(1.0))


@tagged("post_install", "-at_install")
class TestScreens(IntelligenceCase):
    def _order_at(self, partner, when, amount=100):
        order = self._order(partner, amount=amount)
        order.date_order = when
        return order

    def test_orders_of_the_same_day_are_equally_recent(self):
        customers = [self._customer(f"Screens Today {n}") for n in range(10)]
        with freeze_time("2026-03-10 18:00:00"):
            for n, partner in enumerate(customers):
                self._order_at(partner, datetime(2026, 3, 10, 9, 0) + timedelta(minutes=n))
            self.env["res.partner"]._rfm_recompute_company()
        facts = {
            (p.rfm_recency_score, p.rfm_frequency_score, p.rfm_monetary_score, p.rfm_segment)
            for p in customers
        }
        self.assertEqual(facts, {(5, 1, 1, "new")})
        self.assertIn("last order on 2026-03-10", customers[0].score_factor_ids[0].name)
        self.assertEqual(
            customers[0].score_factor_ids[1].name, "Frequency 1/5: 1 order in the window"
        )

    def test_recency_days_follow_the_company_timezone(self):
        self.company.partner_id.tz = "Asia/Tokyo"
        late, early = self._customer("Screens Late"), self._customer("Screens Early")
        with freeze_time("2026-03-10 18:00:00"):
            # 23:30 and 16:00 UTC on the 9th: the same day the 10th in Tokyo.
            self._order_at(late, datetime(2026, 3, 9, 23, 30))
            self._order_at(early, datetime(2026, 3, 9, 16, 0))
            self.env["res.partner"]._rfm_recompute_company()
        self.assertEqual(late.rfm_last_order_date, early.rfm_last_order_date)
        self.assertEqual(late.rfm_recency_score, early.rfm_recency_score)

    def test_lapsed_majority_and_a_long_tail(self):
        lapsed = [self._customer(f"Screens Lapsed {n}") for n in range(12)]
        tail = [self._customer(f"Screens Tail {n}") for n in range(6)]
        with freeze_time("2026-03-10 12:00:00"):
            for partner in lapsed:
                self._order(partner, days_ago=500, amount=50)
            for count, partner in enumerate(tail, start=1):
                for day in range(count):
                    self._order(partner, days_ago=10 + day * 20, amount=100)
            Partner = self.env["res.partner"]
            total, written, _left = Partner._rfm_compute()
            self.assertEqual((total, written), (18, 18))
            for partner in lapsed:
                self.assertEqual((partner.rfm_frequency_score, partner.rfm_monetary_score), (1, 1))
                self.assertEqual(partner.rfm_recency_score, 1)
            # 0..6 orders: seven distinct values, all five scores in use.
            self.assertEqual([p.rfm_frequency_score for p in tail], [2, 3, 3, 4, 5, 5])
            self.assertEqual(
                sorted({p.rfm_frequency_score for p in lapsed + tail}), [1, 2, 3, 4, 5]
            )
            self.assertIn("1 order in the window", tail[0].score_factor_ids[1].name)
            # Nothing changed: nothing rewritten, the same scores.
            before = [(p.customer_score, p.rfm_segment) for p in lapsed + tail]
            self.assertEqual(Partner._rfm_compute()[1], 0)
            self.assertEqual([(p.customer_score, p.rfm_segment) for p in lapsed + tail], before)

    def test_score_trend_shows_segment_labels(self):
        partner = self._customer("Screens Trend")
        self._order(partner, days_ago=3)
        self.env["res.partner"]._rfm_recompute_company()
        snapshot = partner.score_snapshot_ids
        self.assertEqual(snapshot._fields["segment"].type, "selection")
        labels = dict(snapshot._fields["segment"]._description_selection(self.env))
        self.assertEqual(labels[snapshot.segment], "New")
        self.assertEqual(labels["cant_lose"], "Can't lose")

    def test_a_first_order_scores_its_customer_only(self):
        regulars = [self._customer(f"Screens Regular {n}") for n in range(3)]
        for n, partner in enumerate(regulars):
            for day in range(n + 1):
                self._order(partner, days_ago=30 + day * 10)
        Partner = self.env["res.partner"]
        Partner._rfm_recompute_company()
        signatures = [p.rfm_signature for p in regulars]
        newcomer = self._customer("Screens Newcomer")
        self._order(newcomer, amount=500)
        self.assertTrue(newcomer.rfm_segment)
        self.assertGreater(newcomer.customer_score, 0)
        self.assertEqual(newcomer.rfm_recency_score, 5)
        self.assertEqual(newcomer.rfm_monetary_score, 5)
        self.assertBreakdownAddsUp(newcomer, newcomer.customer_score)
        Partner.invalidate_model()
        self.assertEqual([p.rfm_signature for p in regulars], signatures)
        # A second order of a scored customer waits for the nightly run.
        self._order(newcomer, amount=500)
        self.assertEqual(newcomer.rfm_order_count, 1)

    def test_the_compute_button(self):
        partner = self._customer("Screens Button", user_id=self.salesman.id)
        order = self._order(partner, days_ago=3)
        self._order(partner, days_ago=1)
        self.assertEqual(partner.rfm_order_count, 1)  # scored on the first only
        partner.with_user(self.salesman).action_crm_compute_customer()
        partner.invalidate_recordset()
        self.assertEqual(partner.rfm_order_count, 2)
        form = partner.with_user(self.salesman).get_views([(False, "form")])["views"]["form"]
        self.assertIn('name="action_crm_compute_customer"', form["arch"])
        self.assertTrue(order)

    def test_empty_suggestions_say_why(self):
        partner = self._customer("Screens Empty")
        self.assertEqual(
            partner.crm_next_product_note,
            "Not enough orders yet: 0 of 1 needed (this customer has no confirmed order).",
        )
        self._order(partner, days_ago=2)
        partner.invalidate_recordset()
        self.assertFalse(partner.crm_next_product_ids)
        self.assertIn("Not enough orders yet: 0 of 2 needed", partner.crm_next_product_note)
        other = self._product("Screens Other", 10.0)
        for _n in range(2):
            self._order(self._customer(f"Screens Basket {_n}"), products=[self.service, other])
        partner.invalidate_recordset()
        self.assertEqual(
            partner.crm_next_product_note, "No product is often bought with these yet."
        )

    def test_upsell_says_why(self):
        cheap = self._product("Screens Cheap", 10.0)
        dear = self._product("Screens Dear", 50.0)
        for n in range(2):
            customer = self._customer(f"Screens Upbuyer {n}")
            self._order(customer, products=[cheap])
            self._order(customer, products=[dear])
        # What sells and who bought both: the nightly refresh's figures.
        self.env["crm.product.affinity"]._refresh()
        quote = self.env["sale.order"].create(
            {
                "partner_id": self._customer("Screens Quote").id,
                "order_line": [(0, 0, {"product_id": cheap.id})],
            }
        )
        self.assertIn(dear, quote.crm_upsell_product_ids)
        self.assertIn(
            "Screens Dear: same category as Screens Cheap, higher price, bought in the last "
            f"{self.company.crm_suggestion_days} days by 2 customers who bought Screens Cheap.",
            quote.crm_upsell_note,
        )
        self.assertFalse(quote.crm_crosssell_product_ids)
        self.assertTrue(quote.crm_crosssell_note)

    def test_lead_form_and_kanban_show_the_score_as_points(self):
        Lead = self.env["crm.lead"].with_user(self.salesman)
        views = Lead.get_views([(False, "form"), (False, "kanban")])["views"]
        self.assertIn("Score", views["form"]["arch"])
        self.assertNotIn('name="lead_score" widget="progressbar"', views["form"]["arch"])
        self.assertIn("o_lead_score_badge", views["kanban"]["arch"])
        lead = Lead.create({"name": "Screens Lead", "type": "opportunity"})
        self.assertNotIn("Log-odds", lead.pls_explanation or "")

    def test_winback_revenue_tag_and_consent_withdrawal(self):
        partner = self._customer("Screens Winback", marketing_consent=True)
        with freeze_time("2026-01-01 10:00:00"):
            for day, amount in ((40, 100), (30, 200), (20, 300)):
                self._order(partner, days_ago=day, amount=amount)
        with freeze_time("2026-01-15 10:00:00"):
            self.env["res.partner"]._rfm_recompute_company()
            lead = self.env["res.partner"]._crm_open_winbacks()
        self.assertEqual(lead.expected_revenue, 200)
        self.assertIn(self.env.ref("crm_ecommerce.crm_tag_winback"), lead.tag_ids)
        partner.marketing_consent = False
        self.assertFalse(lead.active)
        self.assertEqual(
            lead.lost_reason_id, self.env.ref("crm_ecommerce.crm_lost_reason_consent_withdrawn")
        )
