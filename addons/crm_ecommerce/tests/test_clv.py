"""Predicted orders, value and probability of being active, end to end: the
nightly run reads confirmed orders, fits the models of tools/clv.py and
writes every customer's predictions by SQL; churn risk follows them; bad
data keeps the previous fit and says why."""

import logging
import sys
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..tools import clv
from . import cdnow
from .common import IntelligenceCase

NOW = "2026-09-30 18:00:00"
TODAY = date(2026, 9, 30)
CLV_CRON = "crm_ecommerce.ir_cron_clv"
RFM_CRON = "crm_ecommerce.ir_cron_compute_rfm"
NO_SCIPY = {"scipy": None, "scipy.optimize": None, "scipy.special": None}


class ClvCase(IntelligenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "UTC"
        cls.company.crm_clv_min_repeat_customers = 20
        cls.Partner = cls.env["res.partner"]

    @classmethod
    def _orders(cls, lines):
        """Confirmed orders [(partner, day, amount)], created and confirmed
        in one batch, then dated at noon of their day by one statement."""
        orders = cls.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.service.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                            }
                        )
                    ],
                }
                for partner, _day, amount in lines
            ]
        )
        orders.action_confirm()
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE sale_order SET date_order = v.day FROM"
            " (SELECT unnest(%s::int[]) AS id, unnest(%s::timestamp[]) AS day) v"
            " WHERE sale_order.id = v.id",
            [orders.ids, [datetime.combine(day, time(12)) for _p, day, _a in lines]],
        )
        orders.invalidate_recordset(["date_order"])
        return orders

    @classmethod
    def _shop(cls, repeat=25, name="Shop"):
        """``repeat`` customers with two to five purchases at different
        paces, some of whom stopped, and as many one-time buyers."""
        customers = [cls._customer(f"{name} Repeat {n}") for n in range(repeat)]
        once = [cls._customer(f"{name} Once {n}") for n in range(repeat)]
        lines = []
        for n, partner in enumerate(customers):
            # Two to five purchases a week to three weeks apart; every
            # third customer stopped buying five months ago.
            pace = 7 + 3 * (n % 5)
            last = 150 + 2 * n if n % 3 == 0 else 2 + n % 7
            for k in range(2 + n % 4):
                lines.append((partner, TODAY - timedelta(days=last + k * pace), 40 + n))
        for n, partner in enumerate(once):
            lines.append((partner, TODAY - timedelta(days=20 + 9 * n), 30))
        cls._orders(lines)
        return customers, once


@tagged("post_install", "-at_install")
class TestClvCdnow(ClvCase):
    """The first 300 CDNOW customers' orders of weeks 1 to 39, moved to end
    today, one order per transaction of the log, and the nightly run: its
    inputs, fit and stored predictions are those of tools/clv.py on the same
    customers. (Four of them bought only 0-dollar items in those weeks:
    orders worth nothing are no purchase, so they have none.)"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rows = [
            row
            for row in cdnow.transactions()
            if row[0] <= 300 and row[1] <= cdnow.CALIBRATION_END and row[2] > 0
        ]
        shift = TODAY - cdnow.CALIBRATION_END
        cls.partners = {
            customer: cls._customer(f"CDNOW {customer:04d}")
            for customer in sorted({customer for customer, _day, _amount in cls.rows})
        }
        with freeze_time(NOW):
            cls._orders(
                [
                    (cls.partners[customer], day + shift, amount)
                    for customer, day, amount in cls.rows
                ]
            )
            cls.Partner._cron_clv()
            cls.Partner._rfm_recompute_company()
        cls.fit = cls.company.crm_clv_fit_id
        np = clv._np()
        cls.expected = cdnow.calibration(cls.rows)
        cls.x, cls.t_x, cls.T, cls.spend = (
            np.array([row[key] for row in cls.expected], dtype=float)
            for key in ("x", "t_x", "T", "spend")
        )

    def test_the_fit_is_the_tools_fit(self):
        np = clv._np()
        fit, x = self.fit, self.x
        self.assertEqual((fit.state, fit.unit, fit.run_date), ("done", "week", TODAY))
        self.assertEqual((fit.customers, fit.repeat_customers), (296, int((x > 0).sum())))
        # Equal to the optimiser's tolerance: the database's mean spends are
        # not computed in the same order as Python's.
        bgnbd = clv.fit_bgnbd(x, self.t_x / 7, self.T / 7)
        gamma = clv.fit_gamma_gamma(x, self.spend)
        self.assertTrue(
            np.allclose(fit._bgnbd(), bgnbd[:4], rtol=1e-4), f"{fit._bgnbd()} != {bgnbd}"
        )
        self.assertAlmostEqual(fit.bgnbd_log_likelihood, bgnbd.log_likelihood, places=3)
        self.assertTrue(
            np.allclose(fit._gamma_gamma(), gamma[:3], rtol=1e-4),
            f"{fit._gamma_gamma()} != {gamma}",
        )

    def test_stored_predictions_are_the_tools_predictions(self):
        fit = self.fit
        figures = clv.predict(
            fit._bgnbd(),
            fit._gamma_gamma(),
            self.x,
            self.t_x / 7,
            self.T / 7,
            spend=self.spend,
            horizon=90 / 7,
            month=365.25 / 12 / 7,
            annual_rate=0.1,
        )
        checked = 0
        for n, row in enumerate(self.expected):
            partner = self.partners[row["customer"]]
            with self.subTest(customer=row["customer"]):
                self.assertEqual(partner.clv_frequency, row["x"])
                first = TODAY - timedelta(days=row["T"])
                self.assertEqual(partner.clv_first_purchase, first)
                self.assertEqual(partner.clv_last_purchase, first + timedelta(days=row["t_x"]))
                if not row["x"]:
                    self.assertFalse(partner.clv_fit_date)
                    self.assertEqual(partner.clv_status, "no_history")
                    self.assertFalse(partner.churn_risk)
                    continue
                self.assertEqual((partner.clv_date, partner.clv_fit_date), (TODAY, TODAY))
                self.assertAlmostEqual(partner.clv_predicted_orders, figures["orders"][n], places=3)
                self.assertAlmostEqual(partner.clv_probability_alive, figures["alive"][n], places=4)
                self.assertAlmostEqual(partner.clv_expected_spend, figures["spend"][n], places=2)
                self.assertAlmostEqual(partner.clv_predicted_value, figures["value"][n], places=2)
                wait = min(round(figures["wait"][n] * 7), 3650)
                self.assertEqual(partner.clv_next_order_date, TODAY + timedelta(days=wait))
                self.assertEqual(partner.churn_risk, figures["alive"][n] < 0.3)
                checked += 1
        self.assertEqual(checked, int((self.x > 0).sum()))

    def test_sentences_and_value_at_risk(self):
        # Customer 1 of the sample: purchases on 1 and 18 January and 2
        # August 1997 (the paper's customer with x = 2).
        first = self.partners[1]
        alive = round(first.clv_probability_alive * 100)
        self.assertEqual(
            first.clv_explanation.splitlines()[0],
            f"3 purchases in 9 months, last one 8 weeks ago: {alive}% likely to still be a "
            "customer.",
        )
        self.assertIn("orders expected in the next 90 days.", first.clv_explanation)
        # The dashboard's value at risk: the predicted value of customers
        # below the churn threshold.
        board = self.Partner.retrieve_clv_dashboard()
        predicted = [p for p in self.partners.values() if p.clv_fit_date]
        at_risk = [p for p in predicted if p.clv_probability_alive < 0.3]
        self.assertTrue(board["ready"])
        self.assertEqual((board["customers"], board["at_risk"]), (len(predicted), len(at_risk)))
        self.assertAlmostEqual(
            board["value_at_risk"], sum(p.clv_predicted_value for p in at_risk), places=2
        )
        self.assertAlmostEqual(
            board["value"], sum(p.clv_predicted_value for p in predicted), places=2
        )
        self.assertTrue(at_risk and len(at_risk) < len(predicted))


@tagged("post_install", "-at_install")
class TestClvRun(ClvCase):
    def test_a_fixed_number_of_queries_whatever_the_customers(self):
        self._shop(repeat=22, name="Budget A")
        Partner = self.Partner
        with freeze_time(NOW):
            Partner._clv_compute(refit=True)
            # 12: the run's statements (the figures' write: the rows that
            # exist updated, then the new ones inserted), and the check of
            # the tables' statistics (pg.analyze_stale), current here.
            with self.assertQueryCount(12):
                Partner._clv_compute(refit=True)
            self._shop(repeat=15, name="Budget B")
            Partner._clv_compute(refit=True)
            with self.assertQueryCount(12):
                customers, written, left = Partner._clv_compute(refit=True)
        self.assertEqual((customers, written, left), (74, 74, 0))
        # Nothing changed since: nothing is written.
        with freeze_time(NOW):
            self.assertEqual(Partner._clv_compute(refit=False), (74, 0, 0))

    def test_the_cron_fits_once_and_writes_in_batches(self):
        customers, _once = self._shop()
        cron = self.env.ref(CLV_CRON)
        Trigger = self.env["ir.cron.trigger"]
        rfm_cron = self.env.ref(RFM_CRON)
        triggers = Trigger.search_count([("cron_id", "=", rfm_cron.id)])
        reported = []
        with freeze_time(NOW):
            for _call in range(5):
                _cron, progress = cron._add_progress()
                self.Partner.with_context(ir_cron_progress_id=progress.id)._cron_clv(batch_size=20)
                reported.append((progress.done, progress.remaining))
                if not progress.remaining:
                    break
        self.assertEqual(reported, [(20, 30), (20, 10), (10, 0)])
        fits = self.env["crm.clv.fit"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(fits), 1, "fitted once for the day's batches")
        self.assertEqual(self.company.crm_clv_fit_id, fits)
        self.assertTrue(all(p.clv_fit_date for p in customers))
        # Churn risk follows: the RFM run is queued.
        self.assertEqual(Trigger.search_count([("cron_id", "=", rfm_cron.id)]), triggers + 1)
        self.assertEqual(
            fits.summary.split(";")[-1].strip(),
            "on 50 customers, 25 of them repeat customers, in weeks",
        )

    def test_churn_risk_and_winbacks_follow_the_probability(self):
        customers, _once = self._shop()
        with freeze_time(NOW):
            self.Partner._clv_compute()
            self.Partner._rfm_recompute_company()
        at_risk = [p for p in customers if p.clv_probability_alive < 0.3]
        self.assertTrue(at_risk and len(at_risk) < len(customers))
        for partner in customers:
            self.assertEqual(partner.churn_risk, partner.clv_probability_alive < 0.3, partner.name)
        partner = at_risk[0]
        self.assertEqual(
            partner.crm_churn_basis, "At risk below 30% likely to still be a customer."
        )
        partner.marketing_consent = True
        with freeze_time(NOW):
            lead = self.Partner._crm_open_winbacks()
        self.assertEqual(lead.partner_id, partner)
        alive = round(partner.clv_probability_alive * 100)
        self.assertIn(
            f"No order for {partner.rfm_recency_days} days: {alive}% likely to still be a customer.",
            lead.description,
        )

    def test_settings_are_checked(self):
        for field, value in (
            ("crm_clv_discount_rate", -1),
            ("crm_clv_discount_rate", 100),
            ("crm_clv_alive_threshold", 0),
            ("crm_clv_alive_threshold", 100),
            ("crm_clv_min_repeat_customers", 0),
        ):
            with self.subTest(field=field, value=value), self.assertRaises(ValidationError):
                self.company.write({field: value})

    def test_the_compute_button_refreshes_the_customers_predictions(self):
        _customers, once = self._shop()
        with freeze_time(NOW):
            self.Partner._clv_compute()
        newcomer = once[0]
        self.assertEqual(newcomer.clv_status, "no_history")
        with freeze_time(NOW):
            self._orders([(newcomer, TODAY - timedelta(days=2), 35)])
            newcomer.action_crm_compute_customer()
        self.assertEqual((newcomer.clv_frequency, newcomer.clv_status), (1, "ready"))
        self.assertTrue(newcomer.clv_predicted_value > 0)


@tagged("post_install", "-at_install")
class TestClvBadData(ClvCase):
    def _fitted_shop(self):
        shop = self._shop()
        with freeze_time(NOW):
            self.Partner._clv_compute()
        fit = self.company.crm_clv_fit_id
        self.assertEqual(fit.state, "done")
        return shop, fit

    def test_one_purchase_one_day_and_orders_worth_nothing(self):
        (_customers, once), _fit = self._fitted_shop()
        same_day, free, refunded, negative = (
            self._customer(f"Bad Data {n}") for n in ("Same Day", "Free", "Refunded", "Negative")
        )
        with freeze_time(NOW):
            day = TODAY - timedelta(days=40)
            self._orders([(same_day, day, 20)] * 3)
            self._orders([(free, day, 50), (free, TODAY - timedelta(days=10), 0)])
            self._orders([(negative, day, 50), (negative, TODAY - timedelta(days=10), -30)])
            orders = self._orders([(refunded, day, 50), (refunded, TODAY - timedelta(days=10), 80)])
            self._refund(orders[1], 80)
            self.Partner._clv_compute()
            self.Partner._rfm_recompute_company()
        for partner in (once[0], same_day, free, refunded, negative):
            with self.subTest(partner=partner.name):
                self.assertEqual(partner.clv_frequency, 0)
                self.assertEqual(partner.clv_status, "no_history")
                self.assertFalse(partner.clv_predicted_value)
                self.assertFalse(partner.churn_risk)
                self.assertEqual(
                    partner.clv_explanation,
                    "Not enough history: one purchase so far (orders of one day count as one). "
                    "Predictions start from the second.",
                )
        self.assertEqual(same_day.rfm_order_count, 3)

    def _refund(self, order, amount):
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": order.partner_id.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Refund",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                            "sale_line_ids": [Command.set(order.order_line.ids)],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        return refund

    def test_fewer_repeat_customers_than_required(self):
        (customers, _once), fit = self._fitted_shop()
        self.company.crm_clv_min_repeat_customers = 30
        # Usually one order every 10 days, none for 100 days.
        gap_churner = self._customer("Bad Data Gap Churner")
        self._orders([(gap_churner, TODAY - timedelta(days=d), 25) for d in (100, 110, 120)])
        with freeze_time(NOW), self.assertLogs("odoo.addons.crm_ecommerce", logging.INFO) as logs:
            self.Partner._clv_compute(refit=True)
            self.Partner._rfm_recompute_company()
        reason = "26 customers bought again on a later day; predictions need 30 (Settings)."
        self.assertIn(reason, logs.output[0])
        attempt = self.env["crm.clv.fit"].search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual((attempt.state, attempt.reason), ("failed", reason))
        self.assertTrue(fit.exists(), "the previous fit is kept")
        self.assertFalse(self.company.crm_clv_fit_id, "but not used: the history is too short")
        for partner in customers:
            self.assertEqual(partner.clv_status, "no_history")
            self.assertFalse(partner.clv_probability_alive)
            self.assertEqual(partner.clv_explanation, f"Not enough history: {reason}")
        # Churn risk is the usual-gap rule again, and says so.
        self.assertTrue(gap_churner.churn_risk)
        self.assertEqual(
            gap_churner.crm_churn_basis,
            f"At risk past 2 times the usual gap between orders: Not enough history: {reason}",
        )
        board = self.Partner.retrieve_clv_dashboard()
        self.assertEqual(
            (board["ready"], board["message"]), (False, f"Not enough history: {reason}")
        )

    def test_an_optimiser_that_does_not_converge_keeps_the_previous_fit(self):
        (customers, _once), fit = self._fitted_shop()
        alive = customers[0].clv_probability_alive
        stuck = SimpleNamespace(success=False, fun=1e300, x=clv._np().zeros(4), message="ABNORMAL")
        with (
            freeze_time("2026-10-01 18:00:00"),
            patch.object(clv, "_minimize", return_value=stuck),
            self.assertLogs("odoo.addons.crm_ecommerce", "WARNING") as logs,
        ):
            self.Partner._clv_compute()
        self.assertIn("not fitted (not_converged)", logs.output[0])
        attempt = self.env["crm.clv.fit"].search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual(attempt.state, "failed")
        self.assertEqual(
            attempt.reason, "The fit did not converge (ABNORMAL); the previous fit stays in use."
        )
        self.assertEqual(self.company.crm_clv_fit_id, fit)
        # Predictions of the day, from the previous fit.
        partner = customers[0]
        self.assertEqual(
            (partner.clv_date, partner.clv_fit_date), (TODAY + timedelta(days=1), TODAY)
        )
        np = clv._np()
        x, t_x, T = (
            np.array([value], dtype=float)
            for value in (
                partner.clv_frequency,
                (partner.clv_last_purchase - partner.clv_first_purchase).days / 7,
                (partner.clv_date - partner.clv_first_purchase).days / 7,
            )
        )
        tomorrow = clv.probability_alive(fit._bgnbd(), x, t_x, T)[0]
        self.assertAlmostEqual(partner.clv_probability_alive, tomorrow, places=4)
        self.assertLess(tomorrow, alive)  # a day longer without an order

    def test_without_scipy_everything_else_works(self):
        (customers, _once), _fit = self._fitted_shop()
        partner = customers[0]
        with patch.dict(sys.modules, NO_SCIPY):
            partner.invalidate_recordset()
            self.assertEqual(partner.clv_explanation, "Install scipy to enable predictions.")
            self.assertEqual(partner.clv_status, "no_scipy")
            fits = self.env["crm.clv.fit"].search_count([])
            with freeze_time("2026-10-01 18:00:00"):
                self.Partner._cron_clv()
            self.assertEqual(self.env["crm.clv.fit"].search_count([]), fits)
            with self.assertRaisesMessage(UserError, "Install scipy to enable predictions."):
                self.Partner.action_clv_fit()
            # Segments, scores and churn risk by the usual-gap rule.
            self.assertEqual(self.Partner._rfm_recompute_company(), 50)
            self.assertTrue(partner.rfm_segment)
            self.assertIn("usual gap", partner.crm_churn_basis)
            board = self.Partner.retrieve_clv_dashboard()
            self.assertEqual(board["message"], "Install scipy to enable predictions.")
            self.assertIsNone(self.Partner._clv_alive(self.company))


@tagged("post_install", "-at_install")
class TestClvAccess(ClvCase):
    def test_predictions_for_customer_intelligence_only(self):
        (customers, _once) = self._shop()
        with freeze_time(NOW):
            self.Partner._clv_compute()
        partner = customers[0]
        salesman = partner.with_user(self.salesman)
        self.assertTrue(salesman.clv_predicted_value)
        self.assertIn("likely to still be a customer", salesman.clv_explanation)
        self.assertTrue(self.Partner.with_user(self.salesman).retrieve_clv_dashboard()["ready"])
        with self.assertRaises(AccessError):
            self.Partner.with_user(self.salesman).action_clv_fit()
        fit = self.env["crm.clv.fit"].with_user(self.salesman).search([], limit=1)
        self.assertTrue(fit.summary)
        with self.assertRaises(AccessError):
            fit.write({"bgnbd_r": 9})
        with self.assertRaises(AccessError):
            self.env["crm.clv.fit"].with_user(self.ci_manager).create(
                {
                    "company_id": self.company.id,
                    "date": NOW,
                    "run_date": TODAY,
                    "state": "done",
                    "unit": "day",
                }
            )
        clerk = new_test_user(self.env, login="clv_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            partner.with_user(clerk).read(["clv_predicted_value"])
        with self.assertRaises(AccessError):
            self.Partner.with_user(clerk).retrieve_clv_dashboard()
        with freeze_time(NOW):
            self.assertTrue(self.Partner.with_user(self.ci_manager).action_clv_fit())
