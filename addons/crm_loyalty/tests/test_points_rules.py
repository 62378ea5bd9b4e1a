from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..tools import points
from .common import LoyaltyCase


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


@tagged("post_install", "-at_install")
class TestRulesAndTheirSqlTwins(LoyaltyCase):
    """The release cron applies the rules in SQL: on the same entries, each
    SQL twin gives what its rule gives."""

    def test_sql_twins_agree_with_the_rules(self):
        card = self.customer._crm_card_for(self.program)
        Ledger = self.env["loyalty.ledger"]
        entries = Ledger.create(
            [
                Ledger._prepare_entry_vals(card, "earn", pts, state="pending", release_date=release)
                for pts, release in (
                    (100, "2026-01-31 23:30:00"),  # to a shorter month
                    (30, "2024-02-29 10:00:00"),  # from a leap day
                    (-20, "2026-03-15 00:00:00"),  # an entry that takes points
                    (50, "2025-12-31 00:00:00"),  # over a year's end
                )
            ]
        )
        # Pending reversals: one takes part of a lot, one more than a lot.
        Ledger.create(
            [
                entry._prepare_reversal_vals(pts, "returned", entry.date, **entry._pending_with())
                for entry, pts in ((entries[0], -40), (entries[3], -80))
            ]
        )
        date = fields.Date.to_date
        expiries = {
            0: [False] * 4,
            1: [date(d) for d in ("2026-02-28", "2024-03-29", "2026-04-15", "2026-01-31")],
            13: [date(d) for d in ("2027-02-28", "2025-03-29", "2027-04-15", "2027-01-31")],
        }
        for months in (0, 1, 13):
            with self.subTest(months=months):
                self.program.crm_expiry_months = months
                self.env.flush_all()
                self.env.cr.execute(
                    SQL(
                        """
                        SELECT b.id, %s, %s
                          FROM loyalty_ledger b
                          JOIN loyalty_program p ON p.id = b.program_id
                         WHERE b.id IN %s
                        """,
                        points.expiry_date_sql(SQL("b.release_date"), SQL("p.crm_expiry_months")),
                        points.released_points_sql(
                            SQL("b.points"),
                            SQL(
                                "COALESCE((SELECT sum(r.points) FROM loyalty_ledger r"
                                " WHERE r.source_id = b.id AND r.state = 'pending'), 0)"
                            ),
                        ),
                        tuple(entries.ids),
                    )
                )
                in_sql = {
                    entry_id: (expiry or False, float(released))
                    for entry_id, expiry, released in self.env.cr.fetchall()
                }
                reversed_points = {
                    entry.id: sum(Ledger.search([("source_id", "=", entry.id)]).mapped("points"))
                    for entry in entries
                }
                by_rule = {
                    entry.id: (
                        points.expiry_date(entry.release_date, months),
                        points.released_points(entry.points, reversed_points[entry.id]),
                    )
                    for entry in entries
                }
                self.assertEqual(in_sql, by_rule)
                self.assertEqual(
                    [by_rule[entry.id] for entry in entries],
                    [
                        (expiries[months][0], 60.0),
                        (expiries[months][1], 30.0),
                        (expiries[months][2], 0.0),
                        (expiries[months][3], 0.0),
                    ],
                )
