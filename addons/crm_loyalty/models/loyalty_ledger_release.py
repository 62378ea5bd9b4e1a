from odoo import api, fields, models
from odoo.addons.crm_fulfillment.tools.pg import analyze_stale, retry_in_cron
from odoo.tools import SQL

from ..tools import points as rules
from ..tools.ledger_guard import as_system


class LoyaltyLedger(models.Model):
    """Pending points released and lots expired: one order at a time
    through the ORM, or set-based by the crons, with the same rules."""

    _inherit = "loyalty.ledger"

    @api.model
    def _release(self, entries, when=None):
        """Make pending entries available (the ORM path, for one order), by
        the rules _cron_release applies in SQL."""
        when = when or fields.Datetime.now()
        for entry in entries.filtered(lambda e: e.state == "pending"):
            reversed_points = sum(
                entries.filtered(
                    lambda e, x=entry: e.source_id == x and e.state == "pending"
                ).mapped("points")
            )
            as_system(entry).write(
                {
                    "state": "available",
                    "remaining": rules.released_points(entry.points, reversed_points),
                    "expiry_date": rules.expiry_date(when, entry.program_id.crm_expiry_months),
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
        now = fields.Datetime.now()
        # A lot is released less its pending reversals, wherever they are:
        # a reversal comes after its entry, often in a later batch. Looked
        # up per lot in the small reverse-once index: a join to their sums
        # may be planned as a nested loop that reads them again for every
        # row of the batch.
        pending_reversals = SQL(
            "COALESCE((SELECT sum(r.points) FROM loyalty_ledger r"
            " WHERE r.source_id = b.id AND r.source_id IS NOT NULL AND r.state = 'pending'), 0)"
        )
        return self._run_batches(
            """
            WITH batch AS (
                -- The next pending entries due, in id order.
                SELECT id, source_id, program_id, points, release_date FROM loyalty_ledger
                 WHERE %(todo)s AND id > %(after)s
              ORDER BY id LIMIT %(limit)s
            ),
            lots AS (
                -- What each entry holds once released, and its expiry date:
                -- the rules of tools/points.py.
                SELECT b.id, %(released)s AS released, %(expiry)s AS expiry_date
                  FROM batch b
                  JOIN loyalty_program p ON p.id = b.program_id
            ),
            changes AS (
                -- A lot already past its expiry date is released empty.
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
                -- What each card gains, and what of it expired at once.
                INSERT INTO loyalty_ledger_moved (card_id, points, expired)
                SELECT card_id, sum(points) - sum(expired), sum(expired) FROM released
              GROUP BY card_id
            )
            SELECT (SELECT count(*) FROM released), (SELECT max(id) FROM batch)
            """,
            batch_size,
            todo=SQL("state = 'pending' AND release_date <= %s", now),
            now=now,
            today=fields.Date.context_today(self),
            released=rules.released_points_sql(SQL("b.points"), pending_reversals),
            expiry=rules.expiry_date_sql(SQL("b.release_date"), SQL("p.crm_expiry_months")),
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
        today = fields.Date.context_today(self)
        return self._run_batches(
            """
            WITH batch AS (
                -- The next lots past their expiry date, in id order.
                SELECT id, card_id, remaining FROM loyalty_ledger
                 WHERE %(todo)s AND id > %(after)s
              ORDER BY id LIMIT %(limit)s
            ),
            emptied AS (
                -- Through the primary key, as in _cron_release.
                UPDATE loyalty_ledger SET remaining = 0
                 WHERE id = ANY(ARRAY(SELECT id FROM batch))
             RETURNING id
            ),
            moved AS (
                -- What each card loses, all of it expired.
                INSERT INTO loyalty_ledger_moved (card_id, points, expired)
                SELECT b.card_id, -sum(b.remaining), sum(b.remaining)
                  FROM batch b JOIN emptied e ON e.id = b.id
              GROUP BY b.card_id
            )
            SELECT (SELECT count(*) FROM emptied), (SELECT max(id) FROM batch)
            """,
            batch_size,
            todo=SQL(
                "state = 'available' AND remaining > 0 AND expiry_date < %s",
                today,
            ),
            today=today,
            after=0,
        )

    @api.model
    def _run_batches(self, statement, batch_size, *, todo, after, **params):
        """Run the batches of a cron (see _run_batches_once); in a cron job,
        a run that a concurrent transaction made fail (a redemption taking
        from a lot the run updates) starts again on a new transaction,
        instead of waiting for the cron's next interval (retry_in_cron)."""
        return retry_in_cron(
            self.env,
            lambda: self._run_batches_once(
                statement, batch_size, todo=todo, after=after, **dict(params)
            ),
        )

    @api.model
    def _run_batches_once(self, statement, batch_size, *, todo, after, **params):
        """Run ``statement`` batch after batch in id order, then write the
        run's ``expire`` entries and move the cards' balances.

        ``todo``: the condition of the entries the run handles; counted
        first, so that the cron reports after each batch how many are done
        and how many are left (ir.cron._notify_progress). Each batch starts
        after the last id of the previous one (``after``; the statement
        returns the count, then the last id): the rows a batch changed stay
        in the indexes until vacuum, and scanning past them again in every
        batch would make a large run quadratic.

        Batches note what each card gains or loses, and what of it expired,
        in a temporary table, ``loyalty_ledger_moved``. At the end one
        statement writes one ``expire`` entry per card that lost points and
        moves each card's balance once: updated batch after batch, a card
        would be rewritten (with its foreign keys checked again) by every
        batch that touches it.

        No FOR UPDATE: a batch reads its rows and updates them in the same
        statement, and Odoo's cursors are REPEATABLE READ, so a row another
        transaction changed meanwhile (a redemption taking from a lot) makes
        the UPDATE fail with a serialization error, and the whole run starts
        again (_run_batches), instead of expiring or releasing what the
        snapshot saw. Locking
        first would write every row twice."""
        self.env.flush_all()
        cr = self.env.cr
        # A ledger imported or opened in bulk may have no planner statistics
        # yet: the batches would be planned for an empty table.
        analyze_stale(cr, ("loyalty_ledger", "loyalty_card"))
        # What each card gains or loses in the run, and what of it expired.
        cr.execute(
            "DROP TABLE IF EXISTS loyalty_ledger_moved;"
            " CREATE TEMPORARY TABLE loyalty_ledger_moved (card_id integer NOT NULL,"
            " points numeric NOT NULL, expired numeric NOT NULL) ON COMMIT DROP"
        )
        # How many entries the run has to handle, for the progress report.
        cr.execute(SQL("SELECT count(*) FROM loyalty_ledger WHERE %s", todo))
        total = cr.fetchone()[0]
        now = params.setdefault("now", fields.Datetime.now())
        params.update(todo=todo, limit=batch_size, after=after)
        done = 0
        while True:
            cr.execute(SQL(statement, **params))
            count, last = cr.fetchone()
            if not count:
                break
            done += count
            params["after"] = last
            self.env["ir.cron"]._notify_progress(done=done, remaining=max(total - done, 0))
        # One ``expire`` entry per card for what the run expired (the SQL
        # twin of _prepare_entry_vals for these entries), then each card's
        # balance moved by what it gained or lost.
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
                now=now,
                uid=self.env.uid,
            )
        )
        self.invalidate_model()
        self.env["loyalty.card"].invalidate_model(["points"])
        return done
