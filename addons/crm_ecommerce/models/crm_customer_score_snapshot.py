from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists

from ..tools import scoring


class CrmCustomerScoreHistory(models.Model):
    """The customer score and segment of each month that is over: the
    score trend's past (crm.customer.score.snapshot).

    Written by the RFM computation only, on its first run of a month, from
    the figures of the month before (res_partner_rfm._rfm_close_months):
    no author or dates, and the customer is found through the unique
    (customer, company, month) index, without one of its own."""

    _name = "crm.customer.score.history"
    _description = "Customer Score History"
    _order = "month desc"
    _log_access = False

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    month = fields.Date(required=True)
    score = fields.Integer(aggregator="avg")
    segment = fields.Selection(scoring.SEGMENTS)

    _sql_constraints = [
        (
            "partner_company_month_unique",
            "unique(partner_id, company_id, month)",
            "One snapshot per month.",
        ),
    ]


class CrmCustomerScoreSnapshot(models.Model):
    """The customer score and segment each month, for a trend: the months
    that are over (crm.customer.score.history), and the current month's
    from the customer's figures, which a first computation so does not
    write twice."""

    _name = "crm.customer.score.snapshot"
    _description = "Customer Score Snapshot"
    _order = "month desc"
    _auto = False
    _log_access = False

    partner_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    month = fields.Date(readonly=True)
    score = fields.Integer(aggregator="avg", readonly=True)
    segment = fields.Selection(scoring.SEGMENTS, readonly=True)
    source_id = fields.Integer(readonly=True)

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        # Ids: a past month's is its history row's doubled, the current
        # month's its figures row's doubled plus one; either row's own id
        # is source_id (see _fetch_query).
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS
                SELECT h.id * 2 AS id, h.partner_id, h.company_id, h.month, h.score, h.segment,
                       h.id AS source_id
                  FROM crm_customer_score_history h
                 UNION ALL
                SELECT f.id * 2 + 1, f.partner_id, f.company_id, f.rfm_month, f.customer_score,
                       f.rfm_segment, f.id
                  FROM crm_customer_figures f
                 WHERE f.rfm_segment IS NOT NULL
                """,
                SQL.identifier(self._table),
            )
        )

    def fetch(self, field_names=None):
        """Snapshots read by id are found through their row's primary key
        (the id halved), which the view can't do from an expression of it.
        Every column comes in the one query (the view is narrow)."""
        records = self.with_context(crm_fetch_ids=self._ids)
        if field_names:
            field_names = [name for name, field in self._fields.items() if field.store]
        return super(CrmCustomerScoreSnapshot, records).fetch(field_names)

    def _fetch_query(self, query, fields):
        ids = self.env.context.get("crm_fetch_ids")
        if ids is not None:
            rows = sorted({record_id // 2 for record_id in ids if isinstance(record_id, int)})
            query.add_where(SQL("%s = ANY(%s)", SQL.identifier(self._table, "source_id"), rows))
        return super()._fetch_query(query, fields)
