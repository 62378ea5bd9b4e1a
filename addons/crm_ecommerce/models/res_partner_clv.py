from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount, format_date

from ..tools import clv
from .res_partner_figures import figure_search

GROUP = "crm_ecommerce.group_crm_ecommerce_user"

CLV_COLUMNS = (
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
    ("clv_signature", "text"),
)
MONTH_DAYS = 365.25 / 12


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Written by the prediction run only (set-based, see _clv_write), for
    # the customer-intelligence group; no "has a value" index (see
    # res_partner_rfm.py).
    clv_frequency = fields.Integer(
        string="Repeat Purchases",
        compute="_compute_crm_figures",
        search=figure_search("clv_frequency"),
        readonly=True,
        groups=GROUP,
        help="Days with a confirmed purchase after the first one.",
    )
    clv_first_purchase = fields.Date(
        string="First Purchase",
        compute="_compute_crm_figures",
        search=figure_search("clv_first_purchase"),
        readonly=True,
        groups=GROUP,
    )
    clv_last_purchase = fields.Date(
        string="Last Purchase",
        compute="_compute_crm_figures",
        search=figure_search("clv_last_purchase"),
        readonly=True,
        groups=GROUP,
    )
    clv_date = fields.Date(
        string="Predicted On",
        compute="_compute_crm_figures",
        search=figure_search("clv_date"),
        readonly=True,
        groups=GROUP,
    )
    clv_fit_date = fields.Date(
        string="Fit Of",
        compute="_compute_crm_figures",
        search=figure_search("clv_fit_date"),
        readonly=True,
        groups=GROUP,
        help="The day of the fit whose parameters made these predictions.",
    )
    clv_predicted_orders = fields.Float(
        string="Predicted Orders (90 days)",
        compute="_compute_crm_figures",
        search=figure_search("clv_predicted_orders"),
        readonly=True,
        aggregator="sum",
        groups=GROUP,
    )
    clv_probability_alive = fields.Float(
        string="Probability Active",
        compute="_compute_crm_figures",
        search=figure_search("clv_probability_alive"),
        readonly=True,
        aggregator="avg",
        groups=GROUP,
        help="How likely the customer still buys from the shop, from the number and "
        "timing of their purchases.",
    )
    clv_next_order_date = fields.Date(
        string="Expected Next Order",
        compute="_compute_crm_figures",
        search=figure_search("clv_next_order_date"),
        readonly=True,
        groups=GROUP,
        help="If still a customer: half of the customers like this one order again by then.",
    )
    clv_expected_spend = fields.Float(
        string="Expected Spend per Order",
        compute="_compute_crm_figures",
        search=figure_search("clv_expected_spend"),
        readonly=True,
        aggregator="avg",
        groups=GROUP,
    )
    clv_predicted_value = fields.Float(
        string="Predicted 12-Month Value",
        compute="_compute_crm_figures",
        search=figure_search("clv_predicted_value"),
        readonly=True,
        aggregator="sum",
        groups=GROUP,
        help="Expected untaxed sales over the next 12 months, discounted at the company's rate.",
    )
    clv_signature = fields.Char(
        compute="_compute_crm_figures",
        search=figure_search("clv_signature"),
        readonly=True,
        groups=GROUP,
        help="Technical: what was last written, to skip unchanged customers.",
    )
    clv_status = fields.Selection(
        [
            ("ready", "Predicted"),
            ("no_history", "Not enough history"),
            ("no_scipy", "scipy missing"),
        ],
        compute="_compute_clv_explanation",
        groups=GROUP,
    )
    clv_explanation = fields.Text(
        string="What the Predictions Say", compute="_compute_clv_explanation", groups=GROUP
    )
    crm_churn_basis = fields.Char(
        string="Churn Risk Basis", compute="_compute_crm_churn_basis", groups=GROUP
    )

    @api.depends(*(name for name, _type in CLV_COLUMNS))
    @api.depends_context("company", "lang")
    def _compute_clv_explanation(self):
        company = self.env.company
        if not clv.available():
            self.clv_status = "no_scipy"
            self.clv_explanation = self.env._("Install scipy to enable predictions.")
            return
        status = None  # the company's, read for the first customer who needs it
        for partner in self:
            if partner.clv_fit_date:
                partner.clv_status = "ready"
                partner.clv_explanation = "\n".join(partner._clv_sentences(company))
                continue
            partner.clv_status = "no_history"
            if not company.crm_clv_fit_id:
                status = status or self._clv_company_status(company)
                partner.clv_explanation = status
            elif partner.clv_first_purchase:
                partner.clv_explanation = self.env._(
                    "Not enough history: one purchase so far (orders of one day count as one). "
                    "Predictions start from the second."
                )
            else:
                partner.clv_explanation = self.env._(
                    "Not enough history: no confirmed purchase yet."
                )

    @api.depends_context("company", "lang")
    def _compute_crm_churn_basis(self):
        company = self.env.company
        if self._clv_churn_follows_predictions(company):
            basis = self.env._(
                "At risk below %(threshold)s%% likely to still be a customer.",
                threshold=f"{company.crm_clv_alive_threshold:g}",
            )
        else:
            basis = self.env._(
                "At risk past %(factor)s times the usual gap between orders: %(why)s",
                factor=f"{company.crm_churn_factor:g}",
                why=self._clv_company_status(company),
            )
        self.crm_churn_basis = basis

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_clv_fit(self):
        """Refit the models of the current company and rewrite every
        customer's predictions and churn risk now: for customer-intelligence
        administrators, as the nightly run does it."""
        if not self.env.su and not self.env.user.has_group(
            "crm_ecommerce.group_crm_ecommerce_manager"
        ):
            raise AccessError(
                self.env._("Only customer-intelligence administrators can refit predictions.")
            )
        if not clv.available():
            raise UserError(self.env._("Install scipy to enable predictions."))
        Partner = self.env["res.partner"]
        Partner._clv_compute(refit=True)
        Partner._rfm_recompute_company()
        return True

    @api.model
    def _clv_compute_customers(self, partner_ids):
        """The predictions of these customers (commercial partners) now,
        with the company's fit in use (the form's Compute button); nothing
        without scipy."""
        if clv.available():
            self._clv_compute(partner_ids=partner_ids)

    @api.model
    def retrieve_clv_dashboard(self):
        """The figures above the Customer Insights views: the predicted
        value of the company's customers, and the value at risk (the
        predicted value of those below the churn threshold)."""
        if not self.env.user.has_group(GROUP):
            raise AccessError(self.env._("Only customer-intelligence users can see predictions."))
        company = self.env.company
        threshold = company.crm_clv_alive_threshold
        result = {
            "ready": False,
            "message": "",
            "threshold": threshold,
            "currency_id": company.currency_id.id,
        }
        if not clv.available() or not company.crm_clv_fit_id:
            result["message"] = (
                self.env._("Install scipy to enable predictions.")
                if not clv.available()
                else self._clv_company_status(company)
            )
            return result
        predicted = [("clv_fit_date", "!=", False)]
        [(value, count)] = self._read_group(predicted, [], ["clv_predicted_value:sum", "__count"])
        [(at_risk, at_risk_count)] = self._read_group(
            [*predicted, ("clv_probability_alive", "<", threshold / 100)],
            [],
            ["clv_predicted_value:sum", "__count"],
        )
        fit = company.crm_clv_fit_id
        result.update(
            ready=True,
            customers=count,
            value=value or 0.0,
            value_at_risk=at_risk or 0.0,
            at_risk=at_risk_count,
            fit_date=format_date(self.env, fit.run_date),
            risk_domain=[*predicted, ("clv_probability_alive", "<", threshold / 100)],
        )
        return result

    # ------------------------------------------------------------------
    # What the screens say
    # ------------------------------------------------------------------
    @api.model
    def _clv_company_status(self, company):
        """Why the company's customers have no predictions, in a sentence,
        or what its fit in use is."""
        if not clv.available():
            return self.env._("Install scipy to enable predictions.")
        fit = company.crm_clv_fit_id
        if fit:
            return self.env._(
                "Predictions from the fit of %(date)s on %(customers)s customers.",
                date=format_date(self.env, fit.run_date),
                customers=f"{fit.customers:,}",
            )
        # sudo: the reason of the company's latest attempt, which the
        # customer-intelligence users reading the predictions are shown.
        last = self.env["crm.clv.fit"].sudo().search([("company_id", "=", company.id)], limit=1)
        if last and last.reason:
            return self.env._("Not enough history: %(reason)s", reason=last.reason)
        return self.env._(
            "Not enough history yet: predictions are fitted every night from confirmed orders."
        )

    @api.model
    def _clv_churn_follows_predictions(self, company):
        """Whether churn risk is P(alive) below the threshold (a fit is in
        use), rather than the usual-gap rule."""
        return bool(company.crm_clv_fit_id) and clv.available()

    def _clv_sentences(self, company):
        """The plain sentences of this customer's predictions."""
        self.ensure_one()
        as_of = self.clv_date
        purchases = self.clv_frequency + 1
        lines = [
            self.env._(
                "%(count)s purchases in %(span)s, last one %(ago)s ago: "
                "%(alive)s%% likely to still be a customer.",
                count=purchases,
                span=self._clv_duration((as_of - self.clv_first_purchase).days),
                ago=self._clv_duration((as_of - self.clv_last_purchase).days),
                alive=round(self.clv_probability_alive * 100),
            ),
            self.env._(
                "%(orders)s orders expected in the next 90 days.",
                orders=f"{self.clv_predicted_orders:.1f}",
            ),
            self.env._(
                "If still a customer, next order by %(date)s (half of such customers order "
                "again by then).",
                date=format_date(self.env, self.clv_next_order_date),
            ),
            self.env._(
                "%(value)s predicted over the next 12 months: %(spend)s expected per order, "
                "discounted at %(rate)s%% a year.",
                value=self._clv_money(company, self.clv_predicted_value),
                spend=self._clv_money(company, self.clv_expected_spend),
                rate=f"{company.crm_clv_discount_rate:g}",
            ),
            self.env._(
                "Figures of %(date)s, from the fit of %(fit)s.",
                date=format_date(self.env, as_of),
                fit=format_date(self.env, self.clv_fit_date),
            ),
        ]
        return lines

    @api.model
    def _clv_money(self, company, amount):
        return format_amount(self.env, amount, company.currency_id)

    @api.model
    def _clv_duration(self, days):
        """A span of days in words: days, weeks, months or years."""
        if days < 14:
            return self.env._("%(n)s days", n=days) if days != 1 else self.env._("1 day")
        if days < 61:
            return self.env._("%(n)s weeks", n=round(days / 7))
        if days < 730:
            return self.env._("%(n)s months", n=round(days / MONTH_DAYS))
        return self.env._("%(n)s years", n=f"{days / 365.25:.1f}")
