from odoo.tools import SQL

RENAMES = (
    ("crm_customer_score_snapshot_pkey", "crm_customer_score_history_pkey"),
    (
        "crm_customer_score_snapshot_partner_company_month_unique",
        "crm_customer_score_history_partner_company_month_unique",
    ),
)


def migrate(cr, version):
    """The snapshots of months that are over keep their rows, as
    crm.customer.score.history: the table is renamed before the module
    loads, and crm.customer.score.snapshot becomes the view of them and of
    the current month's figures."""
    cr.execute(
        "SELECT 1 FROM pg_class WHERE relname = 'crm_customer_score_snapshot' AND relkind = 'r'"
    )
    if not cr.rowcount:
        return
    cr.execute("ALTER TABLE crm_customer_score_snapshot RENAME TO crm_customer_score_history")
    cr.execute(
        "ALTER SEQUENCE IF EXISTS crm_customer_score_snapshot_id_seq"
        " RENAME TO crm_customer_score_history_id_seq"
    )
    for old, new in RENAMES:
        cr.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [old])
        if cr.rowcount:
            cr.execute(
                SQL(
                    "ALTER TABLE crm_customer_score_history RENAME CONSTRAINT %s TO %s",
                    SQL.identifier(old),
                    SQL.identifier(new),
                )
            )
