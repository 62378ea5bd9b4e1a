from datetime import timedelta
from operator import itemgetter

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools import pg, scoring
from .res_partner_figures import figure_search

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
# Written with the figures: the month they are of (the score trend's
# current month) and the breakdown's lines.
RFM_WRITTEN = (*RFM_COLUMNS, ("rfm_month", "date"), ("score_factors", "jsonb"))

# All customers of a company in one statement: last order day (in the
# company's timezone), orders and net revenue in the window (refunds
# deducted), the median gap between orders, and the 1..5 scores by the tie
# rule of scoring.tie_score: the distinct values are ranked, equal values
# share a score, the lowest value present gets 1, and when every customer has
# the same value they all get %(single_*)s. With ``targets``, only those
# customers' figures are computed from their orders, and scored against the
# figures stored for the company's other customers (the first order of a new
# customer, see sale_order_rfm.py).
RFM_QUERY = """
WITH orders AS (
    SELECT p.commercial_partner_id AS partner_id, so.date_order,
           so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1) AS amount
      FROM sale_order so
      JOIN res_partner p ON p.id = so.partner_id
     WHERE so.state = 'sale' AND so.company_id = %(company)s
       AND (%(targets)s::int[] IS NULL OR p.commercial_partner_id = ANY(%(targets)s::int[]))
),
refunds AS (
    SELECT p.commercial_partner_id AS partner_id, sum(-am.amount_untaxed_signed) AS amount
      FROM account_move am
      JOIN res_partner p ON p.id = am.partner_id
     WHERE am.move_type = 'out_refund' AND am.state = 'posted'
       AND am.company_id = %(company)s AND am.invoice_date >= %(since)s::date
       AND (%(targets)s::int[] IS NULL OR p.commercial_partner_id = ANY(%(targets)s::int[]))
       -- Only refunds of sold goods: revenue counts sale orders, so a credit
       -- note of an invoice made without an order is not deducted from it.
       AND EXISTS (SELECT 1 FROM account_move_line aml
                     JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = aml.id
                    WHERE aml.move_id = am.id)
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
           (max(date_order) AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS last_order,
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
           round((pp.spend - COALESCE(r.amount, 0))::numeric, 2)::float8 AS monetary,
           m.median_gap
      FROM per_partner pp
 LEFT JOIN refunds r ON r.partner_id = pp.partner_id
 LEFT JOIN medians m ON m.partner_id = pp.partner_id
),
population AS (
    SELECT partner_id, last_order, frequency, monetary FROM figures
     UNION ALL
    SELECT partner_id, rfm_last_order_date, rfm_frequency, rfm_monetary
      FROM crm_customer_figures
     WHERE %(targets)s::int[] IS NOT NULL AND company_id = %(company)s
       AND rfm_segment IS NOT NULL AND NOT (partner_id = ANY(%(targets)s::int[]))
),
ranked AS (
    SELECT partner_id,
           dense_rank() OVER (ORDER BY last_order) AS r_rank,
           dense_rank() OVER (ORDER BY frequency) AS f_rank,
           dense_rank() OVER (ORDER BY monetary) AS m_rank
      FROM population
),
distinct_values AS (
    SELECT count(DISTINCT last_order) AS r_n, count(DISTINCT frequency) AS f_n,
           count(DISTINCT monetary) AS m_n
      FROM population
)
SELECT f.partner_id, f.last_order, f.frequency, f.order_count, f.monetary, f.median_gap,
       CASE WHEN d.r_n <= 1 THEN %(single_recency)s WHEN k.r_rank = 1 THEN 1
            ELSE ceil(5.0 * k.r_rank / d.r_n)::int END AS r_score,
       CASE WHEN d.f_n <= 1 THEN %(single_frequency)s WHEN k.f_rank = 1 THEN 1
            ELSE ceil(5.0 * k.f_rank / d.f_n)::int END AS f_score,
       CASE WHEN d.m_n <= 1 THEN %(single_monetary)s WHEN k.m_rank = 1 THEN 1
            ELSE ceil(5.0 * k.m_rank / d.m_n)::int END AS m_score,
       cf.rfm_signature AS stored_signature
  FROM figures f
  JOIN ranked k ON k.partner_id = f.partner_id
 CROSS JOIN distinct_values d
 LEFT JOIN crm_customer_figures cf ON cf.partner_id = f.partner_id AND cf.company_id = %(company)s
"""

# What the figures are read from: analyzed first when their statistics are
# missing or stale (pg.analyze_stale).
RFM_TABLES = (
    "sale_order",
    "res_partner",
    "crm_customer_figures",
    "account_move",
    "account_move_line",
    "sale_order_line_invoice_rel",
)

# The score of everyone when all the company's customers share one value:
# all ordered on the same day are all as recent as can be (5); all bought
# as often, or spent as much, tell nothing apart and get the lowest (1).
RFM_SINGLE = {"recency": 5, "frequency": 1, "monetary": 1}

# Customers written per company and call of the cron: the cron runner
# commits each call and calls again while customers remain, so that the
# first run of a database with years of orders is committed in batches.
RFM_BATCH_SIZE = 20000


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Internal figures: readable by the customer-intelligence group only
    # (salespeople get it), never by other employees or portal users. Kept
    # in crm_customer_figures, one row per customer and company, and read,
    # searched, sorted and grouped there (res_partner_figures.py).
    rfm_recency_score = fields.Integer(
        string="Recency Score",
        compute="_compute_crm_figures",
        search=figure_search("rfm_recency_score"),
        readonly=True,
        groups=GROUP,
    )
    rfm_frequency_score = fields.Integer(
        string="Frequency Score",
        compute="_compute_crm_figures",
        search=figure_search("rfm_frequency_score"),
        readonly=True,
        groups=GROUP,
    )
    rfm_monetary_score = fields.Integer(
        string="Monetary Score",
        compute="_compute_crm_figures",
        search=figure_search("rfm_monetary_score"),
        readonly=True,
        groups=GROUP,
    )
    rfm_segment = fields.Selection(
        scoring.SEGMENTS,
        string="Segment",
        compute="_compute_crm_figures",
        search=figure_search("rfm_segment"),
        readonly=True,
        groups=GROUP,
        group_expand="_read_group_rfm_segment",
    )
    customer_score = fields.Integer(
        compute="_compute_crm_figures",
        search=figure_search("customer_score"),
        readonly=True,
        aggregator="avg",
        groups=GROUP,
    )
    churn_risk = fields.Boolean(
        compute="_compute_crm_figures",
        search=figure_search("churn_risk"),
        readonly=True,
        groups=GROUP,
    )
    rfm_last_order_date = fields.Date(
        string="Last Order",
        compute="_compute_crm_figures",
        search=figure_search("rfm_last_order_date"),
        readonly=True,
        groups=GROUP,
    )
    rfm_recency_days = fields.Integer(
        string="Days Since Last Order", compute="_compute_rfm_recency_days", groups=GROUP
    )
    rfm_frequency = fields.Integer(
        string="Orders in Window",
        compute="_compute_crm_figures",
        search=figure_search("rfm_frequency"),
        readonly=True,
        groups=GROUP,
    )
    rfm_order_count = fields.Integer(
        string="Orders",
        compute="_compute_crm_figures",
        search=figure_search("rfm_order_count"),
        readonly=True,
        groups=GROUP,
    )
    rfm_monetary = fields.Float(
        string="Net Revenue",
        compute="_compute_crm_figures",
        search=figure_search("rfm_monetary"),
        readonly=True,
        aggregator="sum",
        groups=GROUP,
    )
    rfm_order_gap = fields.Float(
        string="Usual Gap (days)",
        compute="_compute_crm_figures",
        search=figure_search("rfm_order_gap"),
        readonly=True,
        groups=GROUP,
    )
    rfm_signature = fields.Char(
        compute="_compute_crm_figures",
        search=figure_search("rfm_signature"),
        readonly=True,
        groups=GROUP,
        help="Technical: what was last written, to skip unchanged customers.",
    )
    score_factor_ids = fields.One2many(
        "crm.customer.score.line",
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
        """Every segment in the grid's order, even when empty: the Customer
        Insights kanban shows a column for each."""
        return [code for code, _label in scoring.SEGMENTS]

    @api.model
    def _cron_compute_rfm(self, batch_size=RFM_BATCH_SIZE):
        """Every company's customers, at most ``batch_size`` written per
        company and call, with the progress for the cron runner: it commits
        each call and calls again while customers remain to be written (all
        of them on the first run of a database with history, few at night).
        A call that a concurrent transaction made fail starts again
        (pg.retry_in_cron)."""
        pg.retry_in_cron(self.env, lambda: self._cron_compute_rfm_once(batch_size))

    @api.model
    def _cron_compute_rfm_once(self, batch_size):
        done = remaining = 0
        for company in self.env["res.company"].search([("active", "=", True)]):
            _customers, written, left = self.with_company(company)._rfm_compute(limit=batch_size)
            done += written
            remaining += left
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

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
        self.env["res.partner"]._rfm_recompute_company()
        return True

    def action_crm_compute_customer(self):
        """The partner form's Compute button: this customer's figures,
        score and breakdown now, scored against the company's other
        customers as last computed (their own figures are left as they
        are)."""
        if not self.env.user.has_group(GROUP):
            raise AccessError(
                self.env._("Only customer-intelligence users can compute a customer's score.")
            )
        # Its figures are written by SQL: the caller must be allowed to
        # read the customers it computes.
        self.check_access("read")
        # Predictions first: churn risk is decided from them (res_partner_clv.py).
        self.env["res.partner"]._clv_compute_customers(self.commercial_partner_id.ids)
        self.env["res.partner"]._rfm_compute(partner_ids=self.commercial_partner_id.ids)
        return True

    @api.model
    def _rfm_recompute_company(self):
        """RFM, churn risk, customer score, breakdown and monthly snapshot
        of every customer of the current company; returns their number."""
        return self._rfm_compute()[0]

    @api.model
    def _rfm_compute(self, limit=None, partner_ids=None):
        """RFM, churn risk, customer score, breakdown and monthly snapshot
        of the customers of the current company, in a fixed number of
        statements whatever their number. Only customers whose figures
        changed are written, at most ``limit`` of them (by id): a nightly
        run rewrites few rows, a first run all of them.

        With ``partner_ids`` (commercial partners), only those customers are
        computed, against the figures stored for the others: nobody else is
        written, reset or snapshotted.

        :return: (customers, customers written, customers left to write)
        """
        company = self.env.company
        now = fields.Datetime.now()
        tz = self._rfm_timezone(company)
        self.env.flush_all()
        # A history imported in bulk may have no planner statistics yet
        # (a few customers are read through their indexes, whatever the
        # statistics: an order's confirmation scores its customer).
        if partner_ids is None:
            pg.analyze_stale(self.env.cr, RFM_TABLES)
        with pg.aggregate_settings(self.env.cr):
            # Every customer's figures and scores (see RFM_QUERY).
            self.env.cr.execute(
                SQL(
                    RFM_QUERY,
                    company=company.id,
                    key=str(company.id),
                    since=now - timedelta(days=company.crm_rfm_window_days),
                    tz=tz,
                    targets=None if partner_ids is None else pg.int_array(partner_ids),
                    single_recency=RFM_SINGLE["recency"],
                    single_frequency=RFM_SINGLE["frequency"],
                    single_monetary=RFM_SINGLE["monetary"],
                )
            )
            # (partner id, last order, frequency, orders, monetary, median
            # gap, r, f, m, stored signature), as RFM_QUERY selects them.
            rows = self.env.cr.fetchall()
        all_ids = [row[0] for row in rows]
        today = pytz.utc.localize(now).astimezone(pytz.timezone(tz)).date()
        rule_points = self._rfm_rule_matches(self.browse(all_ids))
        # The loop runs for every customer: plain locals, no ORM access.
        # A customer to write is a record (id, *figures, signature).
        records = []
        points = {
            dim: [0] + [scoring.rfm_points(score, weight) for score in range(1, 6)]
            for dim, weight in scoring.RFM_WEIGHTS.items()
        }
        churn_factor = company.crm_churn_factor
        # Once predictions exist, churn risk is a probability of being
        # active below the company's threshold (res_partner_clv.py).
        alive = self._clv_alive(company, partner_ids)
        alive_below = company.crm_clv_alive_threshold / 100
        for partner_id, last, frequency, count, monetary, median_gap, r, f, m, stored in rows:
            rfm = (points["recency"][r], points["frequency"][f], points["monetary"][m])
            gap = round(float(median_gap or 0.0), 2)
            if alive is None:
                churn = count >= 2 and gap > 0 and (today - last).days > churn_factor * gap
            else:
                churn = alive.get(partner_id, 1.0) < alive_below
            rules = rule_points.get(partner_id)
            if rules:
                matches = [(dim, pts, None, 0) for dim, pts in zip(points, rfm, strict=True)]
                score = scoring.finish(scoring.apply_caps(matches + rules))[0]
            else:
                score = scoring.clamp(sum(rfm))
            computed = (
                r,
                f,
                m,
                scoring.segment(r, f),
                score,
                bool(churn),
                last.isoformat(),
                frequency,
                count,
                round(float(monetary), 2),
                gap,
            )
            signature = "|".join(map(str, computed))
            if signature != stored:
                records.append((partner_id, *computed, signature))
        # This call writes the first ones by id; the next, the rest.
        records.sort(key=itemgetter(0))
        remaining = max(len(records) - limit, 0) if limit is not None else 0
        records = records[:limit]
        factors = self._rfm_factors(company, records, rule_points, points)
        month = now.date().replace(day=1)
        self._rfm_close_months(company, month, partner_ids)
        # Each with its month and breakdown; customers who lost their
        # figures lose both with them.
        self._rfm_write(
            company,
            [(*record, month.isoformat(), factors[record[0]]) for record in records],
            all_ids,
            partner_ids,
        )
        # A first computation fills the figures' table: the statements that
        # read it next (a campaign's audience, the screens' searches) must
        # not be planned for the empty table its statistics still describe.
        pg.analyze_understated(self.env.cr, "crm_customer_figures", len(rows))
        self.invalidate_model([name for name, _type in RFM_COLUMNS] + ["rfm_recency_days"])
        self.env["crm.customer.score.line"].invalidate_model()
        self.env["crm.customer.score.snapshot"].invalidate_model()
        return len(rows), len(records), remaining

    @api.model
    def _rfm_timezone(self, company):
        """The timezone of the company's days (its address's, else UTC):
        recency counts whole days, so that customers who ordered the same
        day, minutes apart, are equally recent."""
        tz = company.partner_id.tz
        return tz if tz in pytz.all_timezones_set else "UTC"

    @api.model
    def _rfm_factors(self, company, records, rule_points, points):
        """The breakdown lines that follow the three RFM sentences, as
        {partner id: [[label, points], ...] or None}, of the customers to
        write (``records``, as _rfm_write takes them): their rules' lines,
        caps and clamp. The RFM sentences are made from the figures when
        they are read (crm.customer.score.line), in the reader's language:
        a customer no rule matches has nothing more to keep."""
        factors = {}
        for partner_id, r, f, m, *_rest in records:
            rules = rule_points.get(partner_id)
            if not rules:
                factors[partner_id] = None
                continue
            rfm = [
                ("recency", points["recency"][r], None, 0),
                ("frequency", points["frequency"][f], None, 0),
                ("monetary", points["monetary"][m], None, 0),
            ]
            lines = scoring.finish(scoring.apply_caps(rfm + rules))[1]
            factors[partner_id] = [[label, pts] for label, pts in lines[3:]]
        return factors

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
    def _rfm_write(self, company, records, all_ids, partner_ids=None):
        """Write the figures of ``records`` [(partner id, *figures in
        RFM_WRITTEN order)]; returns the ids of the customers whose figures
        were removed (no confirmed order any more, so not in ``all_ids``;
        among ``partner_ids`` when given)."""
        return pg.write_figures(
            self.env.cr,
            RFM_WRITTEN,
            company.id,
            records=records,
            all_ids=all_ids,
            partner_ids=partner_ids,
            marker="rfm_segment",
        )

    @api.model
    def _rfm_close_months(self, company, month, partner_ids=None):
        """Keep the score and segment of the months that are over in the
        trend's history, before figures of ``month`` replace them: the
        company's customers whose figures are of an earlier month (among
        ``partner_ids`` when given), in two statements; none on the other
        runs of a month."""
        among = (
            SQL("AND f.partner_id = ANY(%s::int[])", pg.int_array(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_score_history (partner_id, company_id, month, score, segment)
                SELECT f.partner_id, f.company_id, f.rfm_month, f.customer_score, f.rfm_segment
                  FROM crm_customer_figures f
                 WHERE f.company_id = %(company)s AND f.rfm_segment IS NOT NULL
                   AND f.rfm_month < %(month)s %(among)s
                   AND EXISTS (SELECT 1 FROM res_partner p WHERE p.id = f.partner_id)
                ON CONFLICT (partner_id, company_id, month)
                DO UPDATE SET score = EXCLUDED.score, segment = EXCLUDED.segment
                """,
                company=company.id,
                month=month,
                among=among,
            )
        )
        if self.env.cr.rowcount:
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_customer_figures f SET rfm_month = %s WHERE f.company_id = %s"
                    " AND f.rfm_segment IS NOT NULL AND f.rfm_month < %s %s",
                    month,
                    company.id,
                    month,
                    among,
                )
            )
