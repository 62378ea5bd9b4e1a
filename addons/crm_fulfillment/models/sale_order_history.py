import logging
import time

from odoo import api, models
from odoo.tools import SQL

from ..tools import pg
from ..tools import stages as rules

_logger = logging.getLogger(__name__)

# The rank of each stage code, as SQL: the order of tools.stages.ORDER.
_RANKS = SQL(
    "(VALUES %s) AS r(code, rank)",
    SQL(", ").join(SQL("(%s, %s)", code, rank) for rank, code in enumerate(rules.ORDER)),
)


# What the history is rebuilt from, and written to.
HISTORY_TABLES = (
    "sale_order",
    "stock_picking",
    "stock_picking_type",
    "sale_fulfillment_event",
)


class SaleOrder(models.Model):
    """The fulfilment history of orders that existed before the addon,
    rebuilt from their own documents."""

    _inherit = "sale.order"

    @api.model
    def _fulfillment_rebuild_history(
        self, batch_size=5000, only_without_events=False, keep_stage=None
    ):
        """Give existing orders their stage, shipped date and a history
        rebuilt from the dates of their documents, in batches of set-based
        SQL (two statements a batch, whatever its size):

        - quotation at the order's creation, confirmation at its order date;
        - picked, packed at the first validated pick and pack transfers,
          shipped at the last validated delivery once nothing is left to
          deliver, and the shipped date at the first validated delivery;
        - no delivered date: Odoo has no proof of delivery, and automatic
          delivery counts from the real shipped date.

        Each rebuilt event says so (``source = 'history'``). Nothing is sent,
        scheduled or called: no email, activity, late flag or hook, for what
        happened before the install. No order needs payment before shipping
        at install (the setting is new), so none awaits payment.

        ``only_without_events``: rebuild only the orders that have no event
        yet; the others keep the history recorded for them. ``keep_stage``
        (by default, as ``only_without_events``): keep the orders' stage,
        for upgrades of a version that gave existing orders their stage
        without a history; the install gives them theirs.

        Returns the number of orders processed."""
        if keep_stage is None:
            keep_stage = only_without_events
        started = time.perf_counter()
        self.env.flush_all()
        cr = self.env.cr
        # A shop's history imported in bulk may have no planner statistics
        # yet: the batches would be planned for empty tables.
        pg.analyze_stale(cr, HISTORY_TABLES)
        stage_ids = {
            stage.code: stage.id for stage in self.env["sale.fulfillment.stage"]._by_code().values()
        }
        if set(rules.CODES) - set(stage_ids):
            _logger.warning("Fulfilment stages are missing; the history is not rebuilt.")
            return 0
        after, done = 0, 0
        while True:
            cr.execute(
                self._fulfillment_history_batch_sql(
                    after, batch_size, only_without_events, keep_stage
                )
            )
            count, last = cr.fetchone()
            if not count:
                break
            done += count
            after = last
            _logger.info("Fulfilment history rebuilt for %s orders", done)
        self.invalidate_model()
        self.env["sale.fulfillment.event"].invalidate_model()
        _logger.info(
            "Fulfilment history rebuilt: %s orders in %.2f s", done, time.perf_counter() - started
        )
        return done

    @api.model
    def _fulfillment_history_batch_sql(self, after, limit, only_without_events, keep_stage=None):
        """One batch: the facts of each order from its transfers, the
        events they imply (inserted), then the orders' stage and dates
        (updated); returns (orders in the batch, last id)."""
        without_events = (
            SQL("AND NOT EXISTS (SELECT 1 FROM sale_fulfillment_event e WHERE e.order_id = so.id)")
            if only_without_events
            else SQL()
        )
        return SQL(
            """
            WITH batch AS (
                SELECT so.id, so.state, so.create_date, so.date_order, so.company_id,
                       so.warehouse_id, so.partner_id, so.fulfillment_stage_id
                  FROM sale_order so
                 WHERE so.id > %(after)s %(without_events)s
              ORDER BY so.id
                 LIMIT %(limit)s
            ),
            pickings AS (
                -- The order's own transfers out (not receipts, not exchanges
                -- of returns), the step of its route each one is, and for an
                -- open one the stage it stands for (tools.stages.picking_stage).
                SELECT x.*,
                       CASE WHEN x.state = 'done' THEN NULL
                            WHEN x.step = 'pick' OR (x.step = 'out' AND x.steps = 'ship_only')
                                THEN CASE WHEN x.state = 'assigned' THEN 'ready' ELSE 'paid' END
                            WHEN x.step = 'pack' THEN 'picked'
                            WHEN x.steps = 'pick_ship' THEN 'picked'
                            ELSE 'packed' END AS open_code
                  FROM (
                    SELECT sp.sale_id AS order_id, sp.state, sp.date_done, spt.code AS type_code,
                           COALESCE(w.delivery_steps, 'ship_only') AS steps,
                           CASE WHEN w.delivery_steps <> 'ship_only' AND spt.id = w.pick_type_id
                                    THEN 'pick'
                                WHEN w.delivery_steps = 'pick_pack_ship' AND spt.id = w.pack_type_id
                                    THEN 'pack'
                                ELSE 'out' END AS step
                      FROM stock_picking sp
                      JOIN batch b ON b.id = sp.sale_id
                      JOIN stock_picking_type spt ON spt.id = sp.picking_type_id
                 LEFT JOIN stock_warehouse w ON w.id = spt.warehouse_id
                     WHERE spt.code <> 'incoming' AND sp.state <> 'cancel'
                       AND sp.sale_return_id IS NULL
                  ) x
            ),
            facts AS (
                SELECT b.id,
                       min(p.date_done) FILTER (WHERE p.state = 'done' AND p.type_code = 'outgoing')
                           AS first_out,
                       max(p.date_done) FILTER (WHERE p.state = 'done' AND p.step = 'out')
                           AS last_out,
                       min(p.date_done) FILTER (WHERE p.state = 'done' AND p.step = 'pick')
                           AS picked_at,
                       min(p.date_done) FILTER (WHERE p.state = 'done' AND p.step = 'pack')
                           AS packed_at,
                       min(r.rank) AS open_rank
                  FROM batch b
             LEFT JOIN pickings p ON p.order_id = b.id
             LEFT JOIN %(ranks)s ON r.code = p.open_code
              GROUP BY b.id
            ),
            target AS (
                -- tools.stages.order_stage, without payment (see the caller),
                -- and the date the order entered it: its last dated milestone.
                SELECT t.*, r.rank,
                       GREATEST(LEAST(t.create_date, t.date_order),
                                CASE WHEN t.state = 'sale' AND r.rank >= 2 THEN t.date_order END,
                                CASE WHEN r.rank >= 4 THEN t.picked_at END,
                                CASE WHEN r.rank >= 5 THEN t.packed_at END,
                                CASE WHEN t.code = 'shipped' THEN t.last_out END) AS stage_date
                  FROM (
                    SELECT b.*, f.first_out, f.last_out, f.picked_at, f.packed_at,
                           CASE WHEN b.state IN ('draft', 'sent') THEN 'quotation'
                                WHEN b.state = 'cancel' THEN 'cancelled'
                                WHEN f.open_rank IS NOT NULL
                                    THEN (SELECT code FROM %(ranks)s WHERE r.rank = f.open_rank)
                                WHEN f.last_out IS NOT NULL THEN 'shipped'
                                ELSE 'paid' END AS code
                      FROM batch b JOIN facts f ON f.id = b.id
                  ) t
                  -- A cancelled order's history stops at its quotation.
                  JOIN %(ranks)s ON r.code = CASE WHEN t.code = 'cancelled' THEN 'quotation'
                                                  ELSE t.code END
            ),
            milestones AS (
                -- What the documents date, up to the stage the order is in.
                SELECT t.id AS order_id, m.code, m.date, m.rank
                  FROM target t
                 CROSS JOIN LATERAL (
                       VALUES ('quotation', LEAST(t.create_date, t.date_order), 0),
                              ('paid', CASE WHEN t.state = 'sale' THEN t.date_order END, 2),
                              ('picked', t.picked_at, 4),
                              ('packed', t.packed_at, 5),
                              ('shipped', CASE WHEN t.code = 'shipped' THEN t.last_out END, 6)
                 ) AS m(code, date, rank)
                 WHERE m.date IS NOT NULL AND m.rank <= t.rank
            ),
            chained AS (
                SELECT order_id, code, date,
                       lag(code) OVER w AS from_code,
                       lag(date) OVER w AS from_date,
                       row_number() OVER w AS seq
                  FROM milestones
                WINDOW w AS (PARTITION BY order_id ORDER BY date, rank)
            ),
            events AS (
                INSERT INTO sale_fulfillment_event
                    (order_id, from_stage_id, to_stage_id, date, duration_hours, source,
                     company_id, warehouse_id, partner_id,
                     create_uid, create_date, write_uid, write_date)
                SELECT c.order_id, fs.id, ts.id, c.date,
                       CASE WHEN c.from_date IS NULL THEN 0
                            ELSE round((GREATEST(EXTRACT(EPOCH FROM c.date - c.from_date), 0)
                                        / 3600.0)::numeric, 2) END,
                       'history', t.company_id, t.warehouse_id, t.partner_id,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM chained c
                  JOIN target t ON t.id = c.order_id
                  JOIN sale_fulfillment_stage ts ON ts.code = c.code
             LEFT JOIN sale_fulfillment_stage fs ON fs.code = c.from_code
              ORDER BY c.order_id, c.seq
             RETURNING order_id
            ),
            orders AS (
                UPDATE sale_order so
                   SET fulfillment_shipped_date = t.first_out,
                       fulfillment_stage_id = CASE WHEN %(keep_stage)s THEN so.fulfillment_stage_id
                                                   ELSE s.id END,
                       fulfillment_stage_date = CASE WHEN %(keep_stage)s THEN so.fulfillment_stage_date
                                                     ELSE t.stage_date END
                  FROM target t
                  JOIN sale_fulfillment_stage s ON s.code = t.code
                 WHERE so.id = t.id
             RETURNING so.id
            )
            SELECT (SELECT count(*) FROM batch), (SELECT max(id) FROM batch)
              FROM (SELECT count(*) FROM events) e, (SELECT count(*) FROM orders) o
            """,
            after=after,
            limit=limit,
            without_events=without_events,
            ranks=_RANKS,
            keep_stage=bool(only_without_events if keep_stage is None else keep_stage),
            uid=self.env.uid,
        )
