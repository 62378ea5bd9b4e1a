"""Issue "Trust I": who may move points, see entries and read balances.

Each attack is played as the role that tried it, and each refusal is
checked without the savepoint of assertRaises: what the refused call wrote
before raising would stay in the transaction and show in the numbers."""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools.ledger_guard import SYSTEM
from .common import LoyaltyCase


class TrustCase(LoyaltyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = cls.loyalty_user  # Sales / User: Own Documents Only
        cls.other = cls.env["res.partner"].create({"name": "Bea Other", "email": "bea@example.com"})

    def refused(self, exception, call, *args, **kwargs):
        """``call`` raises ``exception``; nothing is rolled back for it."""
        try:
            call(*args, **kwargs)
        except exception as exc:
            self.env.invalidate_all()
            return str(exc)
        self.fail(f"{call} was not refused")

    def snapshot(self, card):
        """What a refused attack must leave as it was."""
        self.env.flush_all()
        self.env.invalidate_all()
        entries = self._ledger(card_id=card.id)
        return {
            "points": card.points,
            "partner": card.partner_id,
            "program": card.program_id,
            "tier": card.crm_tier_id,
            "entries": entries.ids,
            "entry_partners": entries.partner_id,
            "remaining": entries.mapped("remaining"),
        }


@tagged("post_install", "-at_install")
class TestPointsMoveThroughTheLedger(TrustCase):
    def test_salesperson_cannot_write_points(self):
        self._loyal_order()
        card = self._card()
        before = self.snapshot(card)
        self.assertEqual(before["points"], 100)
        for context in (
            {},
            {"loyalty_ledger_skip": True},
            {"loyalty_ledger_reason": "Thanks for your loyalty"},
            {"loyalty_ledger_skip": True, SYSTEM: True},
        ):
            with self.subTest(context=context):
                as_salesperson = card.with_user(self.salesperson).with_context(**context)
                message = self.refused(AccessError, as_salesperson.write, {"points": 1000})
                self.assertIn("Only a loyalty manager can change the points", message)
                self.assertEqual(self.snapshot(card), before)
                self.assertInvariant(card)

    def test_salesperson_cannot_use_odoos_balance_wizard(self):
        self._loyal_order()
        card = self._card()
        before = self.snapshot(card)
        history = card.history_ids
        wizard = (
            self.env["loyalty.card.update.balance"]
            .with_user(self.salesperson)
            .create({"card_id": card.id, "new_balance": 500, "description": "Gift"})
        )
        message = self.refused(AccessError, wizard.action_update_card_point)
        self.assertIn("Only a loyalty manager", message)
        self.assertEqual(self.snapshot(card), before)
        self.assertEqual(card.history_ids, history)

    def test_manager_uses_odoos_balance_wizard_through_the_ledger(self):
        self._loyal_order()
        card = self._card()
        self.env["loyalty.card.update.balance"].with_user(self.loyalty_manager).create(
            {"card_id": card.id, "new_balance": 130, "description": "Lost coupon"}
        ).action_update_card_point()
        adjust = self._ledger(kind="adjust")
        self.assertEqual((adjust.points, card.points), (30, 130))
        self.assertEqual(
            adjust.reason, f"Balance updated by {self.loyalty_manager.name}: Lost coupon"
        )
        self.assertEqual(adjust.user_id, self.loyalty_manager)
        self.assertInvariant(card)

    def test_card_with_points_needs_a_manager(self):
        # A role that may create cards (as point of sale users may) but is
        # no loyalty manager; a plain salesperson can't create cards at all.
        clerks = self.env["res.groups"].create(
            {
                "name": "Card clerks",
                "model_access": [
                    Command.create(
                        {
                            "name": "cards",
                            "model_id": self.env.ref("loyalty.model_loyalty_card").id,
                            "perm_read": True,
                            "perm_create": True,
                        }
                    )
                ],
            }
        )
        clerk = new_test_user(self.env, login="loy_clerk", groups="sales_team.group_sale_salesman")
        clerk.groups_id = [Command.link(clerks.id)]
        Card = self.env["loyalty.card"]
        vals = {"program_id": self.program.id, "partner_id": self.other.id, "points": 500}
        for user in (clerk, self.salesperson):
            with self.subTest(user=user.login):
                self.refused(AccessError, Card.with_user(user).create, vals)
                self.assertFalse(self._card(self.other))
                self.assertFalse(self._ledger(partner_id=self.other.id))
        message = self.refused(AccessError, Card.with_user(clerk).create, vals)
        self.assertIn("Only a loyalty manager", message)
        # With no points, the clerk opens the card; a manager opens one
        # with points through an adjustment.
        empty = Card.with_user(clerk).create({**vals, "points": 0})
        self.assertFalse(self._ledger(card_id=empty.id))
        third = self.env["res.partner"].create({"name": "Cy Third"})
        full = Card.with_user(self.loyalty_manager).create({**vals, "partner_id": third.id})
        self.assertEqual(self._ledger(card_id=full.id).mapped("points"), [500.0])
        self.assertInvariant(full)

    def test_owner_program_and_tier_stay_as_they_are(self):
        self.program.crm_tier_ids = [
            Command.create({"name": "Gold", "threshold": 10_000, "multiplier": 3})
        ]
        self._loyal_order()
        card = self._card()
        before = self.snapshot(card)
        other_program = self.program.copy({"name": "Other Club"})
        as_salesperson = card.with_user(self.salesperson)
        for vals in ({"partner_id": self.other.id}, {"program_id": other_program.id}):
            with self.subTest(vals=vals):
                message = self.refused(UserError, as_salesperson.write, vals)
                self.assertIn("Transfer Card", message)
                self.assertEqual(self.snapshot(card), before)
        message = self.refused(
            UserError, as_salesperson.write, {"crm_tier_id": self.program.crm_tier_ids.id}
        )
        self.assertIn("can't be set by hand", message)
        self.assertEqual(self.snapshot(card), before)
        # a manager is refused too: the owner changes with Transfer Card
        self.refused(UserError, card.with_user(self.loyalty_manager).write, {"partner_id": False})
        self.assertEqual(self.snapshot(card), before)

    def test_reason_is_the_servers(self):
        self._loyal_order()
        card = self._card()
        card.with_user(self.loyalty_manager).with_context(
            loyalty_ledger_reason="Free gift from the shop"
        ).points = 130
        adjust = self._ledger(kind="adjust")
        self.assertEqual(adjust.points, 30)
        self.assertEqual(
            adjust.reason, f"Balance changed on the card by {self.loyalty_manager.name}"
        )
        self.assertInvariant(card)

    def test_system_context_needs_superuser(self):
        self._loyal_order()
        entry = self._ledger(kind="earn")
        for user in (self.salesperson, self.loyalty_manager):
            with self.subTest(user=user.login):
                message = self.refused(
                    UserError,
                    entry.with_user(user).with_context(**{SYSTEM: True}).write,
                    {"remaining": 10_000},
                )
                self.assertIn("can't be changed", message)
                self.assertEqual(entry.remaining, 100)

    def test_salesperson_confirms_and_cancels_through_the_ledger(self):
        """sale_loyalty moves the card as the salesperson; the ledger's own
        flows go on working."""
        self._loyal_order(lines=((self.product, 2),))  # 200 points to spend
        card = self._card()
        Order = self.env["sale.order"].with_user(self.salesperson)
        order = Order.create(
            {
                "partner_id": self.customer.id,
                "user_id": self.salesperson.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [Command.create({"product_id": self.product_small.id})],
            }
        )
        order._update_programs_and_rewards()
        order._apply_program_reward(self.reward, card)
        order.action_confirm()
        self.assertEqual(card.points, 200 + 25 - 100)
        self.assertEqual(sorted(self._ledger(order_id=order.id).mapped("kind")), ["earn", "redeem"])
        self.assertInvariant(card)
        # sale_loyalty lets only sales managers cancel (they delete the
        # order's coupon points), as themselves, not in sudo
        order.with_user(self.loyalty_manager).with_context(
            disable_cancel_warning=True
        )._action_cancel()
        self.assertEqual(card.points, 200)
        self.assertInvariant(card)


@tagged("post_install", "-at_install")
class TestTransferCard(TrustCase):
    def test_manager_adjusts_and_transfers(self):
        self.program.crm_expiry_months = 12
        manager = self.loyalty_manager
        with freeze_time("2026-01-10 10:00:00"):
            self._loyal_order()  # 100, expire 2027-01-10
        card = self._card()
        with freeze_time("2026-03-05 10:00:00"):
            card.with_user(manager)._crm_adjust(20, "Missed points")  # expire 2027-03-05
        self.assertEqual(card.points, 120)
        with freeze_time("2026-04-01 10:00:00"):
            self.env["loyalty.card.transfer"].with_user(manager).create(
                {"card_id": card.id, "partner_id": self.other.id, "reason": "Wrong contact"}
            ).action_confirm()
        self.assertEqual(card.partner_id, self.other)
        self.assertEqual(card.points, 120)
        moved = self._ledger(kind="adjust").filtered(lambda e: "transferred" in e.reason)
        self.assertEqual(
            sorted((e.partner_id.name, e.points, str(e.expiry_date)) for e in moved),
            [
                ("Ada Customer", -120.0, "False"),
                ("Bea Other", 20.0, "2027-03-05"),
                ("Bea Other", 100.0, "2027-01-10"),
            ],
        )
        self.assertEqual(set(moved.user_id), {manager})
        self.assertEqual(
            set(moved.mapped("reason")),
            {
                "Card transferred to another customer: Wrong contact",
                "Card transferred from another customer: Wrong contact",
            },
        )
        lots = self._ledger(card_id=card.id, state="available").filtered("remaining")
        self.assertEqual(lots, moved.filtered(lambda e: e.points > 0))
        self.assertEqual(
            (self.customer.loyalty_points_available, self.other.loyalty_points_available), (0, 120)
        )
        for partner, total in ((self.customer, 0), (self.other, 120)):
            self.assertEqual(sum(self._ledger(partner_id=partner.id).mapped("points")), total)
        self.assertInvariant(card)
        self.assertIn("Card transferred from Ada Customer to Bea Other", card.message_ids[0].body)

    def test_salesperson_cannot_transfer(self):
        self._loyal_order()
        card = self._card()
        before = self.snapshot(card)
        self.refused(AccessError, card.with_user(self.salesperson)._crm_transfer, self.other, "Me")
        self.assertEqual(self.snapshot(card), before)
        self.refused(
            AccessError,
            self.env["loyalty.card.transfer"].with_user(self.salesperson).create,
            {"card_id": card.id, "partner_id": self.other.id, "reason": "Me"},
        )
        self.assertEqual(self.snapshot(card), before)

    def test_transfer_refusals(self):
        self._loyal_order()
        card = self._card()
        manager_card = card.with_user(self.loyalty_manager)
        before = self.snapshot(card)
        self.assertIn(
            "Say why", self.refused(ValidationError, manager_card._crm_transfer, self.other, " ")
        )
        self.other._crm_card_for(self.program)
        message = self.refused(UserError, manager_card._crm_transfer, self.other, "Twin")
        self.assertIn("Bea Other already has a card of Test Club", message)
        self.assertEqual(self.snapshot(card), before)
        self.program.crm_points_release = "delivery"
        self._loyal_order()  # 100 pending
        third = self.env["res.partner"].create({"name": "Cy Third"})
        message = self.refused(UserError, manager_card._crm_transfer, third, "Pending")
        self.assertIn("still has pending points", message)
        self.assertEqual(card.partner_id, self.customer)
        self.assertInvariant(card)

    def test_superuser_writes_stay_allowed_for_odoos_partner_merge(self):
        self._loyal_order()
        card = self._card()
        duplicate = self.customer
        kept = self.env["res.partner"].create({"name": "Ada Customer (kept)"})
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge([duplicate.id, kept.id], kept, extra_checks=False)
        self.assertEqual(card.partner_id, kept)
        self.assertEqual(card.points, 100)
        self.assertEqual(self._ledger(card_id=card.id).partner_id, kept)
        self.assertInvariant(card)


@tagged("post_install", "-at_install")
class TestWhoSeesWhat(TrustCase):
    def test_own_documents_only(self):
        mine, theirs = (
            self.salesperson,
            new_test_user(self.env, login="loy_user_2", groups="sales_team.group_sale_salesman"),
        )
        everything = new_test_user(
            self.env, login="loy_all_docs", groups="sales_team.group_sale_salesman_all_leads"
        )
        orders = {}
        for user in (mine, theirs, False):
            order = self._loyal_order(confirm=False)
            order.user_id = user
            order.action_confirm()
            orders[user] = order
        their_customer = self.env["res.partner"].create({"name": "Their", "user_id": theirs.id})
        my_customer = self.env["res.partner"].create({"name": "Mine", "user_id": mine.id})
        nobodys = self.env["res.partner"].create({"name": "Nobody's"})
        for partner in (their_customer, my_customer, nobodys):
            self.env["loyalty.card"].create(
                {"program_id": self.program.id, "partner_id": partner.id, "points": 10}
            )
        Ledger = self.env["loyalty.ledger"]
        seen = Ledger.with_user(mine).search([("program_id", "=", self.program.id)])
        self.assertEqual(
            seen.order_id, orders[mine] | orders[False], "their order's entries are hidden"
        )
        self.assertEqual(seen.filtered(lambda e: not e.order_id).partner_id, my_customer | nobodys)
        self.assertFalse(
            Ledger.with_user(mine).search([("order_id", "=", orders[theirs].id)]),
        )
        self.assertEqual(
            Ledger.with_user(theirs).search([("order_id", "!=", False)]).order_id,
            orders[theirs] | orders[False],
        )
        everyone = Ledger.search([("program_id", "=", self.program.id)])
        for user in (everything, self.loyalty_manager):
            with self.subTest(user=user.login):
                self.assertEqual(
                    Ledger.with_user(user).search([("program_id", "=", self.program.id)]),
                    everyone,
                )

    def test_points_of_another_company_are_not_counted(self):
        company_a = self.env.company
        company_b = self.env["res.company"].create({"name": "Loyalty Shop B"})
        program_b = self.env["loyalty.program"].create(
            {
                "name": "B Club",
                "program_type": "loyalty",
                "company_id": company_b.id,
                "crm_tier_ids": [
                    Command.create({"name": "B Silver", "threshold": 0, "multiplier": 1})
                ],
            }
        )
        self.program.write(
            {
                "company_id": company_a.id,
                "crm_tier_ids": [
                    Command.create({"name": "A Gold", "threshold": 50, "multiplier": 2})
                ],
            }
        )
        shared = self.env["res.partner"].create({"name": "Shared Contact", "company_id": False})
        Card = self.env["loyalty.card"]
        card_a = Card.create({"program_id": self.program.id, "partner_id": shared.id, "points": 70})
        card_b = Card.create({"program_id": program_b.id, "partner_id": shared.id, "points": 30})
        card_a.crm_tier_id = self.program.crm_tier_ids
        card_b.crm_tier_id = program_b.crm_tier_ids
        user_b = new_test_user(
            self.env,
            login="loy_company_b",
            groups="sales_team.group_sale_salesman",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        fields = ["loyalty_points_available", "loyalty_tier_id"]
        self.assertEqual(
            shared.with_user(user_b).read(fields)[0],
            {
                "id": shared.id,
                "loyalty_points_available": 30.0,
                "loyalty_tier_id": (program_b.crm_tier_ids.id, "B Silver"),
            },
        )
        user_ab = new_test_user(
            self.env,
            login="loy_company_ab",
            groups="sales_team.group_sale_salesman",
            company_id=company_a.id,
            company_ids=[Command.set((company_a | company_b).ids)],
        )
        self.assertEqual(shared.with_user(user_ab).loyalty_points_available, 100)
        self.assertEqual(shared.with_user(user_ab).loyalty_tier_id.name, "A Gold")
        only_a = shared.with_user(user_ab).with_context(allowed_company_ids=company_a.ids)
        self.assertEqual(only_a.loyalty_points_available, 70)
        # a program shared by companies counts everywhere
        self.program.company_id = False
        shared.invalidate_recordset()
        self.assertEqual(shared.with_user(user_b).loyalty_points_available, 100)

    def test_ledger_entries_keep_their_company(self):
        company_b = self.env["res.company"].create({"name": "Loyalty Shop B"})
        program_b = self.env["loyalty.program"].create(
            {"name": "B Club", "program_type": "loyalty", "company_id": company_b.id}
        )
        card_b = self.customer._crm_card_for(program_b)
        order_a = self._loyal_order()
        with self.assertRaises(UserError) as refused:
            self.env["loyalty.ledger"].create(
                {
                    "card_id": card_b.id,
                    "kind": "adjust",
                    "points": 5,
                    "reason": "x",
                    "order_id": order_a.id,
                }
            )
        self.assertIn("Incompatible companies", str(refused.exception))
        self.assertFalse(self.env["loyalty.ledger"].search([("card_id", "=", card_b.id)]))
        # a program shared by companies: its entries take their order's
        # company, and those of no order none
        self.program.company_id = False
        order = self._loyal_order()
        self.assertEqual(self._ledger(order_id=order.id).company_id, order.company_id)
        self.other._crm_card_for(self.program)._crm_adjust(5, "Welcome")
        self.assertFalse(self._ledger(partner_id=self.other.id).company_id)

    def test_partner_loyalty_fields_need_the_loyalty_group(self):
        self._loyal_order()
        employee = new_test_user(self.env, login="loy_employee", groups="base.group_user")
        portal = new_test_user(self.env, login="loy_portal_2", groups="base.group_portal")
        fields = [
            "loyalty_tier_id",
            "loyalty_points_available",
            "loyalty_points_pending",
            "loyalty_points_expiring",
        ]
        for user, partner in ((employee, self.customer), (portal, portal.partner_id)):
            for fname in fields:
                with self.subTest(user=user.login, field=fname):
                    self.refused(AccessError, partner.with_user(user).read, [fname])
        self.assertEqual(
            self.customer.with_user(self.salesperson).read(["loyalty_points_available"])[0][
                "loyalty_points_available"
            ],
            100,
        )


@tagged("post_install", "-at_install")
class TestDocumentsStayWhileTheLedgerRefersToThem(TrustCase):
    def test_order_and_lines_with_entries_are_not_deleted(self):
        self._loyal_order()  # 100 points to spend
        order = self._loyal_order(lines=((self.product_small, 1),), reward=True)  # +25 -100
        self.assertTrue(order.order_line.filtered("is_reward_line"))
        order._action_cancel()  # sale_loyalty deletes the reward line
        self.assertFalse(order.order_line.filtered("is_reward_line"))
        entries = self._ledger(order_id=order.id)
        self.assertEqual(sorted(entries.mapped("kind")), ["earn", "redeem", "reverse", "reverse"])
        manager = self.loyalty_manager
        message = self.refused(UserError, order.with_user(manager).unlink)
        self.assertIn(f"{order.name} moved loyalty points", message)
        self.assertIn("keep it cancelled", message)
        order.action_draft()
        line = order.order_line
        message = self.refused(UserError, line.with_user(manager).unlink)
        self.assertIn("earned loyalty points", message)
        self.assertTrue(order.exists() and line.exists())
        self.assertEqual(self._ledger(order_id=order.id), entries)
        self.assertEqual(entries.order_line_id.filtered("id"), line)
        self.assertInvariant()
        # an order that never moved points goes as before
        quotation = self._loyal_order(confirm=False)
        quotation.with_user(manager).unlink()
        self.assertFalse(quotation.exists())


@tagged("post_install", "-at_install")
class TestPortalReadsItsOwnInSudo(LoyaltyCase, HttpCase):
    def test_portal_page_and_counter(self):
        portal = new_test_user(self.env, login="loy_portal_3", groups="base.group_portal")
        self._loyal_order(partner=portal.partner_id)
        with self.assertRaises(AccessError):
            portal.partner_id.with_user(portal).read(["loyalty_points_available"])
        self.authenticate("loy_portal_3", "loy_portal_3")
        page = self.url_open("/my/loyalty")
        self.assertEqual(page.status_code, 200)
        self.assertIn('o_loyalty_available">100 Points<', page.text)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["loyalty_points"]})
        self.assertEqual(counters["loyalty_points"], 100)
