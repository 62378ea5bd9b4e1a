"""Fulfilment stage rules as plain functions: no ORM, unit-tested.

An order's stage follows from facts (its state, what was paid, its pickings);
the model gathers the facts in batch and asks these functions.
"""

from datetime import timedelta

# The stage codes, from the least to the most advanced.
ORDER = (
    "quotation",
    "awaiting_payment",
    "paid",
    "ready",
    "picked",
    "packed",
    "shipped",
    "delivered",
)
CODES = (*ORDER, "cancelled")


def rank(code):
    return ORDER.index(code)


def least_advanced(codes):
    """The least advanced of several stages: what an order with several open
    pickings shows (a partial delivery shows what remains)."""
    return min(codes, key=rank)


def picking_stage(step, state, delivery_steps):
    """The stage an open (not done, not cancelled) picking stands for.

    :param step: "pick", "pack" or "out": which operation of the warehouse's
        delivery route the picking is
    :param state: the picking's state
    :param delivery_steps: the warehouse's route: "ship_only",
        "pick_ship" or "pick_pack_ship"
    """
    first_step = step == "pick" or (step == "out" and delivery_steps == "ship_only")
    if first_step:
        return "ready" if state == "assigned" else "paid"
    if step == "pack":
        return "picked"
    # The last step of a 2- or 3-step route waits for the step before it.
    return "picked" if delivery_steps == "pick_ship" else "packed"


def order_stage(state, awaiting_payment, open_pickings, shipped, delivered):
    """The stage of one order.

    :param state: the sale order's state
    :param awaiting_payment: payment is required before shipping and not
        complete yet
    :param open_pickings: the stages of its open pickings (picking_stage)
    :param shipped: at least one outgoing picking was validated
    :param delivered: delivery was confirmed
    """
    if state in ("draft", "sent"):
        return "quotation"
    if state == "cancel":
        return "cancelled"
    if awaiting_payment and not shipped:
        # Goods that left anyway (a manager allowed it) are past payment.
        return "awaiting_payment"
    if open_pickings:
        return least_advanced(open_pickings)
    return "delivered" if delivered else "shipped" if shipped else "paid"


def hours_between(start, end):
    """Hours from start to end, never negative, rounded to the minute."""
    if not start or not end:
        return 0.0
    return round(max((end - start).total_seconds(), 0) / 3600.0, 2)


def sla_deadline(start, hours):
    """The deadline of a stage entered at ``start`` with a target of
    ``hours`` counted around the clock; None when the stage has no target."""
    if not start or not hours:
        return None
    return start + timedelta(hours=hours)
