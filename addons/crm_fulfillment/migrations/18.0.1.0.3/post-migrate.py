from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """18.0.1.0.2 and before: the stage after confirmation said "Paid"
    whatever was paid, and existing orders got their stage at install with
    the install time as shipped date and no history. Say "Confirmed", and
    give the orders that have no history yet their shipped date and history
    from their documents. Goods returned as damaged are scrapped by default."""
    if not version:
        return
    cr.execute(
        """
        UPDATE sale_fulfillment_stage
           SET name = name || jsonb_build_object('en_US', 'Confirmed')
         WHERE code = 'paid' AND name->>'en_US' = 'Paid'
        """
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    # Goods that arrived damaged are usually scrapped (a new setting of reasons).
    damaged = env.ref("crm_fulfillment.return_reason_damaged", raise_if_not_found=False)
    if damaged and damaged.default_condition == "stock":
        damaged.default_condition = "scrap"
    env["sale.order"]._fulfillment_rebuild_history(only_without_events=True)
