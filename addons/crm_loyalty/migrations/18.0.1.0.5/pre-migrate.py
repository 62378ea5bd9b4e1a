from odoo.tools.sql import constraint_definition, drop_constraint, drop_index

# 18.0.1.0.1: a unique constraint held every entry, reversal or not (an
# entry of two NULLs for each, rewritten at each of the crons' updates);
# LoyaltyLedger.init() makes the partial unique index that replaces it.
OLD_CONSTRAINT = "loyalty_ledger_reverse_once_per_move"
# 18.0.1.0.0: the crons walked the lots by expiry date.
OLD_INDEX = "loyalty_ledger_lot_expiry_index"


def migrate(cr, version):
    """Drop what older versions had in place of today's indexes, once, at
    the update (until 18.0.1.0.4, init() looked for them at every update)."""
    if not version:
        return
    # Looked up first: ALTER TABLE locks the whole ledger even when there is
    # nothing to drop.
    if constraint_definition(cr, "loyalty_ledger", OLD_CONSTRAINT):
        drop_constraint(cr, "loyalty_ledger", OLD_CONSTRAINT)
    drop_index(cr, OLD_INDEX, "loyalty_ledger")
