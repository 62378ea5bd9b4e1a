"""Return (RMA) rules as plain functions: no ORM, unit-tested."""

from datetime import timedelta


def returnable_quantity(delivered, open_requested):
    """What may still be requested on one order line: what the customer has
    (Odoo's delivered quantity, already net of received returns) minus what
    open return requests already claim."""
    return max(delivered - open_requested, 0.0)


def window_end(delivery_date, days):
    """The last moment a return may be requested; None when there is no
    limit (days <= 0) or the goods were never delivered."""
    if not delivery_date or days <= 0:
        return None
    return delivery_date + timedelta(days=days)


def refund_split(line_amount, fee_percent):
    """(fee, net refund) of a returned amount with a restocking fee."""
    fee = round(line_amount * (fee_percent or 0.0) / 100.0, 2)
    return fee, round(line_amount - fee, 2)
