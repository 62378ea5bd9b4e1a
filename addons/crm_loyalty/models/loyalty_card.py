from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import points as rules
from ..tools.ledger_guard import (
    MANAGER_GROUP,
    as_system,
    in_ledger_sync,
    outside_change_reason_of,
)

# The entries the card form shows, newest first: the web client's page of
# a one2many; the rest are a click away (action_crm_view_ledger).
LEDGER_LATEST = 40


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    crm_ledger_ids = fields.One2many("loyalty.ledger", "card_id", string="Ledger")
    crm_ledger_latest_ids = fields.Many2many(
        "loyalty.ledger", string="Latest Entries", compute="_compute_crm_ledger_latest"
    )
    crm_tier_id = fields.Many2one("loyalty.tier", string="Tier", readonly=True, copy=False)
    crm_tier_below_since = fields.Date(
        readonly=True,
        copy=False,
        help="Since when the customer is below their tier (grace period).",
    )
    crm_points_pending = fields.Float(string="Pending Points", compute="_compute_crm_points")
    crm_points_expiring = fields.Float(string="Expiring Soon", compute="_compute_crm_points")

    def _compute_crm_points(self):
        pending, expiring = self.env["loyalty.ledger"]._pending_and_expiring(self, "card_id")
        for card in self:
            card.crm_points_pending = pending.get(card, 0.0)
            card.crm_points_expiring = expiring.get(card, 0.0)

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_crm_ledger_latest(self):
        """The card's latest entries, among those the reader may see: a
        card's ledger grows without end, and a one2many would read the ids
        of all its entries to show its first page.

        The first rows of the index by card and date, a query per card (a
        form reads one). The card is a range of one card, and first in the
        order: with ``card_id = id`` the planner leaves the card out of the
        order, and may walk the whole ledger by date from its newest entry,
        through every entry of the other cards newer than the card's own
        (a customer who stopped buying, in a shop with many new ones); only
        the index by card and date gives this order. The entries come with
        the columns the ORM reads of them (one query, not a second one for
        the form), and their orders with their names only (reading a
        display name would read every column of the orders)."""
        Ledger = self.env["loyalty.ledger"]
        columns = [
            name
            for name, field in Ledger._fields.items()
            if field.prefetch is True and field.is_accessible(self.env)
        ]
        for card in self:
            entries = Ledger
            card_id = card._origin.id
            if card_id:
                entries = Ledger.search_fetch(
                    [("card_id", ">=", card_id), ("card_id", "<=", card_id)],
                    columns,
                    order="card_id.id desc, date desc, id desc",
                    limit=LEDGER_LATEST,
                )
                # sudo: the names the form shows beside the entries, which
                # web_read reads in sudo too.
                entries.order_id.sudo().fetch(["name"])
            card.crm_ledger_latest_ids = entries

    def _crm_wizard_action(self, res_model, name):
        """The window of a manager's wizard on this card (adjust, transfer)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": res_model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_card_id": self.id},
        }

    def action_crm_view_ledger(self):
        """All the card's entries, in the ledger's list."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.action_loyalty_ledger")
        action["domain"] = [("card_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Every change of points is a ledger entry
    # ------------------------------------------------------------------
    def _crm_ledger_cards(self):
        return self.filtered(lambda c: c.program_id._crm_uses_ledger())

    def _crm_check_points_rights(self):
        """Points change by hand (the card form, Odoo's balance wizard, an
        RPC call, a new card with points) only for a loyalty manager, or
        for the server in superuser mode."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        raise AccessError(
            self.env._(
                "Only a loyalty manager can change the points of a loyalty card: "
                "ask one to adjust the card."
            )
        )

    def _crm_check_protected_fields(self, vals):
        """The owner, program and tier of a card are the ledger's: the
        owner and program change only through Transfer Card (entries for
        both sides), the tier follows the customer's spend. Superuser
        writes stay allowed (Odoo's partner merge runs in sudo and moves
        the ledger's customers with the card's)."""
        if self.env.su:
            return
        if {"crm_tier_id", "crm_tier_below_since"} & set(vals):
            raise UserError(
                self.env._(
                    "A customer's tier follows their spend or points; it can't be set by hand."
                )
            )
        moved = self.browse()
        for fname in ("partner_id", "program_id"):
            if fname in vals:
                moved |= self.filtered(lambda c, f=fname: c[f].id != (vals[f] or False))
        if not moved:
            return
        new_program = self.env["loyalty.program"].browse(vals.get("program_id"))
        # sudo: only whether the cards have entries, which salespeople may
        # not all see.
        Ledger = self.env["loyalty.ledger"].sudo()
        kept = Ledger._read_group([("card_id", "in", moved.ids)], ["card_id"], ["__count"])
        with_entries = moved.browse([card.id for card, _count in kept])
        refused = with_entries._crm_ledger_cards()
        if new_program.sudo()._crm_uses_ledger():  # sudo: the program's type only
            refused |= moved.filtered(lambda c: c.points) | with_entries
        if refused:
            raise UserError(
                self.env._(
                    "Points have moved on %(cards)s: a card keeps its owner and program. "
                    "A loyalty manager gives a card to another customer with Transfer Card, "
                    "which writes the points out of one ledger and into the other.",
                    cards=", ".join(refused.mapped("code")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        with_points = [vals for vals in vals_list if vals.get("points")]
        if with_points and not self.env.su:
            default = self.default_get(["program_id"]).get("program_id")
            programs = self.env["loyalty.program"].browse(
                {vals.get("program_id") or default for vals in with_points} - {None, False}
            )
            if programs.sudo()._crm_uses_ledger():  # sudo: the programs' type only
                self._crm_check_points_rights()
        cards = super().create(vals_list)
        opening = cards._crm_ledger_cards().filtered("points")
        if opening:
            # sudo: salespeople can't write the ledger; the right to open a
            # card with points was checked above.
            self.env["loyalty.ledger"].sudo().create(
                [card._crm_prepare_outside_change_vals(card.points) for card in opening]
            )
        return cards

    def write(self, vals):
        self._crm_check_protected_fields(vals)
        if "points" not in vals or in_ledger_sync(self.env):
            return super().write(vals)
        cards = self._crm_ledger_cards()
        if cards:
            cards._crm_check_points_rights()
        before = {card.id: card.points for card in cards}
        res = super().write(vals)
        # sudo: salespeople can't write the ledger; the caller's right to
        # change points was checked above, their access to the cards by
        # the write itself.
        Ledger = self.env["loyalty.ledger"].sudo()
        for card in cards:
            delta = round(card.points - before[card.id], 2)
            if delta > 0:
                Ledger.create(card._crm_prepare_outside_change_vals(delta))
            elif delta < 0:
                Ledger._consume(card, -delta)
                Ledger.create(card._crm_prepare_outside_change_vals(delta))
        return res

    def _crm_prepare_outside_change_vals(self, delta):
        """A change made outside the ledger (the card form, Odoo's balance
        wizard, another app): recorded as an adjustment, with a reason the
        server writes."""
        self.ensure_one()
        reason = outside_change_reason_of(self.env) or self.env._(
            "Balance changed on the card by %s", self.env.user.name
        )
        return self.env["loyalty.ledger"]._prepare_entry_vals(self, "adjust", delta, reason=reason)

    # ------------------------------------------------------------------
    # Tiers
    # ------------------------------------------------------------------
    def _crm_tier_measures(self):
        """{card id: net spend or points earned over the last 12 months}."""
        return {card_id: measure for card_id, (measure, _start) in self._crm_tier_window().items()}

    def _crm_tier_window_starts(self):
        """{card id: the date of the oldest spend or earning that the tier
        measure counts now}, None without one: until that date plus 12
        months, what the customer adds counts in full; afterwards the oldest
        part leaves the window."""
        return {card_id: start for card_id, (_measure, start) in self._crm_tier_window().items()}

    def _crm_tier_window(self):
        """{card id: (measure, start)}: net spend or points earned over the
        last 12 months, and the date of the oldest of them; one query per
        measure for the whole recordset. Spend counts in the program's
        company, or in every company for a shared program."""
        since = fields.Datetime.now() - timedelta(days=365)
        window = dict.fromkeys(self.ids, (0.0, None))
        by_points = self.filtered(lambda c: c.program_id.crm_tier_measure == "points")
        by_spend = self - by_points
        if by_points:
            # sudo: the card's own earnings, whoever confirmed the order
            # that moved them (salespeople see only some entries).
            earned = (
                self.env["loyalty.ledger"]
                .sudo()
                ._read_group(
                    [
                        ("card_id", "in", by_points.ids),
                        ("kind", "=", "earn"),
                        ("state", "!=", "cancelled"),
                        ("date", ">=", since),
                    ],
                    ["card_id"],
                    ["points:sum", "date:min"],
                )
            )
            window.update({card.id: (total, first) for card, total, first in earned})
        if by_spend:
            self.env.flush_all()
            # Per card, the net spend of its customer (the commercial
            # entity, all its contacts) over the period: confirmed orders
            # untaxed, in the company's currency, less posted credit notes,
            # in the program's company or in every company for a program
            # shared by companies; and the date of the first of those
            # orders. Correlated sums per card over sales and invoices,
            # which the ORM would read row by row.
            self.env.cr.execute(
                SQL(
                    """
                    SELECT card.id,
                           COALESCE(sales.total, 0)
                         - COALESCE((SELECT sum(am.amount_untaxed_signed) * -1
                                       FROM account_move am
                                       JOIN res_partner p ON p.id = am.partner_id
                                      WHERE p.commercial_partner_id = cp.commercial_partner_id
                                        AND am.move_type = 'out_refund' AND am.state = 'posted'
                                        AND am.invoice_date >= %(since)s::date
                                        AND (am.company_id = prog.company_id OR prog.company_id IS NULL)), 0),
                           sales.first
                      FROM loyalty_card card
                      JOIN loyalty_program prog ON prog.id = card.program_id
                      JOIN res_partner cp ON cp.id = card.partner_id
                     CROSS JOIN LATERAL (
                           SELECT sum(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1)) AS total,
                                  min(so.date_order) AS first
                             FROM sale_order so
                             JOIN res_partner p ON p.id = so.partner_id
                            WHERE p.commercial_partner_id = cp.commercial_partner_id
                              AND so.state = 'sale' AND so.date_order >= %(since)s
                              AND (so.company_id = prog.company_id OR prog.company_id IS NULL)
                     ) sales
                     WHERE card.id IN %(ids)s
                    """,
                    since=since,
                    ids=tuple(by_spend.ids),
                )
            )
            window.update(
                {card_id: (total, first) for card_id, total, first in self.env.cr.fetchall()}
            )
        return window

    def _crm_evaluate_tiers(self, allow_downgrade=False):
        """Upgrade at once; downgrade only when asked (nightly) and after the
        program's grace period below the tier."""
        cards = self.filtered(lambda c: c.partner_id and c.program_id.crm_tier_ids)
        if not cards:
            return
        today = fields.Date.context_today(self)
        measures = cards._crm_tier_measures()
        # sudo: the tier follows from the measures computed here, whoever
        # confirmed the order that moved them; only this method sets it.
        for card in cards.sudo():
            tiers = card.program_id.crm_tier_ids
            reached_id = rules.tier_for([(t.id, t.threshold) for t in tiers], measures[card.id])
            reached = tiers.browse(reached_id) if reached_id else tiers.browse()
            current = card.crm_tier_id
            if reached and (not current or reached.threshold > current.threshold):
                card._crm_set_tier(reached, upgrade=True)
            elif current and (not reached or reached.threshold < current.threshold):
                if not allow_downgrade:
                    continue
                if not card.crm_tier_below_since:
                    card.crm_tier_below_since = today
                elif (
                    card.crm_tier_below_since + timedelta(days=card.program_id.crm_tier_grace_days)
                    <= today
                ):
                    card._crm_set_tier(reached, upgrade=False)
            elif card.crm_tier_below_since:
                card.crm_tier_below_since = False

    def _crm_set_tier(self, tier, upgrade):
        self.ensure_one()
        old = self.crm_tier_id
        self.write({"crm_tier_id": tier.id, "crm_tier_below_since": False})
        body = self.env._(
            "Loyalty tier of %(program)s: %(old)s → %(new)s",
            program=self.program_id.name,
            old=old.name or self.env._("none"),
            new=tier.name or self.env._("none"),
        )
        # On the card, not on the customer: who reads the customer's
        # chatter (every employee, users of other companies) is not who
        # may read their tier (the loyalty group, the card's company).
        self._message_log(body=body)
        if upgrade and self.partner_id.email:
            template = self.env.ref("crm_loyalty.mail_template_tier_upgrade")
            template.send_mail(self.id, email_layout_xmlid="mail.mail_notification_light")

    @api.model
    def _cron_evaluate_tiers(self, batch_size=1000):
        """Every card of a program with tiers, batch after batch."""
        cards = self.search([("program_id.crm_tier_ids", "!=", False), ("partner_id", "!=", False)])
        for start in range(0, len(cards), batch_size):
            cards[start : start + batch_size]._crm_evaluate_tiers(allow_downgrade=True)
            done = min(start + batch_size, len(cards))
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(cards) - done)

    @api.model
    def _cron_expiry_warning(self):
        """The last-chance email, once per lot about to expire."""
        today = fields.Date.context_today(self)
        # sudo: a cron's reads and reminder flags, the ledger's own flow.
        Ledger = self.env["loyalty.ledger"].sudo()
        template = self.env.ref("crm_loyalty.mail_template_points_expiring")
        programs = self.env["loyalty.program"].search(
            [("crm_expiry_months", ">", 0), ("crm_expiry_warning_days", ">", 0)]
        )
        due = [
            Ledger.search(
                [
                    ("program_id", "=", program.id),
                    ("state", "=", "available"),
                    ("remaining", ">", 0),
                    ("expiry_warned", "=", False),
                    ("expiry_date", "<=", today + timedelta(days=program.crm_expiry_warning_days)),
                    ("expiry_date", ">=", today),
                ]
            )
            for program in programs
        ]
        total, done = sum(len(lots) for lots in due), 0
        for lots in due:
            for card in lots.card_id.filtered(lambda c: c.partner_id.email):
                template.send_mail(card.id, email_layout_xmlid="mail.mail_notification_light")
            as_system(lots).write({"expiry_warned": True})
            done += len(lots)
            self.env["ir.cron"]._notify_progress(done=done, remaining=total - done)
