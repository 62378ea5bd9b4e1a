import json

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import pg


class CrmScoreFactor(models.Model):
    """One line of a lead score's breakdown: its points and a sentence.

    Lines are rewritten by every scoring, three or more per lead: they keep
    no author or dates, so that a first scoring of a database with history
    writes no more than each line needs. A customer's breakdown is kept
    with its figures (crm.customer.score.line)."""

    _name = "crm.score.factor"
    _description = "Score Factor"
    _order = "sequence, id"
    _check_company_auto = True
    _log_access = False

    lead_id = fields.Many2one("crm.lead", index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one("res.company")
    sequence = fields.Integer()
    name = fields.Char(string="Factor", required=True)
    points = fields.Integer(required=True)

    @api.model
    def _replace(self, owner_field, owner_ids, company, factors):
        """Replace the breakdowns of ``owner_ids`` (leads) with ``factors``
        [(owner id, sequence, label, points)]: two statements whatever their
        number, the lines sent as one JSON document."""
        owner = SQL.identifier(owner_field)
        # The owners' old lines.
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_score_factor WHERE %s = ANY(%s::int[])",
                owner,
                pg.int_array(owner_ids),
            )
        )
        if factors:
            # The new lines, from the JSON array of (owner, sequence, label, points).
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO crm_score_factor (%(owner)s, sequence, name, points, company_id)
                    SELECT (v.e->>0)::int, (v.e->>1)::int, v.e->>2, (v.e->>3)::int, %(company)s
                      FROM jsonb_array_elements(%(factors)s::jsonb) AS v(e)
                    """,
                    owner=owner,
                    company=company.id,
                    factors=json.dumps(factors),
                )
            )
        self.invalidate_model()
