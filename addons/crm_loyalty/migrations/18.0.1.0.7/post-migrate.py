from odoo.tools.sql import drop_index

# Until 18.0.1.0.6, card_id had an index of its own (index=True): the
# index by card and date that LoyaltyLedger.init() makes, which card_id
# leads, serves the same lookups.
OLD_INDEX = "loyalty_ledger__card_id_index"


def migrate(cr, version):
    """Drop the index of card_id, once, at the update: after init() made
    the index that replaces it (post-migrate), so that no lookup by card
    runs without one. Every write of the ledger paid for both."""
    if not version:
        return
    drop_index(cr, OLD_INDEX, "loyalty_ledger")
