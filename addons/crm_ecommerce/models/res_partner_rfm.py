from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import scoring

RFM_COLUMNS = (
    ("rfm_recency_score", "int"),
    ("rfm_frequency_score", "int"),
    ("rfm_monetary_score", "int"),
    ("rfm_segment", "text"),
    ("customer_score", "int"),
    ("churn_risk", "bool"),
    ("rfm_last_order_date", "date"),
    ("rfm_recency_days", "int"),
    ("rfm_frequency", "int"),
    ("rfm_order_count", "int"),
    ("rfm_monetary", "float8"),
    ("rfm_order_gap", "float8"),
)

# All customers of a company in one statement: last order, orders and net
# revenue in the window (refunds deducted), the median gap between orders,
# and quintile scores with ties sharing their score.
RFM_QUERY = """
WITH orders AS (
    SELECT p.commercial_partner_id AS partner_id, so.date_order,
           so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1) AS amount
      FROM sale_order so
      JOIN res_partner p ON p.id = so.partner_id
     WHERE so.state = 'sale' AND so.company_id = %(company)s
),
refunds AS (
    SELECT p.commercial_partner_id AS partner_id, sum(-am.amount_untaxed_signed) AS amount
      FROM account_move am
      JOIN res_partner p ON p.id = am.partner_id
     WHERE am.move_type = 'out_refund' AND am.state = 'posted'
       AND am.company_id = %(company)s AND am.invoice_date >= %(since)s::date
  GROUP BY 1
),
gaps AS (
    SELECT partner_id,
           EXTRACT(EPOCH FROM date_order - lag(date_order) OVER (
               PARTITION BY partner_id ORDER BY date_order)) / 86400.0 AS gap
      FROM orders
),
per_partner AS (
    SELECT partner_id,
           max(date_order) AS last_order,
           count(*) FILTER (WHERE date_order >= %(since)s) AS frequency,
           count(*) AS order_count,
           COALESCE(sum(amount) FILTER (WHERE date_order >= %(since)s), 0) AS spend
      FROM orders
  GROUP BY partner_id
),
medians AS (
    SELECT partner_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap
      FROM gaps WHERE gap IS NOT NULL GROUP BY partner_id
),
figures AS (
    SELECT pp.partner_id, pp.last_order, pp.frequency, pp.order_count,
           pp.spend - COALESCE(r.amount, 0) AS monetary, m.median_gap
      FROM per_partner pp
 LEFT JOIN refunds r ON r.partner_id = pp.partner_id
 LEFT JOIN medians m ON m.partner_id = pp.partner_id
)
SELECT partner_id, last_order, frequency, order_count, monetary, median_gap,
       ceil(5 * cume_dist() OVER (ORDER BY last_order))::int AS r_score,
       ceil(5 * cume_dist() OVER (ORDER BY frequency))::int AS f_score,
       ceil(5 * cume_dist() OVER (ORDER BY monetary))::int AS m_score
  FROM figures
"""


class ResPartner(models.Model):
    _inherit = "res.partner"

    rfm_recency_score = fields.Integer(
        string="Recency Score", company_dependent=True, readonly=True
    )
    rfm_frequency_score = fields.Integer(
        string="Frequency Score", company_dependent=True, readonly=True
    )
    rfm_monetary_score = fields.Integer(
        string="Monetary Score", company_dependent=True, readonly=True
    )
    rfm_segment = fields.Selection(
        scoring.SEGMENTS, string="Segment", company_dependent=True, readonly=True
    )
    customer_score = fields.Integer(company_dependent=True, readonly=True, aggregator="avg")
    churn_risk = fields.Boolean(company_dependent=True, readonly=True)
    rfm_last_order_date = fields.Date(string="Last Order", company_dependent=True, readonly=True)
    rfm_recency_days = fields.Integer(
        string="Days Since Last Order", company_dependent=True, readonly=True
    )
    rfm_frequency = fields.Integer(string="Orders in Window", company_dependent=True, readonly=True)
    rfm_order_count = fields.Integer(string="Orders", company_dependent=True, readonly=True)
    rfm_monetary = fields.Float(
        string="Net Revenue", company_dependent=True, readonly=True, aggregator="sum"
    )
    rfm_order_gap = fields.Float(string="Usual Gap (days)", company_dependent=True, readonly=True)
    score_factor_ids = fields.One2many(
        "crm.score.factor",
        "partner_id",
        string="Why This Score",
        domain=lambda self: [("company_id", "=", self.env.company.id)],
    )
    score_snapshot_ids = fields.One2many(
        "crm.customer.score.snapshot",
        "partner_id",
        string="Score Trend",
        domain=lambda self: [("company_id", "=", self.env.company.id)],
    )

    @api.model
    def _read_group_rfm_segment(self, values, domain):
        """Every segment in the grid's order, even when empty."""
        return [code for code, _label in scoring.SEGMENTS]

    @api.model
    def _cron_compute_rfm(self):
        for company in self.env["res.company"].search([("active", "=", True)]):
            self.with_company(company)._compute_rfm_for_company()

    def action_compute_rfm(self):
        self.env["res.partner"]._compute_rfm_for_company()
        return True

    @api.model
    def _compute_rfm_for_company(self):
        """RFM, churn risk, customer score, breakdown and monthly snapshot
        of every customer of the current company, in a fixed number of
        statements whatever the number of customers."""
        company = self.env.company
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                RFM_QUERY,
                company=company.id,
                since=now - timedelta(days=company.crm_rfm_window_days),
            )
        )
        rows = self.env.cr.dictfetchall()
        partners = self.browse([row["partner_id"] for row in rows])
        rule_points = self._rfm_rule_matches(partners)
        values = {name: [] for name, _type in RFM_COLUMNS}
        factors = []
        for row in rows:
            computed = self._rfm_values(row, now, company)
            for name, _type in RFM_COLUMNS:
                values[name].append(computed[name])
            rfm_factors = computed.pop("_factors") + rule_points.get(row["partner_id"], [])
            score, lines = scoring.finish(scoring.apply_caps(rfm_factors))
            values["customer_score"][-1] = score
            factors.extend(
                (row["partner_id"], seq, label, points) for seq, (label, points) in enumerate(lines)
            )
        self._rfm_write(company, partners.ids, values)
        self._rfm_write_factors(company, factors)
        self._rfm_write_snapshots(company, partners.ids, values, now)
        self.invalidate_model([name for name, _type in RFM_COLUMNS])
        self.env["crm.score.factor"].invalidate_model()
        return len(rows)

    @api.model
    def _rfm_values(self, row, now, company):
        recency_days = (now - row["last_order"]).days
        r, f, m = row["r_score"], row["f_score"], row["m_score"]
        gap = row["median_gap"] or 0.0
        churn = (
            row["order_count"] >= 2 and gap > 0 and recency_days > company.crm_churn_factor * gap
        )
        w = scoring.RFM_WEIGHTS
        currency = company.currency_id
        factors = [
            (
                self.env._(
                    "Recency %(score)s/5: last order %(days)s days ago", score=r, days=recency_days
                ),
                scoring.rfm_points(r, w["recency"]),
                None,
                0,
            ),
            (
                self.env._(
                    "Frequency %(score)s/5: %(count)s orders in the window",
                    score=f,
                    count=row["frequency"],
                ),
                scoring.rfm_points(f, w["frequency"]),
                None,
                0,
            ),
            (
                self.env._(
                    "Monetary %(score)s/5: %(amount)s net revenue",
                    score=m,
                    amount=f"{currency.round(row['monetary']):,.2f} {currency.symbol}",
                ),
                scoring.rfm_points(m, w["monetary"]),
                None,
                0,
            ),
        ]
        return {
            "rfm_recency_score": r,
            "rfm_frequency_score": f,
            "rfm_monetary_score": m,
            "rfm_segment": scoring.segment(r, f),
            "customer_score": 0,
            "churn_risk": bool(churn),
            "rfm_last_order_date": row["last_order"].date(),
            "rfm_recency_days": recency_days,
            "rfm_frequency": row["frequency"],
            "rfm_order_count": row["order_count"],
            "rfm_monetary": float(row["monetary"]),
            "rfm_order_gap": float(gap),
            "_factors": factors,
        }

    @api.model
    def _rfm_rule_matches(self, partners):
        """{partner id: [(label, points, group, cap)]} from the customer
        rules: one search per rule over all the customers."""
        result = {}
        for rule, matched in self.env["crm.scoring.rule"]._matches("partner", partners):
            for partner_id in matched.ids:
                result.setdefault(partner_id, []).append(
                    (rule.name, rule.points, rule.group_id.name, rule.group_id.cap)
                )
        return result

    @api.model
    def _rfm_write(self, company, partner_ids, values):
        key = str(company.id)
        sets = SQL(", ").join(
            SQL(
                "%(col)s = COALESCE(p.%(col)s, '{}'::jsonb) || jsonb_build_object(%(key)s::text, v.%(col)s)",
                col=SQL.identifier(name),
                key=key,
            )
            for name, _type in RFM_COLUMNS
        )
        arrays = SQL(", ").join(
            SQL("%s::%s[]", values[name], SQL(sql_type)) for name, sql_type in RFM_COLUMNS
        )
        columns = SQL(", ").join(SQL.identifier(name) for name, _type in RFM_COLUMNS)
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner p SET %(sets)s FROM unnest(%(ids)s::int[], %(arrays)s) AS v(id, %(columns)s)"
                " WHERE p.id = v.id",
                sets=sets,
                ids=partner_ids,
                arrays=arrays,
                columns=columns,
            )
        )
        # Customers without a confirmed order any more lose their figures.
        resets = SQL(", ").join(
            SQL("%(col)s = %(col)s - %(key)s::text", col=SQL.identifier(name), key=key)
            for name, _type in RFM_COLUMNS
        )
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET %s WHERE rfm_segment ? %s AND NOT (id = ANY(%s::int[]))",
                resets,
                key,
                partner_ids,
            )
        )

    @api.model
    def _rfm_write_factors(self, company, factors):
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_score_factor WHERE partner_id IS NOT NULL AND company_id = %s",
                company.id,
            )
        )
        if not factors:
            return
        partner_ids, sequences, labels, points = (
            list(column) for column in zip(*factors, strict=True)
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_score_factor
                    (partner_id, sequence, name, points, company_id, create_uid, create_date, write_uid, write_date)
                SELECT v.partner_id, v.sequence, v.name, v.points, %(company)s,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM unnest(%(partners)s::int[], %(seqs)s::int[], %(labels)s::varchar[], %(points)s::int[])
                       AS v(partner_id, sequence, name, points)
                """,
                company=company.id,
                uid=self.env.uid,
                partners=partner_ids,
                seqs=sequences,
                labels=labels,
                points=points,
            )
        )

    @api.model
    def _rfm_write_snapshots(self, company, partner_ids, values, now):
        if not partner_ids:
            return
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_score_snapshot
                    (partner_id, company_id, month, score, segment, create_uid, create_date, write_uid, write_date)
                SELECT v.partner_id, %(company)s, %(month)s, v.score, v.segment,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM unnest(%(partners)s::int[], %(scores)s::int[], %(segments)s::varchar[])
                       AS v(partner_id, score, segment)
                ON CONFLICT (partner_id, company_id, month)
                DO UPDATE SET score = EXCLUDED.score, segment = EXCLUDED.segment, write_date = EXCLUDED.write_date
                """,
                company=company.id,
                month=now.date().replace(day=1),
                uid=self.env.uid,
                partners=partner_ids,
                scores=values["customer_score"],
                segments=values["rfm_segment"],
            )
        )
        self.env["crm.customer.score.snapshot"].invalidate_model()
