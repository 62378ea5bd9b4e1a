"""A customer's score and its "why" in the browser, as a salesperson: the
Customer Insights kanban by segment, the Customer Intelligence tab, the
Compute button, and a lead's score badge and breakdown."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import IntelligenceCase


@tagged("post_install", "-at_install")
class TestCustomerScoreTour(IntelligenceCase, HttpCase):
    """Five customers from a champion to a lost one, scored from their
    orders (dates relative to today); a newcomer scored by their first
    order, with a second order since; an opportunity of the salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "UTC"
        # The test's own rules: none for customers (their score is their
        # RFM points), three for leads and a cap on contact details.
        cls.env["crm.scoring.rule"].search([]).active = False
        contact = cls.env["crm.scoring.group"].create({"name": "Tour contact details", "cap": 30})
        cls.env["crm.scoring.rule"].create(
            [
                {
                    "name": "Tour: left an email",
                    "target": "lead",
                    "points": 20,
                    "group_id": contact.id,
                    "domain": "[('email_from', '!=', False)]",
                },
                {
                    "name": "Tour: left a phone number",
                    "target": "lead",
                    "points": 20,
                    "group_id": contact.id,
                    "domain": "[('phone', '!=', False)]",
                },
                {
                    "name": "Tour: expected revenue over 1,000",
                    "target": "lead",
                    "points": 50,
                    "domain": "[('expected_revenue', '>', 1000)]",
                },
            ]
        )
        cls.champion = cls._customer("Tour Champion")
        cls.regular = cls._customer("Tour Regular")
        cls.fading = cls._customer("Tour Fading")
        cls.sleeper = cls._customer("Tour Sleeper")
        cls.lost = cls._customer("Tour Lost")
        cls.newcomer = cls._customer("Tour Newcomer")
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Tour Big Deal",
                "type": "opportunity",
                "user_id": cls.salesman.id,
                "partner_id": cls.champion.id,
                "email_from": cls.champion.email,
                "phone": "+1 555 0100",
                "expected_revenue": 5000,
            }
        )

    def _history(self):
        """The five customers' orders, as in test_rfm: (days ago of each
        order, amount of each order)."""
        for partner, days, amount in (
            (self.champion, (5, 15, 25, 35, 45), 100),
            (self.regular, (30, 60, 90, 120), 80),
            (self.fading, (90, 150, 210), 60),
            (self.sleeper, (200, 300), 40),
            (self.lost, (400,), 20),
        ):
            for day in days:
                self._order(partner, days_ago=day, amount=amount)
        self.env["res.partner"]._rfm_recompute_company()

    def test_customer_score_and_why(self):
        self.assertTrue(self.salesman.has_group("crm_ecommerce.group_crm_ecommerce_user"))
        self.assertFalse(self.salesman.has_group("crm_ecommerce.group_crm_ecommerce_manager"))
        self._history()
        today = fields.Date.context_today(self.champion)
        self.assertEqual(
            [
                (p.rfm_segment, p.customer_score)
                for p in (self.champion, self.regular, self.fading, self.sleeper, self.lost)
            ],
            [
                ("champions", 80),
                ("champions", 60),
                ("needs_attention", 40),
                ("hibernating", 20),
                ("lost", 0),
            ],
        )
        self.assertEqual(
            self.champion.score_factor_ids.mapped("name"),
            [
                f"Recency 5/5: last order on {today - timedelta(days=5)}",
                "Frequency 5/5: 5 orders in the window",
                "Monetary 5/5: 500.00 $ net revenue",
            ],
        )
        # The first order scores the newcomer at once: the most recent of
        # six customers (R5), 1 order (F2 of six values), 150 (M3).
        self._order(self.newcomer, amount=150)
        self.assertEqual(
            (self.newcomer.rfm_segment, self.newcomer.customer_score), ("potential_loyalist", 50)
        )
        # A second order leaves the score as it was until computed (nightly,
        # or with the Compute button in the tour).
        self._order(self.newcomer, amount=400)
        self.assertEqual(self.newcomer.customer_score, 50)
        self.assertEqual((self.lead.lead_score, self.lead.lead_score_band), (80, "hot"))

        self.start_tour(
            "/odoo", "crm_ecommerce_customer_score", login=self.salesman.login, timeout=180
        )

        # Compute: 2 orders (F2 of five values) and 550 (the most, M5).
        self.assertEqual(
            (self.newcomer.rfm_frequency, self.newcomer.rfm_monetary, self.newcomer.customer_score),
            (2, 550, 62),
        )
        self.assertEqual(self.newcomer.rfm_segment, "potential_loyalist")
        self.assertEqual(
            self.newcomer.score_factor_ids.mapped("name"),
            [
                f"Recency 5/5: last order on {today}",
                "Frequency 2/5: 2 orders in the window",
                "Monetary 5/5: 550.00 $ net revenue",
            ],
        )
        self.assertBreakdownAddsUp(self.newcomer, 62)
        # Only the newcomer was computed: the others keep their figures.
        self.assertEqual((self.champion.customer_score, self.regular.customer_score), (80, 60))
