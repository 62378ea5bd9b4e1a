import logging
import time

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import clv, pg
from .crm_clv_fit import UNIT_DAYS
from .res_partner_clv import CLV_COLUMNS, MONTH_DAYS
from .res_partner_rfm import RFM_TABLES

_logger = logging.getLogger(__name__)

# Each customer's purchases as the models count them, in one statement: a
# purchase is a day (in the company's timezone) with confirmed orders whose
# amount, net of what posted credit notes took back of each order, is more
# than zero. So several orders of one day are one purchase, and a fully
# refunded, free or negative order is none. Per customer: the first and
# last purchase days, x (purchases after the first), t_x and T in days, and
# the mean net amount of the repeat purchases (the first purchase is left
# out, as the Gamma-Gamma model wants). With ``targets``, only those
# customers.
CLV_INPUTS = """
WITH orders AS (
    SELECT so.id, p.commercial_partner_id AS partner_id,
           (so.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
           so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1) AS amount
      FROM sale_order so
      JOIN res_partner p ON p.id = so.partner_id
     WHERE so.state = 'sale' AND so.company_id = %(company)s AND so.date_order <= %(now)s
       AND (%(targets)s::int[] IS NULL OR p.commercial_partner_id = ANY(%(targets)s::int[]))
),
refunded AS (
    -- Each credit-note line once per order, even when it refunds several
    -- lines of the order; in the company's currency.
    SELECT refund.order_id, sum(refund.balance) AS amount
      FROM (SELECT DISTINCT aml.id, sol.order_id, aml.balance
              FROM account_move am
              JOIN account_move_line aml ON aml.move_id = am.id
              JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = aml.id
              JOIN sale_order_line sol ON sol.id = rel.order_line_id
             WHERE am.move_type = 'out_refund' AND am.state = 'posted'
               AND am.company_id = %(company)s
               AND sol.order_id IN (SELECT id FROM orders)) refund
  GROUP BY refund.order_id
),
purchases AS (
    SELECT o.partner_id, o.day, sum(o.amount - COALESCE(r.amount, 0)) AS amount
      FROM orders o
 LEFT JOIN refunded r ON r.order_id = o.id
     WHERE o.amount - COALESCE(r.amount, 0) > 0
  GROUP BY o.partner_id, o.day
),
marked AS (
    SELECT partner_id, day, amount, min(day) OVER (PARTITION BY partner_id) AS first_day
      FROM purchases
)
SELECT partner_id, min(day) AS first_day, max(day) AS last_day, count(*) - 1 AS x,
       max(day) - min(day) AS recency, %(today)s::date - min(day) AS age,
       COALESCE(avg(amount) FILTER (WHERE day > first_day), 0)::float8 AS spend
  FROM marked
 GROUP BY partner_id
"""

# Ours: the inputs with what was last written of each customer, the facts
# their signature is made of, by id (batches write the first ids first).
# The columns of CLV_QUERY, as _clv_compute names them.
INPUT_NAMES = ("ids", "firsts", "lasts", "x", "recency", "age", "spend", "facts", "stored")
CLV_QUERY = """
SELECT i.partner_id, i.first_day::text, i.last_day::text, i.x, i.recency, i.age, i.spend,
       concat_ws('|', i.x, i.first_day, i.last_day, round(i.spend::numeric, 2)) AS facts,
       cf.clv_signature AS stored_signature
  FROM (%(inputs)s) i
  LEFT JOIN crm_customer_figures cf ON cf.partner_id = i.partner_id AND cf.company_id = %(company)s
 ORDER BY i.partner_id
"""

HORIZON_DAYS = 90
# The wait before a next order is shown up to this many days: beyond, the
# model has nothing useful to say about a date.
MAX_WAIT_DAYS = 3650
# Customers written per company and call of the cron (see _cron_compute_rfm).
CLV_BATCH_SIZE = 20000
# Why a fit failed, in the fit's record and the customers' tab. The data
# itself can't support predictions (``CLEARS``): the company's fit in use is
# dropped and churn follows the gap rule. Otherwise the previous fit stays
# in use.
CLEARS = ("few_repeat", "no_spread")


class ResPartner(models.Model):
    """The nightly run of the predictions: the fit of the models per
    company, and every customer's predictions written by SQL."""

    _inherit = "res.partner"

    @api.model
    def _cron_clv(self, batch_size=CLV_BATCH_SIZE):
        """Every company's fit (once a day) and customers' predictions, at
        most ``batch_size`` customers written per company and call, with the
        progress for the cron runner, as _cron_compute_rfm does. When all
        are written, the RFM run is triggered: churn risk follows the new
        probabilities. A call that a concurrent transaction made fail starts
        again (pg.retry_in_cron)."""
        if not clv.available():
            _logger.info("Customer predictions skipped: install scipy to enable them.")
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        pg.retry_in_cron(self.env, lambda: self._cron_clv_once(batch_size))

    @api.model
    def _cron_clv_once(self, batch_size):
        done = remaining = 0
        for company in self.env["res.company"].search([("active", "=", True)]):
            _customers, written, left = self.with_company(company)._clv_compute(limit=batch_size)
            done += written
            remaining += left
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if done and not remaining:
            rfm = self.env.ref("crm_ecommerce.ir_cron_compute_rfm", raise_if_not_found=False)
            if rfm:
                rfm._trigger()

    @api.model
    def _clv_compute(self, limit=None, refit=None, partner_ids=None):
        """Fit the models of the current company (``refit``: always, never,
        or None: unless it was already fitted today), then write the
        predictions of its customers whose figures changed, at most
        ``limit`` of them by id, in a fixed number of statements.

        With ``partner_ids`` (commercial partners), only those customers,
        with the fit in use: nobody else is written or reset.

        :return: (customers, customers written, customers left to write)
        """
        np = clv._np()
        company = self.env.company
        tz = self._rfm_timezone(company)
        now = fields.Datetime.now()
        today = pytz.utc.localize(now).astimezone(pytz.timezone(tz)).date()
        targets = None if partner_ids is None else pg.int_array(partner_ids)
        self.env.flush_all()
        if partner_ids is None:
            pg.analyze_stale(self.env.cr, RFM_TABLES)
        # The read and the write, under the aggregates' settings (the write
        # joins every customer's row).
        with pg.aggregate_settings(self.env.cr):
            self.env.cr.execute(
                SQL(
                    CLV_QUERY,
                    inputs=SQL(
                        CLV_INPUTS,
                        company=company.id,
                        tz=tz,
                        now=now,
                        today=today,
                        targets=targets,
                    ),
                    company=company.id,
                )
            )
            rows = self.env.cr.fetchall()
            columns = list(zip(*rows, strict=True)) if rows else [()] * len(INPUT_NAMES)
            inputs = dict(zip(INPUT_NAMES, (list(c) for c in columns), strict=True))
            for name in ("x", "recency", "age", "spend"):
                inputs[name] = np.asarray(inputs[name], dtype=float)
            if partner_ids is None and (
                refit or (refit is None and not self._clv_fitted_today(company, today))
            ):
                self._clv_fit(company, today, inputs)
            fit = company.crm_clv_fit_id
            run = f"{fit.id}:{today}:{company.crm_clv_discount_rate:g}" if fit else "none"
            inputs["signature"] = [f"{run}|{fact}" for fact in inputs["facts"]]
            todo = [
                i
                for i, (new, old) in enumerate(
                    zip(inputs["signature"], inputs["stored"], strict=True)
                )
                if new != old
            ]
            remaining = max(len(todo) - limit, 0) if limit is not None else 0
            todo = np.asarray(todo[:limit] if limit is not None else todo, dtype=int)
            values = self._clv_records(company, fit, today, todo, inputs)
            self._clv_write(company, values, inputs["ids"], partner_ids)
        self.invalidate_model(
            [name for name, _type in CLV_COLUMNS] + ["clv_status", "clv_explanation"]
        )
        return len(rows), len(values[0]), remaining

    @api.model
    def _clv_fitted_today(self, company, today):
        # sudo: whether the run already fitted the company today, for the
        # run itself (the cron's, or a manager's).
        return bool(
            self.env["crm.clv.fit"]
            .sudo()
            .search_count([("company_id", "=", company.id), ("run_date", "=", today)], limit=1)
        )

    @api.model
    def _clv_fit(self, company, today, inputs):
        """Fit both models on every customer of the company (``inputs``, as
        _clv_compute reads them) and store the attempt. A successful fit
        becomes the company's fit in use; a failed one is logged and leaves
        the previous fit in use, except when the history itself is too
        short (CLEARS): then there is none. Returns the attempt."""
        x, recency, age, spend = (inputs[name] for name in ("x", "recency", "age", "spend"))
        unit = company.crm_clv_unit
        scale = UNIT_DAYS[unit]
        vals = {
            "company_id": company.id,
            "date": fields.Datetime.now(),
            "run_date": today,
            "unit": unit,
            "customers": len(x),
            "repeat_customers": int((x > 0).sum()),
        }
        start = time.perf_counter()
        code = None
        try:
            clv.check_history(x, age, company.crm_clv_min_repeat_customers)
            bgnbd = clv.fit_bgnbd(x, recency / scale, age / scale)
            gamma = clv.fit_gamma_gamma(x, spend)
        except clv.FitError as error:
            code = error.code
            vals.update(state="failed", reason=self._clv_fit_reason(error))
            # A short history is a shop's normal state for a while; an
            # optimiser that fails is worth a look.
            _logger.log(
                logging.INFO if code in CLEARS else logging.WARNING,
                "Customer predictions of %s not fitted (%s): %s",
                company.name,
                code,
                vals["reason"],
            )
        else:
            vals.update(
                state="done",
                bgnbd_r=bgnbd.r,
                bgnbd_alpha=bgnbd.alpha,
                bgnbd_a=bgnbd.a,
                bgnbd_b=bgnbd.b,
                bgnbd_log_likelihood=bgnbd.log_likelihood,
                gamma_p=gamma.p,
                gamma_q=gamma.q,
                gamma_v=gamma.v,
                gamma_log_likelihood=gamma.log_likelihood,
            )
        vals["seconds"] = time.perf_counter() - start
        # sudo: the run records its attempt and the company's fit in use,
        # for the cron or an administrator (action_clv_fit checked it).
        fit = self.env["crm.clv.fit"].sudo().create(vals)
        if fit.state == "done" or code in CLEARS:
            # sudo: the company's fit in use, which only this run sets.
            company.sudo().crm_clv_fit_id = fit if fit.state == "done" else False
            company.flush_recordset(["crm_clv_fit_id"])
        return fit

    @api.model
    def _clv_fit_reason(self, error):
        """The sentence of a FitError, for the fit's record and the tab."""
        figures = error.figures
        if error.code == "few_repeat":
            return self.env._(
                "%(repeat)s customers bought again on a later day; predictions need "
                "%(required)s (Settings).",
                repeat=figures["repeat"],
                required=figures["required"],
            )
        if error.code == "no_spread":
            return self.env._("Every purchase was made on one day: there is no timing to learn.")
        if error.code == "no_spend":
            return self.env._("No repeat purchase has a positive amount to learn spend from.")
        if error.code == "bad_parameters":
            return self.env._(
                "Spend per order varies too much between customers for an expected value."
            )
        return self.env._(
            "The fit did not converge (%(message)s); the previous fit stays in use.",
            message=figures.get("message") or "?",
        )

    @api.model
    def _clv_records(self, company, fit, today, todo, inputs):
        """What to write of the customers at positions ``todo`` of
        ``inputs``, by column: [partner ids, *values in CLV_COLUMNS order].
        Predictions for repeat customers when the company has a fit in use,
        vectorised over all of them; None where there is no prediction."""
        np = clv._np()
        ids, firsts, lasts, x, recency, age, spend, signatures = (
            inputs[name]
            for name in ("ids", "firsts", "lasts", "x", "recency", "age", "spend", "signature")
        )
        count = len(todo)
        empty = [None] * count
        orders = alive = wait = expected = value = empty
        if fit and count:
            scale = UNIT_DAYS[fit.unit]
            sub_x = x[todo]
            repeat = sub_x > 0
            with np.errstate(all="ignore"):
                figures = clv.predict(
                    fit._bgnbd(),
                    fit._gamma_gamma(),
                    sub_x,
                    recency[todo] / scale,
                    age[todo] / scale,
                    spend=spend[todo],
                    horizon=HORIZON_DAYS / scale,
                    month=MONTH_DAYS / scale,
                    annual_rate=company.crm_clv_discount_rate / 100,
                )
            finite = np.logical_and.reduce([np.isfinite(v) for v in figures.values()])
            shown = repeat & finite
            wait_days = np.minimum(np.round(figures["wait"] * scale), MAX_WAIT_DAYS)
            next_days = (
                np.datetime64(today, "D") + np.where(shown, wait_days, 0).astype("timedelta64[D]")
            ).astype(str)

            def column(values, digits):
                rounded = np.round(np.where(shown, values, 0.0), digits).tolist()
                return [v if ok else None for v, ok in zip(rounded, shown.tolist(), strict=True)]

            orders = column(figures["orders"], 3)
            alive = column(figures["alive"], 4)
            expected = column(figures["spend"], 2)
            value = column(figures["value"], 2)
            wait = [d if ok else None for d, ok in zip(next_days, shown.tolist(), strict=True)]
            on, fitted = today.isoformat(), fit.run_date.isoformat()
            predicted_on = [on if ok else None for ok in shown.tolist()]
            fitted_on = [fitted if ok else None for ok in shown.tolist()]
        else:
            predicted_on = fitted_on = empty
        picked = todo.tolist()
        # By column, as they are sent: no lookup per customer and value.
        return [
            [ids[i] for i in picked],
            x[todo].astype(int).tolist() if count else [],
            [firsts[i] for i in picked],
            [lasts[i] for i in picked],
            predicted_on,
            fitted_on,
            orders,
            alive,
            wait,
            expected,
            value,
            [signatures[i] for i in picked],
        ]

    @api.model
    def _clv_write(self, company, values, all_ids, partner_ids=None):
        """Write ``values`` [partner ids, *values in CLV_COLUMNS order, by
        column] into the company's key of every column; the customers
        without a purchase any more (not in ``all_ids``, among
        ``partner_ids`` when given) lose theirs."""
        pg.write_figures(
            self.env.cr,
            CLV_COLUMNS,
            company.id,
            values=values,
            all_ids=all_ids,
            partner_ids=partner_ids,
        )

    @api.model
    def _clv_alive(self, company, partner_ids=None):
        """{partner id: probability of being active} of the company's
        customers with a prediction, or None when churn risk follows the
        usual-gap rule; one query."""
        if not self._clv_churn_follows_predictions(company):
            return None
        among = (
            SQL("AND partner_id = ANY(%s::int[])", pg.int_array(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, clv_probability_alive FROM crm_customer_figures"
                " WHERE company_id = %s AND clv_probability_alive IS NOT NULL %s",
                company.id,
                among,
            )
        )
        return dict(self.env.cr.fetchall())
