from odoo import api, models
from odoo.tools import SQL
from odoo.tools.query import Query

from ..tools import pg

# The customer fields kept in crm_customer_figures (crm_customer_figures.py),
# one row per customer and company: read, searched, sorted and grouped on
# the current company's row, as company-dependent fields would be.
FIGURE_FIELDS = (
    "rfm_recency_score",
    "rfm_frequency_score",
    "rfm_monetary_score",
    "rfm_segment",
    "customer_score",
    "churn_risk",
    "rfm_last_order_date",
    "rfm_frequency",
    "rfm_order_count",
    "rfm_monetary",
    "rfm_order_gap",
    "rfm_signature",
    "clv_frequency",
    "clv_first_purchase",
    "clv_last_purchase",
    "clv_date",
    "clv_fit_date",
    "clv_predicted_orders",
    "clv_probability_alive",
    "clv_next_order_date",
    "clv_expected_spend",
    "clv_predicted_value",
    "clv_signature",
)


def figure_search(name):
    """The search method of the figure field ``name``: its condition, on
    the current company's row, as Odoo would write it for a stored field."""

    def search(partners, operator, value):
        return partners._crm_figures_domain(name, operator, value)

    search.__name__ = f"_search_{name}"
    return search


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.depends_context("company")
    def _compute_crm_figures(self):
        """Every figure field of these customers from their row of the
        current company, in one query (none: empty)."""
        rows = {}
        ids = [partner_id for partner_id in self._origin.ids if partner_id]
        if ids:
            self.env.cr.execute(
                SQL(
                    "SELECT partner_id, %s FROM crm_customer_figures"
                    " WHERE company_id = %s AND partner_id = ANY(%s::int[])",
                    SQL(", ").join(SQL.identifier(name) for name in FIGURE_FIELDS),
                    self.env.company.id,
                    pg.int_array(ids),
                )
            )
            rows = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        empty = (None,) * len(FIGURE_FIELDS)
        for partner in self:
            values = rows.get(partner._origin.id, empty)
            for name, value in zip(FIGURE_FIELDS, values, strict=True):
                partner[name] = False if value is None else value

    @api.model
    def _crm_figures_domain(self, name, operator, value):
        """The partners whose figure ``name`` meets (operator, value): the
        condition of a stored field, on the figures' join (_field_to_sql),
        customers without a row reading as empty."""
        query = Query(self.env, self._table, self._table_sql)
        query.add_where(self._condition_to_sql(self._table, name, operator, value, query))
        return [("id", "in", query.subselect())]

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """A figure field is its column in the current company's row of
        crm_customer_figures, joined once per query (or a subquery where
        there is no query to join on): searched, sorted, grouped and
        aggregated in SQL as a stored field."""
        if fname not in FIGURE_FIELDS:
            return super()._field_to_sql(alias, fname, query, flush)
        self.check_field_access_rights("read", [fname])
        company_id = self.env.company.id
        if query is None:
            return SQL(
                "(SELECT f.%s FROM crm_customer_figures f"
                " WHERE f.partner_id = %s AND f.company_id = %s)",
                SQL.identifier(fname),
                SQL.identifier(alias, "id"),
                company_id,
            )
        figures = query.make_alias(alias, "crm_figures")
        query.add_join(
            "LEFT JOIN",
            figures,
            "crm_customer_figures",
            SQL(
                "%s = %s AND %s = %s",
                SQL.identifier(figures, "partner_id"),
                SQL.identifier(alias, "id"),
                SQL.identifier(figures, "company_id"),
                company_id,
            ),
        )
        return SQL.identifier(figures, fname)

    def unlink(self):
        """A customer's figures go with it (they have no foreign key, see
        crm_customer_figures.py)."""
        ids = self.ids
        result = super().unlink()
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_customer_figures WHERE partner_id = ANY(%s::int[])",
                pg.int_array(ids),
            )
        )
        return result
