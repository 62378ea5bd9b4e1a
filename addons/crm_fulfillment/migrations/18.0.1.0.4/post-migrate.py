from odoo import SUPERUSER_ID, api

OPEN_STATES = ("draft", "requested", "approved", "received")


def migrate(cr, version):
    """18.0.1.0.3 and before: the restocking fee was a percentage of the
    untaxed value while the gross was taxes included. Open returns get the
    fee and net of the new rule (a percentage of what was paid); resolved,
    rejected and cancelled returns keep the figures their credit notes and
    messages were made from."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    lines = env["sale.return.line"].search([("return_id.state", "in", OPEN_STATES)])
    env.add_to_compute(lines._fields["fee_amount"], lines)
    env.add_to_compute(lines._fields["refund_amount"], lines)
    lines._recompute_recordset(["fee_amount", "refund_amount"])
    lines.flush_recordset()
