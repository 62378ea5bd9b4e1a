from odoo import fields, models, tools
from odoo.tools import SQL


class SaleFulfillmentReport(models.Model):
    """Time spent per stage, per month and warehouse: the bottleneck view.

    One row per (stage left, month, warehouse, company, source), so that the median
    is computed by PostgreSQL over the events themselves.
    """

    _name = "sale.fulfillment.report"
    _description = "Fulfilment Time per Stage"
    _auto = False
    _order = "month desc, stage_id"

    stage_id = fields.Many2one("sale.fulfillment.stage", readonly=True)
    month = fields.Date(readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    source = fields.Selection(
        [("live", "Recorded"), ("history", "Rebuilt from documents")],
        readonly=True,
        help="Rebuilt: durations of changes before the addon was installed, from the dates "
        "of the orders' documents.",
    )
    avg_hours = fields.Float(string="Average Hours", readonly=True, aggregator="avg")
    median_hours = fields.Float(readonly=True, aggregator="avg")
    order_count = fields.Integer(string="Orders", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT row_number() OVER () AS id,
                           e.from_stage_id AS stage_id,
                           date_trunc('month', e.date)::date AS month,
                           e.warehouse_id,
                           e.company_id,
                           e.source,
                           avg(e.duration_hours) AS avg_hours,
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY e.duration_hours)
                               AS median_hours,
                           count(DISTINCT e.order_id) AS order_count
                      FROM sale_fulfillment_event e
                     WHERE e.from_stage_id IS NOT NULL
                  GROUP BY e.from_stage_id, date_trunc('month', e.date),
                           e.warehouse_id, e.company_id, e.source
                )
                """,
                SQL.identifier(self._table),
            )
        )
