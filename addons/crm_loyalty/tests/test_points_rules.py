from odoo.tests import TransactionCase

from ..tools import points


class TestPointsRules(TransactionCase):
    def test_split_points_adds_up(self):
        self.assertEqual(points.split_points(100, [60, 40]), [60.0, 40.0])
        shares = points.split_points(10, [1, 1, 1])
        self.assertAlmostEqual(sum(shares), 10.0, places=2)
        self.assertEqual(points.split_points(5, [0, 0]), [5.0, 0.0])
        self.assertEqual(points.split_points(5, []), [])

    def test_consume_oldest_first(self):
        taken, left = points.consume_oldest_first([(1, 80), (2, 70)], 100)
        self.assertEqual(taken, [(1, 80), (2, 20)])
        self.assertEqual(left, 0)
        taken, left = points.consume_oldest_first([(1, 30)], 50)
        self.assertEqual((taken, left), ([(1, 30)], 20))

    def test_tier_for_and_capped_debit(self):
        tiers = [(1, 0.0), (2, 500.0), (3, 1000.0)]
        self.assertEqual(points.tier_for(tiers, 499), 1)
        self.assertEqual(points.tier_for(tiers, 1000), 3)
        self.assertIsNone(points.tier_for([(2, 500.0)], 10))
        self.assertEqual(points.capped_debit(30, 50, allow_negative=False), 30)
        self.assertEqual(points.capped_debit(30, 50, allow_negative=True), 50)
        self.assertEqual(points.capped_debit(-5, 50, allow_negative=False), 0)
