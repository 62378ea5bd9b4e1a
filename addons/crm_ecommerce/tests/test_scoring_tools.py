from odoo.tests import TransactionCase

from ..tools import scoring


class TestScoringTools(TransactionCase):
    def test_grid_covers_every_cell(self):
        names = {code for code, _label in scoring.SEGMENTS}
        for r in range(1, 6):
            for f in range(1, 6):
                self.assertIn(scoring.segment(r, f), names)
        self.assertEqual(scoring.segment(5, 5), "champions")
        self.assertEqual(scoring.segment(5, 1), "new")
        self.assertEqual(scoring.segment(1, 5), "cant_lose")
        self.assertEqual(scoring.segment(1, 1), "lost")

    def test_caps_and_clamp_keep_the_breakdown_true(self):
        factors = scoring.apply_caps([("a", 25, "G", 30), ("b", 20, "G", 30), ("c", 10, None, 0)])
        self.assertEqual(factors[-1], ("G: capped at 30", -15))
        score, lines = scoring.finish(factors)
        self.assertEqual(score, 40)
        self.assertEqual(sum(points for _l, points in lines), 40)
        score, lines = scoring.finish([("big", 150)])
        self.assertEqual((score, lines[-1][1]), (100, -50))
        score, lines = scoring.finish([("bad", -20)])
        self.assertEqual(score, 0)
        self.assertEqual(sum(points for _l, points in lines), 0)

    def test_band_and_log_odds(self):
        self.assertEqual(scoring.band(70, 70, 40), "hot")
        self.assertEqual(scoring.band(69, 70, 40), "warm")
        self.assertEqual(scoring.band(10, 70, 40), "cold")
        self.assertGreater(scoring.log_odds(10, 1), 0)
        self.assertLess(scoring.log_odds(1, 10), 0)
