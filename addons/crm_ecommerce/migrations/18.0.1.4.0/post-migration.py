from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

# The customer figures that were company-dependent columns of res_partner
# (jsonb, one key per company) and are rows of crm_customer_figures now.
RFM = (
    ("rfm_recency_score", "int"),
    ("rfm_frequency_score", "int"),
    ("rfm_monetary_score", "int"),
    ("rfm_segment", "varchar"),
    ("customer_score", "int"),
    ("churn_risk", "bool"),
    ("rfm_last_order_date", "date"),
    ("rfm_frequency", "int"),
    ("rfm_order_count", "int"),
    ("rfm_monetary", "float8"),
    ("rfm_order_gap", "float8"),
    ("rfm_signature", "varchar"),
)
CLV = (
    ("clv_frequency", "int"),
    ("clv_first_purchase", "date"),
    ("clv_last_purchase", "date"),
    ("clv_date", "date"),
    ("clv_fit_date", "date"),
    ("clv_predicted_orders", "float8"),
    ("clv_probability_alive", "float8"),
    ("clv_next_order_date", "date"),
    ("clv_expected_spend", "float8"),
    ("clv_predicted_value", "float8"),
    ("clv_signature", "varchar"),
)


def _columns(cr, table, names):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND column_name = ANY(%s)",
        [table, list(names)],
    )
    return {row[0] for row in cr.fetchall()}


def migrate(cr, version):
    """Move every customer's figures, per company, from res_partner's
    company-dependent columns into crm_customer_figures, the lines its
    rules added to its breakdown from crm_score_factor (the three RFM lines
    are made from the figures when read), and its current month out of the
    history (the view shows it from the figures); then drop what
    res_partner and crm_score_factor no longer need, so res_partner is as
    Odoo made it."""
    present = _columns(cr, "res_partner", [name for name, _type in RFM + CLV])
    groups = [group for group in (RFM, CLV) if group[0][0] in present]
    for group in groups:
        names = [name for name, _type in group if name in present]
        marker = SQL.identifier(group[0][0])
        cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_figures (partner_id, company_id, %(names)s)
                SELECT p.id, k.key::int, %(values)s
                  FROM res_partner p
                 CROSS JOIN LATERAL jsonb_object_keys(p.%(marker)s) AS k(key)
                 WHERE jsonb_typeof(p.%(marker)s) = 'object' AND k.key ~ '^[0-9]+$'
                   AND p.%(marker)s->>k.key IS NOT NULL
                ON CONFLICT (partner_id, company_id) DO UPDATE SET %(updates)s
                """,
                names=SQL(", ").join(SQL.identifier(name) for name in names),
                values=SQL(", ").join(
                    SQL("(p.%s->>k.key)::%s", SQL.identifier(name), SQL(sql_type))
                    for name, sql_type in group
                    if name in present
                ),
                marker=marker,
                updates=SQL(", ").join(
                    SQL("%(col)s = EXCLUDED.%(col)s", col=SQL.identifier(name)) for name in names
                ),
            )
        )
    # The month the figures are of: the current one (the nightly run wrote
    # them), whose snapshot the history no longer keeps.
    cr.execute(
        "UPDATE crm_customer_figures SET rfm_month = date_trunc('month', now())::date"
        " WHERE rfm_segment IS NOT NULL AND rfm_month IS NULL"
    )
    cr.execute(
        "DELETE FROM crm_customer_score_history h USING crm_customer_figures f"
        " WHERE f.partner_id = h.partner_id AND f.company_id = h.company_id"
        " AND h.month = f.rfm_month"
    )
    if _columns(cr, "crm_score_factor", ["partner_id"]):
        cr.execute(
            """
            UPDATE crm_customer_figures f SET score_factors = l.lines
              FROM (SELECT partner_id, company_id,
                           jsonb_agg(jsonb_build_array(name, points) ORDER BY sequence, id) AS lines
                      FROM crm_score_factor WHERE partner_id IS NOT NULL AND sequence >= 3
                  GROUP BY partner_id, company_id) l
             WHERE f.partner_id = l.partner_id AND f.company_id = l.company_id
            """
        )
        cr.execute("DELETE FROM crm_score_factor WHERE partner_id IS NOT NULL")
        cr.execute("ALTER TABLE crm_score_factor DROP COLUMN partner_id")
    if present:
        cr.execute(
            SQL(
                "ALTER TABLE res_partner %s",
                SQL(", ").join(
                    SQL("DROP COLUMN %s", SQL.identifier(name)) for name in sorted(present)
                ),
            )
        )
    # The up-sell reads what sells and who bought both from the nightly
    # refresh's tables, new in this version: refreshed now rather than
    # leaving quotations without up-sell until the night.
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("crm_ecommerce.ir_cron_product_affinity", raise_if_not_found=False)
    if cron:
        cron._trigger()
