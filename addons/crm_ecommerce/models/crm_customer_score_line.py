from odoo import api, fields, models
from odoo.tools import SQL, drop_view_if_exists

from ..tools import scoring


class CrmCustomerScoreLine(models.Model):
    """One line of a customer score's breakdown ("Why this score"), read
    from the customer's figures (crm_customer_figures): the three RFM lines
    from its scores and figures, in the reader's language, then the lines
    its rules added (kept in score_factors, none for most customers). So
    scoring a customer writes one row, not one per line. A lead's
    breakdown is crm.score.factor."""

    _name = "crm.customer.score.line"
    _description = "Customer Score Line"
    _order = "sequence, id"
    _auto = False
    _log_access = False

    partner_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    sequence = fields.Integer(readonly=True)
    kind = fields.Selection(
        [
            ("recency", "Recency"),
            ("frequency", "Frequency"),
            ("monetary", "Monetary"),
            ("rule", "Rule"),
        ],
        readonly=True,
    )
    score = fields.Integer(readonly=True)
    points = fields.Integer(readonly=True)
    label = fields.Char(readonly=True)
    last_order_date = fields.Date(readonly=True)
    window_orders = fields.Integer(readonly=True)
    monetary = fields.Float(readonly=True)
    name = fields.Char(string="Factor", compute="_compute_name")
    figures_id = fields.Integer(readonly=True)

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        # The points of each RFM score, as the computation gives them.
        points = SQL(", ").join(
            SQL("(%s, %s, %s)", dim, score, scoring.rfm_points(score, weight))
            for dim, weight in scoring.RFM_WEIGHTS.items()
            for score in range(1, 6)
        )
        # Ids: the figures row's times 64 plus the line's position (three
        # RFM lines and one per matching rule: 64 is room).
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(view)s AS
                SELECT f.id::bigint * 64 + d.n AS id, f.partner_id, f.company_id, d.n AS sequence,
                       d.kind, d.score, p.points, NULL::varchar AS label,
                       f.rfm_last_order_date AS last_order_date, f.rfm_frequency AS window_orders,
                       f.rfm_monetary AS monetary, f.id AS figures_id
                  FROM crm_customer_figures f
                 CROSS JOIN LATERAL (VALUES (0, 'recency', f.rfm_recency_score),
                                            (1, 'frequency', f.rfm_frequency_score),
                                            (2, 'monetary', f.rfm_monetary_score)) AS d(n, kind, score)
                  JOIN (VALUES %(points)s) AS p(kind, score, points)
                    ON p.kind = d.kind AND p.score = d.score
                 WHERE f.rfm_segment IS NOT NULL
                 UNION ALL
                SELECT f.id::bigint * 64 + 2 + l.n, f.partner_id, f.company_id, (2 + l.n)::int,
                       'rule', NULL, (l.line->>1)::int, l.line->>0, NULL, NULL, NULL, f.id
                  FROM crm_customer_figures f
                 CROSS JOIN LATERAL jsonb_array_elements(f.score_factors)
                       WITH ORDINALITY AS l(line, n)
                 WHERE f.rfm_segment IS NOT NULL AND jsonb_typeof(f.score_factors) = 'array'
                """,
                view=SQL.identifier(self._table),
                points=points,
            )
        )

    def fetch(self, field_names=None):
        """Lines read by id are found through their figures row's primary
        key: an id is that row's id times 64 plus the line's position, and
        the view can't be searched on an expression of it. Every column
        comes in the one query (an empty list still fetches none): the
        lines' names are computed from them."""
        records = self.with_context(crm_fetch_ids=self._ids)
        if field_names:
            field_names = [name for name, field in self._fields.items() if field.store]
        return super(CrmCustomerScoreLine, records).fetch(field_names)

    def _fetch_query(self, query, fields):
        ids = self.env.context.get("crm_fetch_ids")
        if ids is not None:
            rows = sorted({record_id // 64 for record_id in ids if isinstance(record_id, int)})
            query.add_where(SQL("%s = ANY(%s)", SQL.identifier(self._table, "figures_id"), rows))
        return super()._fetch_query(query, fields)

    @api.depends_context("lang")
    def _compute_name(self):
        sentences = {
            "recency": self.env._("Recency %(score)s/5: last order on %(date)s"),
            "frequency_one": self.env._("Frequency %(score)s/5: 1 order in the window"),
            "frequency": self.env._("Frequency %(score)s/5: %(count)s orders in the window"),
            "monetary": self.env._("Monetary %(score)s/5: %(amount)s net revenue"),
        }
        for line in self:
            kind = line.kind
            if kind == "rule":
                line.name = line.label
            elif kind == "recency":
                line.name = sentences["recency"] % {
                    "score": line.score,
                    "date": line.last_order_date and line.last_order_date.isoformat(),
                }
            elif kind == "frequency":
                key = "frequency_one" if line.window_orders == 1 else "frequency"
                line.name = sentences[key] % {"score": line.score, "count": line.window_orders}
            else:
                symbol = line.company_id.currency_id.symbol
                line.name = sentences["monetary"] % {
                    "score": line.score,
                    "amount": f"{line.monetary:,.2f} {symbol}",
                }
