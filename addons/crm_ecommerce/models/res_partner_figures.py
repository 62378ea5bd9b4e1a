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


# The operators of a condition that _where_calc reads on the joined row.
JOINED_OPERATORS = frozenset(
    (
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "in",
        "not in",
        "like",
        "ilike",
        "not like",
        "not ilike",
        "=like",
        "=ilike",
        "=?",
    )
)

# The figures' table, and its alias where a condition is read on it alone.
FIGURES = "crm_customer_figures"
# The SQL type of a NULL figure, by field type.
FIGURE_TYPES = {
    "integer": "int4",
    "float": "float8",
    "boolean": "bool",
    "date": "date",
    "char": "varchar",
    "selection": "varchar",
}


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
        current company, in one query (none: empty), put in the cache one
        field at a time: a kanban of 800 cards sets 23 fields each."""
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
        values = [rows.get(partner._origin.id, empty) for partner in self]
        for index, name in enumerate(FIGURE_FIELDS):
            field = self._fields[name]
            self.env.cache.update(
                self,
                field,
                [field.convert_to_cache(row[index], self, validate=False) for row in values],
            )

    @api.model
    def _crm_figures_domain(self, name, operator, value):
        """The partners whose figure ``name`` meets (operator, value), as
        Odoo's condition on a stored field, read on the current company's
        rows alone (through their index, without joining every partner):
        those whose row meets it, or, when a customer without figures meets
        it too (``churn_risk = False``), all but those whose row does not."""
        figures = Query(self.env, FIGURES, SQL.identifier(FIGURES))
        condition = self._condition_to_sql(FIGURES, name, operator, value, figures)
        self.env.cr.execute(
            SQL(
                "SELECT EXISTS(SELECT FROM (SELECT NULL::%s AS %s) AS %s WHERE %s)",
                SQL(FIGURE_TYPES[self._fields[name].type]),
                SQL.identifier(name),
                SQL.identifier(FIGURES),
                condition,
            )
        )
        empty_matches = self.env.cr.fetchone()[0]
        figures.add_where(
            SQL("%s = %s", SQL.identifier(FIGURES, "company_id"), self.env.company.id)
        )
        if empty_matches:
            figures.add_where(SQL("(%s) IS NOT TRUE", condition))
            return [("id", "not in", figures.subselect(SQL.identifier(FIGURES, "partner_id")))]
        figures.add_where(condition)
        return [("id", "in", figures.subselect(SQL.identifier(FIGURES, "partner_id")))]

    def _where_calc(self, domain, active_test=True):
        """A search whose conditions are all ANDed (a list, a kanban
        column, its count, a group) reads its conditions on the figures on
        the current company's row joined once, the row its figures are read,
        sorted and grouped on (_field_to_sql), as a stored field's: the
        figures' table is read once per query, not once more per condition
        (the Customer Insights kanban: the action's "has a segment", each
        column's segment, and the grouping by segment). A domain with "or"
        or "not" keeps a subquery per condition (figure_search)."""
        domain = list(domain or ())
        if not domain or any(item in ("|", "!") for item in domain):
            return super()._where_calc(domain, active_test)
        joined, rest = [], []
        for item in domain:
            if (
                isinstance(item, (list, tuple))
                and len(item) == 3
                and item[0] in FIGURE_FIELDS
                and item[1] in JOINED_OPERATORS
            ):
                joined.append(item)
            elif item != "&":
                rest.append(item)
        if not joined:
            return super()._where_calc(domain, active_test)
        query = super()._where_calc(rest, active_test)
        for name, operator, value in joined:
            query.add_where(self._condition_to_sql(self._table, name, operator, value, query))
        return query

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """A figure field is its column in the current company's row of
        crm_customer_figures, joined once per query (or a subquery where
        there is no query to join on): searched, sorted, grouped and
        aggregated in SQL as a stored field."""
        if fname not in FIGURE_FIELDS:
            return super()._field_to_sql(alias, fname, query, flush)
        self.check_field_access_rights("read", [fname])
        if alias == FIGURES:
            # A condition on the figures themselves (_crm_figures_domain).
            return SQL.identifier(alias, fname)
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
