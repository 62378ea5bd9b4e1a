from odoo.tools import SQL

# The "has a value" indexes Odoo gave the company-dependent RFM figures by
# default (all but the segment's), and the indexes the breakdown lines and
# snapshots no longer declare: Odoo keeps an index a field no longer asks
# for, so they are dropped here.
INDEXES = (
    "res_partner__rfm_recency_score_index",
    "res_partner__rfm_frequency_score_index",
    "res_partner__rfm_monetary_score_index",
    "res_partner__customer_score_index",
    "res_partner__churn_risk_index",
    "res_partner__rfm_last_order_date_index",
    "res_partner__rfm_frequency_index",
    "res_partner__rfm_order_count_index",
    "res_partner__rfm_monetary_index",
    "res_partner__rfm_order_gap_index",
    "res_partner__rfm_signature_index",
    "crm_score_factor__company_id_index",
    "crm_customer_score_snapshot__partner_id_index",
)
# Breakdown lines and snapshots keep no author or dates any more; Odoo does
# not drop these columns itself.
LOG_COLUMNS = ("create_uid", "create_date", "write_uid", "write_date")


def migrate(cr, version):
    """Figures, breakdowns and snapshots are written for every customer on
    a first run: what each row needs, and nothing that nothing reads."""
    for index in INDEXES:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
    # The snapshots' table is crm_customer_score_history since 18.0.1.4.0
    # (its pre-migration renames it before this runs, on an update from
    # before 18.0.1.2.0): whichever of the names is a table.
    cr.execute(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname IN"
        " ('crm_score_factor', 'crm_customer_score_snapshot', 'crm_customer_score_history')"
    )
    for (table,) in cr.fetchall():
        cr.execute(
            SQL(
                "ALTER TABLE %s %s",
                SQL.identifier(table),
                SQL(", ").join(
                    SQL("DROP COLUMN IF EXISTS %s", SQL.identifier(column))
                    for column in LOG_COLUMNS
                ),
            )
        )
