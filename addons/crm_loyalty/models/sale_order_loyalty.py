from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import points as rules
from ..tools.ledger_guard import as_system, ledger_sync, lock_rows


class SaleOrder(models.Model):
    _inherit = "sale.order"

    crm_ledger_ids = fields.One2many("loyalty.ledger", "order_id", string="Loyalty Ledger")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_loyalty_ledger(self):
        """The ledger keeps its references: an order whose points moved
        stays, cancelled, as the document its entries point at."""
        if kept := self.env["loyalty.ledger"]._referred(self, "order_id"):
            names = ", ".join(kept.mapped("name"))
            message = self.env._(
                "%s moved loyalty points and the points ledger refers to it, so it can't be "
                "deleted; keep it cancelled instead.",
                names,
            )
            raise UserError(message)

    def _crm_ledger_changes(self):
        """{card: (points issued by the order, points its rewards cost)} for
        the cards of ledger-kept programs."""
        changes = {}
        for coupon_point in self.coupon_point_ids:
            card = coupon_point.coupon_id
            if card.program_id._crm_uses_ledger():
                changes.setdefault(card, [0.0, 0.0])[0] += coupon_point.points
        for line in self.order_line.filtered(lambda ln: ln.reward_id and ln.coupon_id):
            if line.coupon_id.program_id._crm_uses_ledger():
                changes.setdefault(line.coupon_id, [0.0, 0.0])[1] += line.points_cost
        return changes

    def _compute_loyalty_data(self):
        """What the order issued on a ledger-kept card, as the order's page
        and form show it ("Issued"), is what its earned entries gave the
        card: sale_loyalty's history keeps the points before the customer's
        tier multiplier, which the ledger and the card's balance apply.
        Orders with no earned entry on the card (confirmed before the
        ledger) keep sale_loyalty's figure."""
        res = super()._compute_loyalty_data()
        orders = self.filtered(lambda o: o.loyalty_data and o.id)
        if not orders:
            return res
        # sudo: the sums of the points of these orders' own entries and
        # history lines, shown on the order the reader opened, as
        # sale_loyalty reads its history; no entry is shown.
        Ledger = self.env["loyalty.ledger"].sudo()
        # sudo: as above, sale_loyalty's history lines of these orders.
        History = self.env["loyalty.history"].sudo()
        earned = {
            (order.id, card.id): points
            for order, card, points in Ledger._read_group(
                [("order_id", "in", orders.ids), ("kind", "=", "earn")],
                ["order_id", "card_id"],
                ["points:sum"],
            )
        }
        if not earned:
            return res
        history = History._read_group(
            [
                ("order_model", "=", self._name),
                ("order_id", "in", orders.ids),
                ("card_id", "in", list({card_id for _order_id, card_id in earned})),
            ],
            ["order_id", "card_id"],
            ["issued:sum"],
        )
        more = defaultdict(float)
        for order_id, card, issued in history:
            if (order_id, card.id) in earned:
                more[order_id] += earned[order_id, card.id] - issued
        for order in orders:
            if more.get(order.id):
                data = dict(order.loyalty_data)
                data["issued"] = round(data["issued"] + more[order.id], 2)
                order.loyalty_data = data
        return res

    def _crm_lock_cards(self):
        """Lock the cards an order spends from: two redemptions at the same
        moment on one card wait for each other, then the second fails to
        serialize (and Odoo retries it against the new balance)."""
        lock_rows(self.order_line.coupon_id | self.applied_coupon_ids)

    def action_confirm(self):
        to_confirm = self.filtered(lambda o: o.state in ("draft", "sent"))
        to_confirm._crm_lock_cards()
        # sale_loyalty moves the cards' points as the salesperson: the
        # ledger follows with its entries just below.
        with ledger_sync(self.env):
            res = super().action_confirm()
        to_confirm.filtered(lambda o: o.state == "sale")._crm_record_confirmation()
        return res

    def _crm_record_confirmation(self):
        self.check_access("write")
        # sudo: salespeople can't write the ledger; the caller confirmed
        # these orders, with write access to them (checked above).
        Ledger = self.env["loyalty.ledger"].sudo()
        now = fields.Datetime.now()
        touched = self.env["loyalty.card"]
        entries = []
        for order in self:
            for card, (issued, cost) in order._crm_ledger_changes().items():
                touched |= card
                if cost:
                    Ledger._consume(card, cost)
                    entries.append(
                        Ledger._prepare_entry_vals(card, "redeem", -cost, when=now, order=order)
                    )
                if issued:
                    entries.extend(order._crm_prepare_earn_entries(card, issued, now))
        Ledger.create(entries)
        Ledger._sync_cards(touched)
        touched._crm_evaluate_tiers()

    def _crm_prepare_earn_entries(self, card, issued, when):
        """Earned points per order line, times the customer's tier
        multiplier; pending until the program releases them.

        The points are spread over the lines that earned them, as
        sale_loyalty counts them: not the lines that have no effect on it
        (shipping, with sale_loyalty_delivery), and only the products the
        program's rules apply to. Returning a product then takes back what
        it earned, and shipping keeps nothing after a full return."""
        program = card.program_id
        multiplier = card.crm_tier_id.multiplier or 1.0
        lines = self.order_line.filtered(lambda ln: not ln.is_reward_line and not ln.display_type)
        lines -= self._get_no_effect_on_threshold_lines()
        if not lines:
            return []
        valid = program._get_valid_products(lines.product_id).values()
        eligible = self.env["product.product"].union(*valid) if valid else lines.product_id
        lines = lines.filtered(lambda ln: ln.product_id in eligible) or lines
        shares = rules.split_points(issued * multiplier, [max(ln.price_total, 0.0) for ln in lines])
        state = "available" if program.crm_points_release == "confirm" else "pending"
        Ledger = self.env["loyalty.ledger"]
        return [
            Ledger._prepare_entry_vals(card, "earn", share, when=when, line=line, state=state)
            for line, share in zip(lines, shares, strict=True)
            if share
        ]

    def _action_cancel(self):
        confirmed = self.filtered(lambda o: o.state == "sale")
        untracked = confirmed._crm_untracked_changes()
        # As in action_confirm: the ledger reverses below what sale_loyalty
        # takes back.
        with ledger_sync(self.env):
            res = super()._action_cancel()
        confirmed._crm_reverse_all(self.env._("Order cancelled"))
        confirmed._crm_follow_untracked(untracked)
        return res

    def _crm_untracked_changes(self):
        """{order: {card: (issued, cost)}} of orders confirmed before the
        ledger was installed: what sale_loyalty gave and took then is in the
        card's opening balance, with no entry of the order's own."""
        # sudo: whether the orders have entries, which salespeople may not
        # all see.
        tracked = set(
            self.env["loyalty.ledger"].sudo().search([("order_id", "in", self.ids)]).order_id.ids
        )
        changes = {}
        for order in self.filtered(lambda o: o.id not in tracked):
            order_changes = order._crm_ledger_changes()
            if order_changes:
                changes[order] = order_changes
        return changes

    def _crm_follow_untracked(self, untracked):
        """sale_loyalty takes back the points of a cancelled order, also of
        one confirmed before the ledger: the ledger follows with entries
        (points earned then debited, points spent then given back), so that
        the card still equals its ledger."""
        if not untracked:
            return
        # sudo: salespeople can't write the ledger; the caller cancelled
        # these orders (sale's own checks).
        Ledger = self.env["loyalty.ledger"].sudo()
        now = fields.Datetime.now()
        reason = self.env._("Order cancelled (confirmed before the points ledger)")
        cards = self.env["loyalty.card"]
        for order, changes in untracked.items():
            for card, (issued, cost) in changes.items():
                cards |= card
                for points in (-issued, cost):
                    if points:
                        vals = Ledger._prepare_entry_vals(
                            card, "reverse", points, when=now, order=order, reason=reason
                        )
                        Ledger._add_entry(vals, allow_negative=True)
        Ledger._sync_cards(cards)

    def _crm_reverse_all(self, reason):
        """Undo what the orders did to the ledger: pending points cancelled,
        available ones debited, redeemed ones given back.

        A return reverses an entry in part, once per return move; what
        returns already took is not taken again. An entry with a reversal
        of its own (no return move: an earlier cancellation, or redeemed
        points given back after a full return) is done."""
        self.check_access("write")
        # sudo: salespeople can't write the ledger; the caller cancelled
        # these orders, with write access to them (checked above).
        Ledger = self.env["loyalty.ledger"].sudo()
        entries = Ledger.search([("order_id", "in", self.ids), ("kind", "in", ("earn", "redeem"))])
        reversals = Ledger.search(
            [
                ("source_id", "in", entries.ids),
                ("kind", "=", "reverse"),
                ("state", "!=", "cancelled"),
            ]
        )
        done_ids = set(reversals.filtered(lambda r: not r.move_id).source_id.ids)
        # What exchanges gave back of a return's reversal (its counter-entries).
        counters = Ledger.search([("source_id", "in", reversals.ids), ("state", "!=", "cancelled")])
        returned = defaultdict(float)
        for reversal in reversals.filtered("move_id"):
            returned[reversal.source_id.id] += reversal.points
        for counter in counters:
            returned[counter.source_id.source_id.id] += counter.points
        now = fields.Datetime.now()
        todo = entries.filtered(lambda e: e.id not in done_ids and e.state != "cancelled")
        pending = todo.filtered(lambda e: e.state == "pending")
        # Pending points were never given: the entries and their pending
        # reversals are cancelled, in one write.
        cancel = pending | reversals.filtered(lambda r: r.source_id in pending)
        cancel |= counters.filtered(lambda c: c.source_id in cancel)
        if cancel:
            as_system(cancel).write({"state": "cancelled"})
        for entry in todo - pending:
            # What is left to undo: the entry less what returns undid.
            left = round(entry.points + returned[entry.id], 2)
            if left:
                Ledger._add_entry(entry._prepare_reversal_vals(-left, reason, now))
        Ledger._sync_cards(entries.card_id)

    # ------------------------------------------------------------------
    # crm_fulfillment hooks
    # ------------------------------------------------------------------
    def _fulfillment_stage_changed(self, old, new):
        res = super()._fulfillment_stage_changed(old, new)
        if new.code in ("shipped", "delivered"):
            self._crm_schedule_release(self.fulfillment_delivered_date or fields.Datetime.now())
        return res

    def _crm_schedule_release(self, delivered_on):
        """Goods shipped or delivered: points released now ("on delivery")
        or after the program's return window.

        The window counts from the delivery date once it is known, as
        crm_fulfillment's return window does: a delivery confirmed after
        shipping moves a release that has not happened yet to later, so that
        points never become available while the goods can still be
        returned."""
        self.check_access("read")
        # sudo: crm_fulfillment's stage sync moves the stage whoever
        # validated the delivery (a warehouse user); the ledger follows.
        Ledger = self.env["loyalty.ledger"].sudo()
        pending = Ledger.search([("order_id", "in", self.ids), ("state", "=", "pending")])
        now_release = pending.filtered(
            lambda e: not e.release_date and e.program_id.crm_points_release == "delivery"
        )
        windowed = pending.filtered(lambda e: e.program_id.crm_points_release == "return_window")
        for program, group in _group_by(windowed, "program_id").items():
            release_on = delivered_on + timedelta(days=program.crm_release_days)
            later = group.filtered(lambda e, r=release_on: not e.release_date or e.release_date < r)
            as_system(later).release_date = release_on
        if now_release:
            as_system(now_release).release_date = delivered_on
            Ledger._release(now_release, delivered_on)

    def _on_fulfillment_late(self):
        res = super()._on_fulfillment_late()
        self._crm_grant_goodwill()
        return res

    def _crm_grant_goodwill(self):
        """Goodwill points once per late order, for programs that give them;
        not for lateness the customer caused (_crm_customer_caused_delay)."""
        self.check_access("read")
        # sudo: the SLA cron finds late orders; the goodwill is the
        # program's policy, written by the ledger's own flow.
        Ledger = self.env["loyalty.ledger"].sudo()
        already = set(
            Ledger.search([("order_id", "in", self.ids), ("kind", "=", "goodwill")]).order_id.ids
        )
        programs = (
            self.env["loyalty.program"]
            .sudo()  # sudo: see above
            .search(
                [
                    ("program_type", "=", "loyalty"),
                    ("crm_goodwill_points", ">", 0),
                    ("active", "=", True),
                ]
            )
        )
        entries, cards = [], self.env["loyalty.card"]
        now = fields.Datetime.now()
        todo = self.filtered(lambda o: o.id not in already and o.partner_id)
        for order in todo - todo._crm_customer_caused_delay():
            for program in programs.filtered(
                lambda p, o=order: not p.company_id or p.company_id == o.company_id
            ):
                card = order.partner_id._crm_card_for(program)
                cards |= card
                entries.append(
                    Ledger._prepare_entry_vals(
                        card,
                        "goodwill",
                        program.crm_goodwill_points,
                        when=now,
                        order=order,
                        reason=self.env._("Sorry for the delay of %s", order.name),
                    )
                )
        Ledger.create(entries)
        Ledger._sync_cards(cards)

    def _crm_customer_caused_delay(self):
        """The orders late in a stage where they wait for the customer: for
        their payment (``awaiting_payment``), or in a stage the shop marks
        as the customer's turn."""
        return self.filtered(
            lambda o: (
                (stage := o.fulfillment_late_stage_id or o.fulfillment_stage_id).code
                == "awaiting_payment"
                or stage.customer_turn
            )
        )


def _group_by(records, field):
    groups = defaultdict(records.browse)
    for record in records:
        groups[record[field]] |= record
    return groups
