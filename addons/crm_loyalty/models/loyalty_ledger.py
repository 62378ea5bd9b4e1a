from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare
from odoo.tools.sql import create_index, index_exists

from ..tools import points as rules
from ..tools.ledger_guard import SYSTEM, as_system, ledger_sync

KINDS = [
    ("earn", "Earned"),
    ("redeem", "Redeemed"),
    ("expire", "Expired"),
    ("reverse", "Reversed"),
    ("adjust", "Adjusted"),
    ("goodwill", "Goodwill"),
]
# Fields the ledger itself moves along (release, consumption, reminders);
# what an entry says (kind, points, card, reason) never changes.
SYSTEM_FIELDS = {"state", "remaining", "expiry_date", "release_date", "expiry_warned"}
# The unique (source, return move) rule of reversals, made in init().
REVERSE_ONCE_INDEX = "loyalty_ledger_reverse_once_index"
# A card's entries, newest first (the ledger's order), made in init().
CARD_DATE_INDEX = "loyalty_ledger_card_date_index"
# The order points are spent in: the lots that expire first, then the
# oldest (_lots, _lots_covering).
SPENDING_ORDER = "expiry_date ASC NULLS LAST, date ASC, id ASC"
# The lots a debit reads first (_lots_covering): enough for a return or a
# redemption of one order's points, mostly.
LOTS_FIRST_READ = 16


class LoyaltyLedger(models.Model):
    """Every change of a customer's loyalty points, never edited or deleted.

    Invariant: a card's points = the sum of its available entries.
    Positive available entries are lots with ``remaining`` points that
    redemptions and expiry consume, oldest first.
    """

    _name = "loyalty.ledger"
    _description = "Loyalty Points Ledger"
    _order = "date desc, id desc"
    # An entry's company is its program's, or for a program shared by
    # companies (no company) its order's: the card and the program may be
    # shared, the order and its lines are of the entry's company.
    _check_company_auto = True

    # Indexed by CARD_DATE_INDEX (made in init()), which it leads.
    card_id = fields.Many2one(
        "loyalty.card", required=True, ondelete="restrict", check_company=True
    )
    # No index on program, company, kind or state: few distinct values make
    # them useless for lookups and every ledger write would pay for them;
    # the crons use the partial indexes made in init().
    program_id = fields.Many2one(
        "loyalty.program", required=True, ondelete="restrict", check_company=True
    )
    partner_id = fields.Many2one("res.partner", index=True, string="Customer")
    company_id = fields.Many2one("res.company")
    kind = fields.Selection(KINDS, required=True)
    points = fields.Float(required=True, digits=(16, 2))
    state = fields.Selection(
        [("pending", "Pending"), ("available", "Available"), ("cancelled", "Cancelled")],
        default="available",
        required=True,
    )
    remaining = fields.Float(digits=(16, 2), help="Points of this lot not yet spent or expired.")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    release_date = fields.Datetime(help="When pending points become available.")
    expiry_date = fields.Date()
    expiry_warned = fields.Boolean()
    # The documents an entry points at stay while it does (the ledger keeps
    # its references): sale.order and sale.order.line refuse first, with a
    # sentence, in their _unlink_except_loyalty_ledger.
    order_id = fields.Many2one(
        "sale.order", index="btree_not_null", ondelete="restrict", check_company=True
    )
    # Indexed although rarely searched: sale_loyalty deletes and rewrites
    # reward lines and stock merges moves, and without an index every such
    # delete scans the whole ledger to check its links; returns look up the
    # entries earned by the returned lines.
    order_line_id = fields.Many2one(
        "sale.order.line", index="btree_not_null", ondelete="restrict", check_company=True
    )
    move_id = fields.Many2one(
        "stock.move",
        string="Return Move",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    # The return whose store credit the entry is; read on the return.
    sale_return_id = fields.Many2one(
        "sale.return",
        string="Return",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    # Indexed by REVERSE_ONCE_INDEX (made in init()), which it leads.
    source_id = fields.Many2one("loyalty.ledger", string="Reverses", ondelete="restrict")
    reason = fields.Char()
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)

    def init(self):
        """The indexes the crons, returns and screens look up by, made when
        missing: at the install, and at an update from a version without
        them (CREATE INDEX only when the index does not exist: an update
        does not lock the ledger for it). What older versions had instead is
        removed once, by migrations/18.0.1.0.5 and 18.0.1.0.7."""
        cr = self.env.cr
        # What the crons look for, in id order: the pending entries, and the
        # lots with points left (their expiry date in the index, so that
        # the lots not yet due are skipped without reading the table).
        # Walking by id reads the table in the order it was written: a large
        # run reads every page once, not once per batch.
        create_index(
            cr, "loyalty_ledger_pending_index", self._table, ["id"], where="state = 'pending'"
        )
        create_index(
            cr,
            "loyalty_ledger_lot_index",
            self._table,
            ["id", "expiry_date"],
            where="state = 'available' AND remaining > 0",
        )
        # A card's pending points and its lots (the card and customer forms,
        # /my/loyalty; redemptions spend the lots): the indexes above hold
        # the entries of every card, and walking them for one card reads
        # them all. The sums of the screens read these indexes alone, the
        # points included.
        create_index(
            cr,
            "loyalty_ledger_card_pending_index",
            self._table,
            ["card_id", "points"],
            where="state = 'pending'",
        )
        create_index(
            cr,
            "loyalty_ledger_card_lot_index",
            self._table,
            ["card_id", "expiry_date", "remaining"],
            where="state = 'available' AND remaining > 0",
        )
        # A card's balance, the sum of its available entries (_sync_cards,
        # after every entry written): read from this index alone, not from
        # the card's whole history in the table.
        create_index(
            cr,
            "loyalty_ledger_card_available_index",
            self._table,
            ["card_id", "points"],
            where="state = 'available'",
        )
        # A card's entries in the ledger's order: its latest entries (the
        # card form) are read without sorting all of them, or walking the
        # whole ledger by date. It serves every lookup by card (it replaces
        # the index of card_id of 18.0.1.0.6, dropped by
        # migrations/18.0.1.0.7).
        create_index(cr, CARD_DATE_INDEX, self._table, ["card_id", "date", "id"])
        # A return reverses an earned entry once per return move. Only
        # reversals have a source: a partial index, which holds no entry
        # for the rest of the ledger.
        if not index_exists(cr, REVERSE_ONCE_INDEX):
            cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON %s (source_id, move_id) WHERE source_id IS NOT NULL",
                    SQL.identifier(REVERSE_ONCE_INDEX),
                    SQL.identifier(self._table),
                )
            )

    @api.constrains("kind", "reason")
    def _check_reason(self):
        for entry in self:
            if entry.kind == "adjust" and not (entry.reason or "").strip():
                raise ValidationError(self.env._("Say why the points are adjusted."))

    @api.model_create_multi
    def create(self, vals_list):
        """The program, customer and company of an entry are its card's
        (the company: the order's for a program shared by companies), never
        what the caller says."""
        for vals in vals_list:
            if vals.get("card_id"):
                card = self.env["loyalty.card"].browse(vals["card_id"])
                order = self.env["sale.order"].browse(vals.get("order_id"))
                if not order and vals.get("order_line_id"):
                    order = self.env["sale.order.line"].browse(vals["order_line_id"]).order_id
                vals.update(
                    program_id=card.program_id.id,
                    partner_id=card.partner_id.id,
                    company_id=card.program_id.company_id.id or order.company_id.id,
                )
            if vals.get("state", "available") == "available" and (vals.get("points") or 0) > 0:
                vals.setdefault("remaining", vals["points"])
        return super().create(vals_list)

    def write(self, vals):
        """Only the ledger's own flows, in superuser mode, move an entry's
        state, remaining points and dates; what an entry says never changes.
        The context key alone is not enough: any client can send it."""
        system = self.env.su and self.env.context.get(SYSTEM)
        if not system or set(vals) - SYSTEM_FIELDS - {
            "write_date",
            "write_uid",
        }:
            raise UserError(
                self.env._(
                    "Ledger entries can't be changed; a loyalty manager adds an adjustment instead."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Ledger entries can't be deleted; add an adjustment instead."))

    # ------------------------------------------------------------------
    # Entries
    # ------------------------------------------------------------------
    @api.model
    def _prepare_entry_vals(
        self,
        card,
        kind,
        points,
        *,
        when=None,
        order=None,
        line=None,
        reason=None,
        source=None,
        move=None,
        sale_return=None,
        state="available",
        release_date=None,
        expiry=None,
    ):
        """The values of one entry of ``card``: every flow that writes the
        ledger builds its entries here (create() then sets the program,
        customer and company from the card).

        ``line``: the order line that earned the points (its order is the
        entry's when ``order`` is not given); ``source``: the entry this one
        reverses; ``move``: the return move that brought the goods back;
        ``sale_return``: the return the entry credits.
        ``expiry``: the expiry date, by default the program's rule for
        points given at ``when``: available points that add to the card
        expire (tools.points.expiry_date); pending points get their date
        when they are released, and an entry that takes points has none.
        False: they never expire."""
        when = when or fields.Datetime.now()
        points = round(points, 2)
        if expiry is None:
            expiry = (
                rules.expiry_date(when, card.program_id.crm_expiry_months)
                if points > 0 and state == "available"
                else False
            )
        order = order or (line.order_id if line else None)
        return {
            "card_id": card.id,
            "kind": kind,
            "points": points,
            "date": when,
            "state": state,
            "release_date": release_date or False,
            "expiry_date": expiry,
            "order_id": order.id if order else False,
            "order_line_id": line.id if line else False,
            "source_id": source.id if source else False,
            "move_id": move.id if move else False,
            "sale_return_id": sale_return.id if sale_return else False,
            "reason": reason or False,
        }

    def _prepare_reversal_vals(self, points, reason, when, **extra):
        """An entry that undoes ``points`` of this one, on its card, order
        and order line; ``extra``: more of _prepare_entry_vals' arguments."""
        self.ensure_one()
        return self._prepare_entry_vals(
            self.card_id,
            "reverse",
            points,
            when=when,
            order=self.order_id,
            line=self.order_line_id,
            source=self,
            reason=reason,
            **extra,
        )

    def _pending_with(self):
        """The state and release date of an entry that follows this one
        (its reversal): pending with it while it is pending."""
        self.ensure_one()
        if self.state == "pending":
            return {"state": "pending", "release_date": self.release_date}
        return {}

    @api.model
    def _add_entry(self, vals, allow_negative=None):
        """Write the entry of ``vals``: one that takes available points
        consumes the card's lots, oldest first, and is not written when
        there is nothing to take (see _debit)."""
        if vals["points"] <= 0 and vals["state"] == "available":
            card = self.env["loyalty.card"].browse(vals["card_id"])
            return self._debit(card, vals, allow_negative)
        return self.create(vals)

    @api.model
    def _referred(self, records, fname):
        """Those of ``records`` (sale orders, order lines) that entries
        point at through ``fname``: they stay while the ledger refers to
        them (their _unlink_except_loyalty_ledger)."""
        # sudo: whether entries point at the records, which the user may not
        # all see; the records themselves are the caller's.
        kept = self.sudo()._read_group([(fname, "in", records.ids)], [fname])
        return records.browse([record.id for (record,) in kept])

    # ------------------------------------------------------------------
    # Balances
    # ------------------------------------------------------------------
    @api.model
    def _sync_cards(self, cards):
        """card.points = sum of available entries, in one query for the
        balances; written through the ORM so Odoo's milestone emails still
        fire."""
        if not cards:
            return
        # sudo: the balances are the ledger's sums whoever triggered the
        # sync (a salesperson confirming an order can't read every entry),
        # and writing them to the cards is the ledger's own flow.
        totals = dict(
            self.sudo()._read_group(
                [("card_id", "in", cards.ids), ("state", "=", "available")],
                ["card_id"],
                ["points:sum"],
            )
        )
        with ledger_sync(self.env):
            for card in cards.sudo():  # sudo: see above
                total = round(totals.get(card, 0.0), 2)
                if card.points != total:
                    card.points = total

    @api.model
    def _pending_and_expiring_sql(self, card):
        """The two sums of _pending_and_expiring for the card of alias
        ``card`` (its column ``id``), as two columns of a SELECT: pending
        points, and points of lots expiring within 30 days. The caller
        flushes the ledger (see _pending_and_expiring)."""
        return SQL(
            """(SELECT sum(points) FROM loyalty_ledger
                 WHERE card_id = %(card)s AND state = 'pending'),
               (SELECT sum(remaining) FROM loyalty_ledger
                 WHERE card_id = %(card)s AND state = 'available' AND remaining > 0
                   AND expiry_date <= %(soon)s)""",
            card=SQL.identifier(card, "id"),
            soon=fields.Date.context_today(self) + timedelta(days=30),
        )

    @api.model
    def _pending_and_expiring(self, cards, groupby):
        """({group: pending points}, {group: points of lots expiring within
        30 days}) of ``cards``, grouped by their ``groupby`` (``card_id``,
        ``partner_id``): one statement for the recordset, whoever may read
        the cards (salespeople see only some entries, portal users none of
        them).

        Both sums of a card are read from the indexes by card made for them
        (see init()), not from the table: the screens that show them (the
        card and customer forms, /my/loyalty) cost the same whatever the
        size of the card's ledger or of the database."""
        if not cards.ids:
            return {}, {}
        self.flush_model(["card_id", "state", "points", "remaining", "expiry_date"])
        rows = self.env.execute_query(
            SQL(
                "SELECT card.id, %s FROM unnest(%s::integer[]) AS card(id)",
                self._pending_and_expiring_sql("card"),
                cards.ids,
            )
        )
        pending, expiring = defaultdict(float), defaultdict(float)
        for card_id, pending_points, expiring_points in rows:
            card = cards.browse(card_id)
            group = card if groupby == "card_id" else card[groupby]
            pending[group] += pending_points or 0.0
            expiring[group] += expiring_points or 0.0
        return dict(pending), dict(expiring)

    # ------------------------------------------------------------------
    # Spending: oldest first
    # ------------------------------------------------------------------
    @api.model
    def _lots(self, card):
        # sudo: a read of the card's lots for the ledger's own flows, which
        # checked their caller before they spend from them.
        return self.sudo().search(
            [("card_id", "=", card.id), ("state", "=", "available"), ("remaining", ">", 0)],
            order=SPENDING_ORDER,
        )

    @api.model
    def _lots_covering(self, card, amount):
        """(the card's first lots in spending order that hold ``amount``,
        all of them when they hold less; the points those lots hold): so
        the points held are at least ``amount``, or the card's whole
        balance when it has less. A card's ledger grows with every order,
        and a debit (a return, a redemption) reads the lots it spends from,
        not the card's whole history: a few lots first, in spending order
        from the index of the card's lots (sorted by expiry date); all of
        them only when those don't hold ``amount``."""
        self.flush_model(["card_id", "state", "remaining", "expiry_date", "date"])

        def holding(limit):
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT id, remaining
                      FROM loyalty_ledger
                     WHERE card_id = %s AND state = 'available' AND remaining > 0
                     ORDER BY %s
                     LIMIT %s
                    """,
                    card.id,
                    SQL(SPENDING_ORDER),
                    limit,
                )
            )
            ids, held = [], 0.0
            for lot_id, remaining in rows:
                if float_compare(held, amount, precision_digits=2) >= 0:
                    break
                ids.append(lot_id)
                held = round(held + remaining, 2)
            return ids, held, len(rows)

        ids, held, read = holding(LOTS_FIRST_READ)
        if float_compare(held, amount, precision_digits=2) < 0 and read == LOTS_FIRST_READ:
            # They hold less than amount, and there may be more.
            ids, held, _read = holding(None)
        # sudo: as _lots.
        return self.sudo().browse(ids), held

    @api.model
    def _consume(self, card, amount, lots=None):
        """Take ``amount`` points from the card's lots, oldest first.
        ``lots``: the card's lots when the caller already read them.

        :return: ([(lot, points taken from it)], points that could not be
            taken)"""
        lots = self._lots_covering(card, amount)[0] if lots is None else lots
        taken, left = rules.consume_oldest_first([(lot.id, lot.remaining) for lot in lots], amount)
        by_id = {lot.id: lot for lot in lots}
        taken = [(by_id[lot_id], points) for lot_id, points in taken]
        for lot, points in taken:
            as_system(lot).remaining = round(lot.remaining - points, 2)
        return taken, left

    @api.model
    def _debit(self, card, vals, allow_negative=None):
        """Write a negative entry, consuming lots oldest first; without a
        negative balance allowed, the debit stops at zero (and says so)."""
        wanted = -vals["points"]
        allow = card.program_id.crm_allow_negative if allow_negative is None else allow_negative
        # What the lots read hold: at least ``wanted``, or the whole balance.
        lots, held = self._lots_covering(card, wanted)
        debit = rules.capped_debit(held, wanted, allow)
        entry = self.browse()
        if debit > 0:
            self._consume(card, debit, lots=lots)
            entry = self.create({**vals, "points": -round(debit, 2)})
        if debit < wanted:
            card.message_post(
                body=self.env._(
                    "%(missing)s points could not be taken back from %(card)s: "
                    "the balance can't go below zero.",
                    missing=round(wanted - debit, 2),
                    card=card.code,
                )
            )
        return entry
