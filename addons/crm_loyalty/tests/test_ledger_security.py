from contextlib import contextmanager

import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import LoyaltyCase


@tagged("post_install", "-at_install")
class TestLedgerRules(LoyaltyCase):
    def test_bad_tier_and_policy_input_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "can't be negative"):
            self.program.crm_tier_ids = [
                Command.create({"name": "Bad", "threshold": -1, "multiplier": 1})
            ]
        with self.assertRaisesMessage(ValidationError, "must be more than 0"):
            self.program.crm_tier_ids = [
                Command.create({"name": "Zero", "threshold": 10, "multiplier": 0})
            ]
        self.program.crm_tier_ids = [
            Command.create({"name": "Silver", "threshold": 10, "multiplier": 1.5})
        ]
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation):
            self.program.crm_tier_ids = [
                Command.create({"name": "Twin", "threshold": 10, "multiplier": 2})
            ]
            self.env.flush_all()
        with self.assertRaisesMessage(ValidationError, "negative number of months"):
            self.program.crm_expiry_months = -1
        self.program.invalidate_recordset()
        self.assertEqual(self.program.crm_tier_ids.mapped("name"), ["Silver"])
        self.assertEqual(self.program.crm_expiry_months, 0)

    def test_entries_are_never_edited_or_deleted(self):
        self._loyal_order()
        entry = self._ledger(kind="earn")
        with self.assertRaisesMessage(UserError, "can't be changed"):
            entry.points = 1000
        with self.assertRaisesMessage(UserError, "can't be deleted"):
            entry.unlink()
        self.assertEqual(entry.points, 100)

    def test_adjustments_need_a_manager_and_a_reason(self):
        self._loyal_order()
        card = self._card()
        with self.assertRaises(AccessError):
            card.with_user(self.loyalty_user)._crm_adjust(10, "Because")
        with self.assertRaisesMessage(ValidationError, "Say why"):
            card.with_user(self.loyalty_manager)._crm_adjust(10, " ")
        self.assertEqual(len(self._ledger(kind="adjust")), 0)
        with self.assertRaisesMessage(UserError, f"{card.code} has 100.0 points; you can take"):
            card.with_user(self.loyalty_manager)._crm_adjust(-130, "Too much")
        self.assertEqual(len(self._ledger(kind="adjust")), 0)
        self.assertEqual(card.points, 100)
        card.with_user(self.loyalty_manager)._crm_adjust(-30, "Duplicate order")
        self.assertEqual(card.points, 70)
        self.assertEqual(self._ledger(kind="adjust").user_id, self.loyalty_manager)
        self.assertInvariant(card)
        self.program.crm_allow_negative = True
        card.with_user(self.loyalty_manager)._crm_adjust(-100, "Goodwill given twice")
        self.assertEqual(card.points, -30)
        self.assertInvariant(card)
        # loyalty users read the ledger, can't write it
        self.assertTrue(
            self.env["loyalty.ledger"]
            .with_user(self.loyalty_user)
            .search([("card_id", "=", card.id)])
        )
        with self.assertRaises(AccessError):
            self.env["loyalty.ledger"].with_user(self.loyalty_user).create(
                {"card_id": card.id, "kind": "goodwill", "points": 5}
            )

    def test_multi_company(self):
        self._loyal_order()
        other = self.env["res.company"].create({"name": "Other Loyalty Shop"})
        user = new_test_user(
            self.env,
            login="loy_other",
            groups="sales_team.group_sale_salesman",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.program.company_id = self.env.company
        self.assertFalse(
            self.env["loyalty.ledger"]
            .with_user(user)
            .search([("program_id", "=", self.program.id)])
        )


@tagged("post_install", "-at_install")
class TestLoyaltyPortal(LoyaltyCase, HttpCase):
    def test_portal_page_shows_own_points_only(self):
        portal = new_test_user(self.env, login="loy_portal", groups="base.group_portal")
        self.program.crm_tier_ids = [
            Command.create({"name": "Bronze", "threshold": 50, "multiplier": 1})
        ]
        self._loyal_order(partner=portal.partner_id)
        self._loyal_order(lines=((self.product, 3),))  # someone else's 300 points
        self.authenticate("loy_portal", "loy_portal")
        page = self.url_open("/my/loyalty")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Bronze", page.text)
        self.assertIn('o_loyalty_available">100 Points<', page.text)
        self.assertNotIn("300 Points", page.text)
        own = self.env["loyalty.ledger"].with_user(portal).search([])
        self.assertEqual(own.partner_id, portal.partner_id)


class RacingCase(TransactionCase):
    """Two transactions at once, on data committed for them (these tests
    see what other cursors see, so they can't run in the test's own)."""

    @contextmanager
    def committed_env(self):
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    @contextmanager
    def two_envs(self):
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            yield api.Environment(cr1, SUPERUSER_ID, {}), api.Environment(cr2, SUPERUSER_ID, {})
        finally:
            cr1.close()
            cr2.close()

    def assertLoses(self, env, run, errors, msg):
        """``run`` in ``env`` must fail with one of ``errors``; its
        transaction is rolled back."""
        refused = None
        try:
            with mute_logger("odoo.sql_db"):
                run()
                env.flush_all()
        except errors as exc:
            refused = exc
        env.cr.rollback()
        self.assertIsNotNone(refused, msg)


@tagged("post_install", "-at_install")
class TestRacingRedemptions(RacingCase):
    """Two orders spending the same card's points at the same moment."""

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            program = env["loyalty.program"].create(
                {
                    "name": "Race Club",
                    "program_type": "loyalty",
                    "applies_on": "both",
                    "trigger": "auto",
                    "rule_ids": [
                        Command.create({"reward_point_mode": "order", "reward_point_amount": 1})
                    ],
                    "reward_ids": [
                        Command.create(
                            {
                                "reward_type": "discount",
                                "discount": 5,
                                "discount_mode": "per_order",
                                "required_points": 100,
                            }
                        )
                    ],
                }
            )
            partner = env["res.partner"].create({"name": "Race Loyal Customer"})
            card = env["loyalty.card"].create(
                {"program_id": program.id, "partner_id": partner.id, "points": 150}
            )
            product = env["product.product"].create(
                {"name": "Race Tea", "list_price": 50, "taxes_id": [Command.clear()]}
            )
            orders = env["sale.order"]
            for _i in range(2):
                order = env["sale.order"].create(
                    {
                        "partner_id": partner.id,
                        "order_line": [Command.create({"product_id": product.id})],
                    }
                )
                order._update_programs_and_rewards()
                order._apply_program_reward(program.reward_ids, card)
                orders |= order
            self.ids = {"program": program.id, "card": card.id, "orders": orders.ids}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.committed_env() as env:
            env["sale.order"].browse(self.ids["orders"]).with_context(
                disable_cancel_warning=True
            )._action_cancel()
            env["loyalty.program"].browse(self.ids["program"]).active = False

    def test_second_redemption_cannot_overdraw(self):
        with self.two_envs() as (env1, env2):
            second = env2["sale.order"].browse(self.ids["orders"][1])
            self.assertEqual(env2["loyalty.card"].browse(self.ids["card"]).points, 150)
            env1["sale.order"].browse(self.ids["orders"][0]).action_confirm()
            env1.flush_all()
            env1.cr.commit()
            self.assertLoses(
                env2,
                second.action_confirm,
                (ValidationError, psycopg2.errors.SerializationFailure),
                "both orders spent 100 of the card's 150 points",
            )
        with self.committed_env() as env:
            card = env["loyalty.card"].browse(self.ids["card"])
            self.assertEqual(card.points, 51)  # 150 + 1 earned - 100 redeemed, once
            ledger = env["loyalty.ledger"].search([("card_id", "=", card.id)])
            self.assertEqual(
                sum(ledger.filtered(lambda e: e.state == "available").mapped("points")), 51
            )


@tagged("post_install", "-at_install")
class TestExpiryRacingRedemption(RacingCase):
    """The expiry cron and a redemption taking from the same lot at once."""

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            program = env["loyalty.program"].create(
                {"name": "Expiry Race Club", "program_type": "loyalty", "crm_expiry_months": 1}
            )
            partner = env["res.partner"].create({"name": "Expiry Race Customer"})
            card = env["loyalty.card"].create({"program_id": program.id, "partner_id": partner.id})
            lot = env["loyalty.ledger"].create(
                {
                    "card_id": card.id,
                    "kind": "adjust",
                    "points": 100,
                    "reason": "opening balance",
                    "expiry_date": "2020-01-01",
                }
            )
            env["loyalty.ledger"]._sync_cards(card)
            self.ids = {"program": program.id, "card": card.id, "lot": lot.id}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.committed_env() as env:
            env["loyalty.program"].browse(self.ids["program"]).active = False

    def test_expiry_never_takes_what_a_redemption_took(self):
        with self.two_envs() as (env1, env2):
            # The cron's transaction has started (it read the card) when the
            # redemption takes 60 of the lot's 100 points and commits.
            self.assertEqual(env2["loyalty.card"].browse(self.ids["card"]).points, 100)
            card1 = env1["loyalty.card"].browse(self.ids["card"])
            env1["loyalty.ledger"]._debit(
                card1, {"card_id": card1.id, "kind": "adjust", "points": -60, "reason": "spent"}
            )
            env1["loyalty.ledger"]._sync_cards(card1)
            env1.flush_all()
            env1.cr.commit()
            self.assertLoses(
                env2,
                env2["loyalty.ledger"]._cron_expire,
                psycopg2.errors.SerializationFailure,
                "the cron expired the 100 points its snapshot saw",
            )
        # Odoo runs the cron again: it expires the 40 points that are left.
        with self.committed_env() as env:
            env["loyalty.ledger"]._cron_expire()
            card = env["loyalty.card"].browse(self.ids["card"])
            expired = env["loyalty.ledger"].search(
                [("card_id", "=", card.id), ("kind", "=", "expire")]
            )
            self.assertEqual(expired.mapped("points"), [-40.0])
            self.assertEqual(card.points, 0)
            self.assertEqual(env["loyalty.ledger"].browse(self.ids["lot"]).remaining, 0)
