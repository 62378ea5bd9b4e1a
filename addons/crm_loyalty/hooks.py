from odoo import fields
from odoo.tools import SQL

from .models.loyalty_history import HISTORY_INDEXES


def post_init_hook(env):
    """Open the ledger of existing loyalty cards with their current balance,
    so that the invariant (card points = sum of available entries) holds
    from the start: one entry per card, dated at the install, that says it
    is the opening balance and never expires. Past orders earn nothing
    again; coupons, gift cards and eWallets have no ledger and are not
    touched. One statement, whatever the number of cards; a card that
    already has entries is left as it is."""
    env.flush_all()
    now = fields.Datetime.now()
    env.cr.execute(
        SQL(
            """
            INSERT INTO loyalty_ledger
                (card_id, program_id, partner_id, company_id, kind, points, state, remaining,
                 date, reason, user_id, create_uid, create_date, write_uid, write_date)
            SELECT c.id, c.program_id, c.partner_id, p.company_id, 'adjust', c.points,
                   'available', GREATEST(c.points, 0), %(now)s, %(reason)s, %(uid)s,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM loyalty_card c
              JOIN loyalty_program p ON p.id = c.program_id
             WHERE p.program_type = 'loyalty' AND c.points <> 0
               AND NOT EXISTS (SELECT 1 FROM loyalty_ledger l WHERE l.card_id = c.id)
            """,
            now=now,
            reason=env._("Opening balance: points held when the ledger was installed"),
            uid=env.uid,
        )
    )


def uninstall_hook(env):
    """The indexes the addon made on Odoo's loyalty history go with it (its
    own tables go with their indexes)."""
    for name in HISTORY_INDEXES:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
