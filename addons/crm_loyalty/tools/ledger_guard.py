"""Who moves points: the names the ledger's guards share, the flag of the
ledger's own flows, and the lock of rows that two flows may change at once.

A context key comes from the client: any RPC call may set one, so none of
them lets a user past a guard. The flag of the ledger's own flows lives in
the cursor's transaction cache (``env.cr.cache``), which only code running
on the server can set, for the length of a ``with`` block.
"""

from contextlib import contextmanager

from odoo.addons.crm_fulfillment.tools.locks import lock_rows as fulfillment_lock_rows

MANAGER_GROUP = "crm_loyalty.group_loyalty_manager"

# Context key of the ledger's own moves of its entries (release, consumption,
# reminders: the SYSTEM_FIELDS of loyalty.ledger); honoured in superuser mode
# only.
SYSTEM = "loyalty_ledger_system"


def as_system(records):
    """``records`` for a move of the ledger's own (see SYSTEM); the caller
    is in superuser mode."""
    return records.with_context(**{SYSTEM: True})


def lock_rows(records):
    """Lock the rows of ``records`` until the transaction ends, the way
    crm_fulfillment does (tools/locks.py): a concurrent transaction that
    locks them waits, then fails to serialize, and Odoo retries it against
    the new data."""
    if records:
        fulfillment_lock_rows(records.env.cr, records._table, records.ids)


# Keys in env.cr.cache, set by the context managers below only.
_LEDGER_SYNC = "crm_loyalty.ledger_sync"
_OUTSIDE_REASON = "crm_loyalty.outside_change_reason"


@contextmanager
def ledger_sync(env):
    """Card points written inside the block are the ledger's own: a flow
    that writes its entries itself (sale_loyalty's confirmation and
    cancellation, which the ledger follows, and the balance sync) and that
    no user can start from the client with a context key. Nests."""
    cache = env.cr.cache
    cache[_LEDGER_SYNC] = cache.get(_LEDGER_SYNC, 0) + 1
    try:
        yield
    finally:
        cache[_LEDGER_SYNC] -= 1


def in_ledger_sync(env):
    return env.cr.cache.get(_LEDGER_SYNC, 0) > 0


@contextmanager
def outside_change_reason(env, reason):
    """The reason the server gives to a change of points made on the card
    inside the block (the manager's description in Odoo's balance wizard)."""
    cache = env.cr.cache
    previous = cache.get(_OUTSIDE_REASON)
    cache[_OUTSIDE_REASON] = reason
    try:
        yield
    finally:
        cache[_OUTSIDE_REASON] = previous


def outside_change_reason_of(env):
    return env.cr.cache.get(_OUTSIDE_REASON)
