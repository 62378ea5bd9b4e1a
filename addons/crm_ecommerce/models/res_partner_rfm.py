from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools import pg, scoring

GROUP = "crm_ecommerce.group_crm_ecommerce_user"

RFM_COLUMNS = (
    ("rfm_recency_score", "int"),
    ("rfm_frequency_score", "int"),
    ("rfm_monetary_score", "int"),
    ("rfm_segment", "text"),
    ("customer_score", "int"),
    ("churn_risk", "bool"),
    ("rfm_last_order_date", "date"),
    ("rfm_frequency", "int"),
    ("rfm_order_count", "int"),
    ("rfm_monetary", "float8"),
    ("rfm_order_gap", "float8"),
    ("rfm_signature", "text"),
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
SELECT f.partner_id, f.last_order, f.frequency, f.order_count, f.monetary, f.median_gap,
       ceil(5 * cume_dist() OVER (ORDER BY f.last_order))::int AS r_score,
       ceil(5 * cume_dist() OVER (ORDER BY f.frequency))::int AS f_score,
       ceil(5 * cume_dist() OVER (ORDER BY f.monetary))::int AS m_score,
       rp.rfm_signature->>%(key)s AS stored_signature
  FROM figures f
  JOIN res_partner rp ON rp.id = f.partner_id
"""


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Internal figures: readable by the customer-intelligence group only
    # (salespeople get it), never by other employees or portal users.
    rfm_recency_score = fields.Integer(
        string="Recency Score", company_dependent=True, readonly=True, groups=GROUP
    )
    rfm_frequency_score = fields.Integer(
        string="Frequency Score", company_dependent=True, readonly=True, groups=GROUP
    )
    rfm_monetary_score = fields.Integer(
        string="Monetary Score", company_dependent=True, readonly=True, groups=GROUP
    )
    rfm_segment = fields.Selection(
        scoring.SEGMENTS, string="Segment", company_dependent=True, readonly=True, groups=GROUP
    )
    customer_score = fields.Integer(
        company_dependent=True, readonly=True, aggregator="avg", groups=GROUP
    )
    churn_risk = fields.Boolean(company_dependent=True, readonly=True, groups=GROUP)
    rfm_last_order_date = fields.Date(
        string="Last Order", company_dependent=True, readonly=True, groups=GROUP
    )
    rfm_recency_days = fields.Integer(
        string="Days Since Last Order", compute="_compute_rfm_recency_days", groups=GROUP
    )
    rfm_frequency = fields.Integer(
        string="Orders in Window", company_dependent=True, readonly=True, groups=GROUP
    )
    rfm_order_count = fields.Integer(
        string="Orders", company_dependent=True, readonly=True, groups=GROUP
    )
    rfm_monetary = fields.Float(
        string="Net Revenue",
        company_dependent=True,
        readonly=True,
        aggregator="sum",
        groups=GROUP,
    )
    rfm_order_gap = fields.Float(
        string="Usual Gap (days)", company_dependent=True, readonly=True, groups=GROUP
    )
    rfm_signature = fields.Char(
        company_dependent=True,
        readonly=True,
        groups=GROUP,
        help="Technical: what was last written, to skip unchanged customers.",
    )
    score_factor_ids = fields.One2many(
        "crm.score.factor",
        "partner_id",
        string="Why This Score",
        domain=lambda self: [("company_id", "=", self.env.company.id)],
        groups=GROUP,
    )
    score_snapshot_ids = fields.One2many(
        "crm.customer.score.snapshot",
        "partner_id",
        string="Score Trend",
        domain=lambda self: [("company_id", "=", self.env.company.id)],
        groups=GROUP,
    )

    @api.depends("rfm_last_order_date")
    @api.depends_context("company")
    def _compute_rfm_recency_days(self):
        today = fields.Date.context_today(self)
        for partner in self:
            last = partner.rfm_last_order_date
            partner.rfm_recency_days = (today - last).days if last else 0

    @api.model
    def _read_group_rfm_segment(self, values, domain):
        """Every segment in the grid's order, even when empty."""
        return [code for code, _label in scoring.SEGMENTS]

    @api.model
    def _cron_compute_rfm(self):
        for company in self.env["res.company"].search([("active", "=", True)]):
            self.with_company(company)._compute_rfm_for_company()

    def action_compute_rfm(self):
        """Recompute every customer of the company now: it rewrites figures
        by SQL for customers the caller may not even read, so it is for
        customer-intelligence administrators only (as its server action)."""
        if not self.env.su and not self.env.user.has_group(
            "crm_ecommerce.group_crm_ecommerce_manager"
        ):
            raise AccessError(
                self.env._(
                    "Only customer-intelligence administrators can compute segments and scores."
                )
            )
        self.env["res.partner"]._compute_rfm_for_company()
        return True

    @api.model
    def _compute_rfm_for_company(self):
        """RFM, churn risk, customer score, breakdown and monthly snapshot
        of every customer of the current company, in a fixed number of
        statements whatever the number of customers. Only customers whose
        figures changed are written: a nightly run rewrites few rows."""
        company = self.env.company
        now = fields.Datetime.now()
        self.env.flush_all()
        with pg.aggregate_settings(self.env.cr):
            self.env.cr.execute(
                SQL(
                    RFM_QUERY,
                    company=company.id,
                    key=str(company.id),
                    since=now - timedelta(days=company.crm_rfm_window_days),
                )
            )
            rows = self.env.cr.dictfetchall()
        rule_points = self._rfm_rule_matches(self.browse([row["partner_id"] for row in rows]))
        changed_ids, values, factors = [], {name: [] for name, _type in RFM_COLUMNS}, []
        # The loop runs for every customer: plain locals, no ORM access.
        weights = scoring.RFM_WEIGHTS
        points = {
            dim: [0] + [scoring.rfm_points(score, weight) for score in range(1, 6)]
            for dim, weight in weights.items()
        }
        churn_factor = company.crm_churn_factor
        for row in rows:
            r, f, m = row["r_score"], row["f_score"], row["m_score"]
            gap = round(float(row["median_gap"] or 0.0), 2)
            last = row["last_order"]
            count = row["order_count"]
            churn = count >= 2 and gap > 0 and (now - last).days > churn_factor * gap
            rfm = [
                ("recency", points["recency"][r], None, 0),
                ("frequency", points["frequency"][f], None, 0),
                ("monetary", points["monetary"][m], None, 0),
            ]
            rules = rule_points.get(row["partner_id"])
            score = (
                scoring.finish(scoring.apply_caps(rfm + rules))[0]
                if rules
                else scoring.clamp(rfm[0][1] + rfm[1][1] + rfm[2][1])
            )
            computed = (
                r,
                f,
                m,
                scoring.segment(r, f),
                score,
                bool(churn),
                last.date(),
                row["frequency"],
                count,
                round(float(row["monetary"]), 2),
                gap,
            )
            signature = "|".join(map(str, computed))
            if signature == row["stored_signature"]:
                continue
            changed_ids.append(row["partner_id"])
            for (name, _type), value in zip(RFM_COLUMNS, (*computed, signature), strict=True):
                values[name].append(value)
            labelled = self._rfm_factor_labels(
                row, dict(zip([n for n, _t in RFM_COLUMNS], computed, strict=False)), company
            )
            lines = scoring.finish(scoring.apply_caps(labelled + (rules or [])))[1]
            factors.extend(
                (row["partner_id"], seq, label, pts) for seq, (label, pts) in enumerate(lines)
            )
        all_ids = [row["partner_id"] for row in rows]
        reset_ids = self._rfm_write(company, changed_ids, all_ids, values)
        # Customers who lost their figures lose their breakdown with them.
        self.env["crm.score.factor"]._replace(
            "partner_id", changed_ids + reset_ids, company, factors
        )
        self._rfm_write_snapshots(company, rows, changed_ids, values, now)
        self.invalidate_model([name for name, _type in RFM_COLUMNS] + ["rfm_recency_days"])
        self.env["crm.score.factor"].invalidate_model()
        return len(rows)

    @api.model
    def _rfm_factor_labels(self, row, computed, company):
        """The RFM factors with their sentences, built for written customers only."""
        w = scoring.RFM_WEIGHTS
        currency = company.currency_id
        r, f, m = (
            computed["rfm_recency_score"],
            computed["rfm_frequency_score"],
            computed["rfm_monetary_score"],
        )
        return [
            (
                self.env._(
                    "Recency %(score)s/5: last order on %(date)s",
                    score=r,
                    date=computed["rfm_last_order_date"],
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
                    amount=f"{computed['rfm_monetary']:,.2f} {currency.symbol}",
                ),
                scoring.rfm_points(m, w["monetary"]),
                None,
                0,
            ),
        ]

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
    def _rfm_write(self, company, partner_ids, all_ids, values):
        """Write the changed customers' figures; returns the ids of the
        customers whose figures were removed (no confirmed order any more)."""
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
                "UPDATE res_partner SET %s WHERE rfm_segment ? %s AND NOT (id = ANY(%s::int[]))"
                " RETURNING id",
                resets,
                key,
                all_ids,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _rfm_write_snapshots(self, company, rows, changed_ids, values, now):
        """Snapshot the changed customers; on the month's first run, all."""
        month = now.date().replace(day=1)
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM crm_customer_score_snapshot WHERE company_id = %s AND month = %s LIMIT 1",
                company.id,
                month,
            )
        )
        if self.env.cr.fetchone():
            partner_ids, scores, segments = (
                changed_ids,
                values["customer_score"],
                values["rfm_segment"],
            )
        else:
            changed = dict(
                zip(
                    changed_ids,
                    zip(values["customer_score"], values["rfm_segment"], strict=True),
                    strict=True,
                )
            )
            names = [name for name, _type in RFM_COLUMNS]
            score_at, segment_at = names.index("customer_score"), names.index("rfm_segment")
            partner_ids, scores, segments = [], [], []
            for row in rows:
                if row["partner_id"] in changed:
                    score, segment = changed[row["partner_id"]]
                else:
                    stored = (row["stored_signature"] or "").split("|")
                    score, segment = int(stored[score_at]), stored[segment_at]
                partner_ids.append(row["partner_id"])
                scores.append(score)
                segments.append(segment)
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
                month=month,
                uid=self.env.uid,
                partners=partner_ids,
                scores=scores,
                segments=segments,
            )
        )
        self.env["crm.customer.score.snapshot"].invalidate_model()
