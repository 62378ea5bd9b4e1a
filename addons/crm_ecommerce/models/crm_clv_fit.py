from odoo import api, fields, models

UNITS = [("week", "Weeks"), ("day", "Days")]
UNIT_DAYS = {"week": 7.0, "day": 1.0}


class CrmClvFit(models.Model):
    """One nightly fit of the prediction models for a company: the
    parameters found, or why there are none.

    Written by the prediction run only (see res_partner_clv.py), a row per
    attempt, failed ones included, so that a manager sees when and why the
    predictions stopped following the data. The company's fit in use is
    ``res.company.crm_clv_fit_id``: a failed attempt leaves it as it was."""

    _name = "crm.clv.fit"
    _description = "Customer Prediction Fit"
    _order = "date desc, id desc"
    _rec_name = "date"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    date = fields.Datetime(string="Fitted On", required=True, readonly=True)
    run_date = fields.Date(
        required=True, readonly=True, help="The day of the run, in the company's timezone."
    )
    state = fields.Selection(
        [("done", "Fitted"), ("failed", "Not Fitted")], required=True, readonly=True
    )
    reason = fields.Char(string="Why Not", readonly=True)
    unit = fields.Selection(UNITS, string="Time Unit", required=True, readonly=True)
    customers = fields.Integer(readonly=True, help="Customers with a confirmed purchase.")
    repeat_customers = fields.Integer(
        readonly=True, help="Customers who bought again on a later day."
    )
    # Stored at full precision (no digits: a rounded parameter would not
    # give back the predictions it made); the views show four decimals.
    # BG/NBD: purchase rates gamma(r, alpha) distributed (alpha in the time
    # unit), dropout after a purchase beta(a, b) distributed.
    bgnbd_r = fields.Float(string="r", readonly=True)
    bgnbd_alpha = fields.Float(string="alpha", readonly=True)
    bgnbd_a = fields.Float(string="a", readonly=True)
    bgnbd_b = fields.Float(string="b", readonly=True)
    bgnbd_log_likelihood = fields.Float(string="Log-likelihood (BG/NBD)", readonly=True)
    # Gamma-Gamma: spend per order gamma(p, nu), nu gamma(q, v) distributed.
    gamma_p = fields.Float(string="p", readonly=True)
    gamma_q = fields.Float(string="q", readonly=True)
    gamma_v = fields.Float(string="v", readonly=True)
    gamma_log_likelihood = fields.Float(string="Log-likelihood (Gamma-Gamma)", readonly=True)
    seconds = fields.Float(
        string="Optimiser Time (s)",
        digits=(16, 3),
        readonly=True,
        help="Time spent fitting the two models, the database's work aside.",
    )
    summary = fields.Char(compute="_compute_summary")

    @api.depends("state", "reason", "customers", "repeat_customers", "bgnbd_log_likelihood")
    def _compute_summary(self):
        for fit in self:
            if fit.state != "done":
                fit.summary = fit.reason or ""
                continue
            fit.summary = self.env._(
                "r %(r).3f, alpha %(alpha).3f, a %(a).3f, b %(b).3f (log-likelihood %(ll)s); "
                "p %(p).2f, q %(q).2f, v %(v).2f; on %(customers)s customers, "
                "%(repeat)s of them repeat customers, in %(unit)s",
                r=fit.bgnbd_r,
                alpha=fit.bgnbd_alpha,
                a=fit.bgnbd_a,
                b=fit.bgnbd_b,
                ll=f"{fit.bgnbd_log_likelihood:,.1f}",
                p=fit.gamma_p,
                q=fit.gamma_q,
                v=fit.gamma_v,
                customers=f"{fit.customers:,}",
                repeat=f"{fit.repeat_customers:,}",
                unit=dict(self._fields["unit"]._description_selection(self.env))[fit.unit].lower(),
            )

    def _bgnbd(self):
        self.ensure_one()
        return (self.bgnbd_r, self.bgnbd_alpha, self.bgnbd_a, self.bgnbd_b)

    def _gamma_gamma(self):
        self.ensure_one()
        return (self.gamma_p, self.gamma_q, self.gamma_v)
