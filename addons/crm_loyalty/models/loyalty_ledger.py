from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import constraint_definition, create_index, drop_constraint, index_exists

from ..tools import points as rules
from ..tools.ledger_guard import SYSTEM, ledger_sync

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

    card_id = fields.Many2one(
        "loyalty.card", required=True, index=True, ondelete="restrict", check_company=True
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
    # Indexed by the unique (source_id, move_id) index made in init(),
    # which it leads.
    source_id = fields.Many2one("loyalty.ledger", string="Reverses", ondelete="restrict")
    reason = fields.Char()
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)

    def init(self):
        # What the crons look for, in id order: the pending entries, and the
        # lots with points left (their expiry date in the index, so that
        # the lots not yet due are skipped without reading the table).
        # Walking by id reads the table in the order it was written: a large
        # run reads every page once, not once per batch.
        create_index(
            self.env.cr,
            "loyalty_ledger_pending_index",
            self._table,
            ["id"],
            where="state = 'pending'",
        )
        create_index(
            self.env.cr,
            "loyalty_ledger_lot_index",
            self._table,
            ["id", "expiry_date"],
            where="state = 'available' AND remaining > 0",
        )
        # A return reverses an earned entry once per return move. Only
        # reversals have a source: a partial index, where 18.0.1.0.1 had a
        # unique constraint, which kept an entry of two NULLs for every other
        # row and wrote one more for each of the crons' updates.
        if not index_exists(self.env.cr, "loyalty_ledger_reverse_once_index"):
            self.env.cr.execute(
                "CREATE UNIQUE INDEX loyalty_ledger_reverse_once_index"
                " ON loyalty_ledger (source_id, move_id) WHERE source_id IS NOT NULL"
            )
        # Looked up first: ALTER TABLE locks the whole ledger even when
        # there is nothing to drop, at every update of the module.
        old = "loyalty_ledger_reverse_once_per_move"
        if constraint_definition(self.env.cr, self._table, old):
            drop_constraint(self.env.cr, self._table, old)
        # 18.0.1.0.0 walked the lots by expiry date.
        self.env.cr.execute("DROP INDEX IF EXISTS loyalty_ledger_lot_expiry_index")

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
    def _sync_cards_sql(self, card_ids):
        """The same for crons over many cards: one statement."""
        if not card_ids:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE loyalty_card c
                   SET points = COALESCE(s.total, 0), write_date = now() AT TIME ZONE 'UTC'
                  FROM (SELECT card.id AS card_id,
                               (SELECT round(sum(l.points)::numeric, 2)
                                  FROM loyalty_ledger l
                                 WHERE l.card_id = card.id AND l.state = 'available') AS total
                          FROM loyalty_card card
                         WHERE card.id IN %s) s
                 WHERE c.id = s.card_id AND c.points IS DISTINCT FROM COALESCE(s.total, 0)
                """,
                tuple(card_ids),
            )
        )
        self.env["loyalty.card"].invalidate_model(["points"])

    # ------------------------------------------------------------------
    # Spending: oldest first
    # ------------------------------------------------------------------
    @api.model
    def _lots(self, card):
        # sudo: a read of the card's lots for the ledger's own flows, which
        # checked their caller before they spend from them.
        return self.sudo().search(
            [("card_id", "=", card.id), ("state", "=", "available"), ("remaining", ">", 0)],
            order="expiry_date asc nulls last, date asc, id asc",
        )

    @api.model
    def _consume(self, card, amount, lots=None):
        """Take ``amount`` points from the card's lots, oldest first;
        returns what could not be taken. ``lots``: the card's lots when the
        caller already read them."""
        lots = self._lots(card) if lots is None else lots
        taken, left = rules.consume_oldest_first([(lot.id, lot.remaining) for lot in lots], amount)
        by_id = {lot.id: lot for lot in lots}
        for lot_id, points in taken:
            lot = by_id[lot_id]
            lot.with_context(**{SYSTEM: True}).remaining = round(lot.remaining - points, 2)
        return left

    @api.model
    def _debit(self, card, vals, allow_negative=None):
        """Write a negative entry, consuming lots oldest first; without a
        negative balance allowed, the debit stops at zero (and says so)."""
        wanted = -vals["points"]
        allow = card.program_id.crm_allow_negative if allow_negative is None else allow_negative
        lots = self._lots(card)
        balance = sum(lots.mapped("remaining"))
        debit = rules.capped_debit(balance, wanted, allow)
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

    # ------------------------------------------------------------------
    # Release and expiry, set-based
    # ------------------------------------------------------------------
    @api.model
    def _release(self, entries, when=None):
        """Make pending entries available (the ORM path, for one order)."""
        when = when or fields.Datetime.now()
        for entry in entries.filtered(lambda e: e.state == "pending"):
            months = entry.program_id.crm_expiry_months
            reversed_points = sum(
                entries.filtered(
                    lambda e, x=entry: e.source_id == x and e.state == "pending"
                ).mapped("points")
            )
            entry.with_context(**{SYSTEM: True}).write(
                {
                    "state": "available",
                    "remaining": max(entry.points + reversed_points, 0.0)
                    if entry.points > 0
                    else 0.0,
                    "expiry_date": (when + relativedelta(months=months)).date()
                    if months
                    else False,
                }
            )
        self._sync_cards(entries.card_id)

    @api.model
    def _cron_release(self, batch_size=50000):
        """Release pending points whose release date has come: one statement
        per batch selects and releases, and notes what each card gains;
        the cards' balances move once at the end (see _run_batches), so the
        invariant holds without re-summing the ledger.

        A lot whose expiry date (counted from its release date) has already
        passed, as after a long pause of the cron, is released empty and
        its points expire in the same run, on the card's ``expire`` entry:
        the expiry cron would only rewrite the row again to take them."""
        return self._run_batches(
            """
            WITH batch AS (
                SELECT id, source_id, program_id, points, release_date FROM loyalty_ledger
                 WHERE state = 'pending' AND release_date <= %(now)s AND id > %(after)s
              ORDER BY id LIMIT %(limit)s
            ),
            lots AS (
                -- A lot is released less its pending reversals, wherever
                -- they are: a reversal comes after its entry, often in a
                -- later batch. Looked up per lot in the small reverse-once
                -- index: a join to their sums may be planned as a nested
                -- loop that reads them again for every row of the batch.
                SELECT b.id,
                       CASE WHEN b.points > 0
                           THEN GREATEST(b.points + COALESCE(
                               (SELECT sum(r.points) FROM loyalty_ledger r
                                 WHERE r.source_id = b.id AND r.source_id IS NOT NULL
                                   AND r.state = 'pending'), 0), 0)
                           ELSE 0 END AS released,
                       CASE WHEN p.crm_expiry_months > 0
                           THEN (b.release_date + make_interval(months => p.crm_expiry_months))::date
                       END AS expiry_date
                  FROM batch b
                  JOIN loyalty_program p ON p.id = b.program_id
            ),
            changes AS (
                SELECT id, expiry_date,
                       CASE WHEN expiry_date < %(today)s THEN released ELSE 0 END AS expired,
                       CASE WHEN expiry_date < %(today)s THEN 0 ELSE released END AS remaining
                  FROM lots
            ),
            released AS (
                -- id = ANY(ARRAY(...)) reaches the rows through the primary
                -- key; a join would scan the whole ledger in every batch.
                UPDATE loyalty_ledger l
                   SET state = 'available', remaining = c.remaining, expiry_date = c.expiry_date
                  FROM changes c
                 WHERE l.id = ANY(ARRAY(SELECT id FROM batch)) AND l.id = c.id
             RETURNING l.card_id, l.points, c.expired
            ),
            moved AS (
                INSERT INTO loyalty_ledger_moved (card_id, points, expired)
                SELECT card_id, sum(points) - sum(expired), sum(expired) FROM released
              GROUP BY card_id
            )
            SELECT (SELECT count(*) FROM released), (SELECT max(id) FROM batch)
            """,
            batch_size,
            after=0,
        )

    @api.model
    def _cron_expire(self, batch_size=50000):
        """Expire what is left of lots past their expiry date: one
        ``expire`` entry per card and run, however many of its lots expire
        (the customer's statement says what the card lost that day, and a
        large run writes a row per card, not per lot). Batches empty the
        lots and note what each card loses; at the end one statement writes
        the entries, and the cards' balances move once (see _run_batches)."""
        return self._run_batches(
            """
            WITH batch AS (
                SELECT id, card_id, remaining FROM loyalty_ledger
                 WHERE state = 'available' AND remaining > 0 AND expiry_date < %(today)s
                   AND id > %(after)s
              ORDER BY id LIMIT %(limit)s
            ),
            emptied AS (
                -- Through the primary key, as in _cron_release.
                UPDATE loyalty_ledger SET remaining = 0
                 WHERE id = ANY(ARRAY(SELECT id FROM batch))
             RETURNING id
            ),
            moved AS (
                INSERT INTO loyalty_ledger_moved (card_id, points, expired)
                SELECT b.card_id, -sum(b.remaining), sum(b.remaining)
                  FROM batch b JOIN emptied e ON e.id = b.id
              GROUP BY b.card_id
            )
            SELECT (SELECT count(*) FROM emptied), (SELECT max(id) FROM batch)
            """,
            batch_size,
            after=0,
        )

    @api.model
    def _run_batches(self, statement, batch_size, **keyset):
        """Run ``statement`` batch after batch in the order of its index,
        then write the run's ``expire`` entries and move the cards' balances.

        Each batch starts after the last key of the previous one (``keyset``:
        the key's parameters with their first values; the statement returns
        the count, then the last key): the rows a batch changed stay in the
        indexes until vacuum, and scanning past them again in every batch
        would make a large run quadratic.

        Batches note what each card gains or loses, and what of it expired,
        in a temporary table, ``loyalty_ledger_moved``. At the end one
        statement writes one ``expire`` entry per card that lost points and
        moves each card's balance once: updated batch after batch, a card
        would be rewritten (with its foreign keys checked again) by every
        batch that touches it.

        No FOR UPDATE: a batch reads its rows and updates them in the same
        statement, and Odoo's cursors are REPEATABLE READ, so a row another
        transaction changed meanwhile (a redemption taking from a lot) makes
        the UPDATE fail with a serialization error and the cron retry,
        instead of expiring or releasing what the snapshot saw. Locking
        first would write every row twice."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "DROP TABLE IF EXISTS loyalty_ledger_moved;"
            " CREATE TEMPORARY TABLE loyalty_ledger_moved (card_id integer NOT NULL,"
            " points numeric NOT NULL, expired numeric NOT NULL) ON COMMIT DROP"
        )
        done = 0
        params = {
            "now": fields.Datetime.now(),
            "today": fields.Date.context_today(self),
            "limit": batch_size,
            "uid": self.env.uid,
            **keyset,
        }
        while True:
            cr.execute(SQL(statement, **params))
            count, *last = cr.fetchone()
            if not count:
                break
            done += count
            params.update(zip(keyset, last, strict=True))
            self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        cr.execute(
            SQL(
                """
                WITH m AS (
                    SELECT card_id, sum(points) AS points, sum(expired) AS expired
                      FROM loyalty_ledger_moved GROUP BY card_id
                ),
                expired AS (
                    INSERT INTO loyalty_ledger
                        (card_id, program_id, partner_id, company_id, kind, points, state,
                         remaining, date, user_id, create_uid, create_date, write_uid, write_date)
                    SELECT c.id, c.program_id, c.partner_id, COALESCE(c.company_id, p.company_id),
                           'expire', -m.expired, 'available', 0, %(now)s,
                           %(uid)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM m
                      JOIN loyalty_card c ON c.id = m.card_id
                      JOIN loyalty_program p ON p.id = c.program_id
                     WHERE m.expired <> 0
                )
                UPDATE loyalty_card c
                   SET points = round((c.points + m.points)::numeric, 2), write_date = %(now)s
                  FROM m
                 WHERE c.id = m.card_id AND m.points <> 0;
                DROP TABLE loyalty_ledger_moved
                """,
                **params,
            )
        )
        self.invalidate_model()
        self.env["loyalty.card"].invalidate_model(["points"])
        return done
