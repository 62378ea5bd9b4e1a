"""The campaign arithmetic, against figures worked out by hand."""

from odoo.tests import BaseCase, tagged

from ..tools import uplift


@tagged("post_install", "-at_install")
class TestUpliftTools(BaseCase):
    def test_interval_worked_by_hand(self):
        # Mailed: 120 of 1000 bought (12%); holdout: 8 of 100 (8%).
        # d = 0.04; se = sqrt(.12*.88/1000 + .08*.92/100)
        #            = sqrt(0.0001056 + 0.000736) = sqrt(0.0008416) = 0.0290103
        # margin = 1.959964 * 0.0290103 = 0.0568592
        result = uplift.two_proportion_interval(120, 1000, 8, 100)
        self.assertAlmostEqual(result["rate_a"], 0.12)
        self.assertAlmostEqual(result["rate_b"], 0.08)
        self.assertAlmostEqual(result["uplift"], 0.04)
        self.assertAlmostEqual(result["low"], 0.04 - 0.0568592, places=6)
        self.assertAlmostEqual(result["high"], 0.04 + 0.0568592, places=6)

    def test_equal_rates_give_an_interval_around_zero(self):
        # 50/500 and 10/100: d = 0; se = sqrt(.09/500 + .09/100) = sqrt(0.00108)
        result = uplift.two_proportion_interval(50, 500, 10, 100)
        self.assertAlmostEqual(result["uplift"], 0.0)
        self.assertAlmostEqual(result["high"], 1.959964 * 0.0328634, places=5)
        self.assertAlmostEqual(result["low"], -result["high"])

    def test_no_holdout_means_no_interval(self):
        result = uplift.two_proportion_interval(5, 10, 0, 0)
        self.assertEqual((result["rate_a"], result["low"], result["high"]), (0.5, None, None))

    def test_holdout_draw_is_stable_and_near_its_share(self):
        members = [uplift.in_holdout(42, pid, 10) for pid in range(1, 10001)]
        self.assertEqual(members, [uplift.in_holdout(42, pid, 10) for pid in range(1, 10001)])
        self.assertAlmostEqual(sum(members) / len(members), 0.10, delta=0.01)
        self.assertNotEqual(members, [uplift.in_holdout(43, pid, 10) for pid in range(1, 10001)])
        self.assertFalse(any(uplift.in_holdout(42, pid, 0) for pid in range(1, 1000)))
