import json

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import pg


class CrmScoreFactor(models.Model):
    """One line of a score's breakdown: its points and a sentence.

    Lines are rewritten by every scoring, three or more per customer and
    lead: they keep no author or dates, and no index on the company (a
    breakdown is read by its owner), so that a first scoring of a database
    with history writes no more than each line needs."""

    _name = "crm.score.factor"
    _description = "Score Factor"
    _order = "sequence, id"
    _check_company_auto = True
    _log_access = False

    partner_id = fields.Many2one("res.partner", index=True, ondelete="cascade", check_company=True)
    lead_id = fields.Many2one("crm.lead", index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one("res.company")
    sequence = fields.Integer()
    name = fields.Char(string="Factor", required=True)
    points = fields.Integer(required=True)

    @api.model
    def _replace(self, owner_field, owner_ids, company, factors):
        """Replace the breakdowns of ``owner_ids`` (partners or leads) with
        ``factors`` [(owner id, sequence, label, points)]: two statements
        whatever their number, the lines sent as one JSON document. A
        partner has one breakdown per company, a lead only one."""
        owner = SQL.identifier(owner_field)
        same_company = (
            SQL("company_id = %s AND", company.id) if owner_field == "partner_id" else SQL()
        )
        # The owners' old lines (a partner's of this company only).
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_score_factor WHERE %s %s = ANY(%s::int[])",
                same_company,
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
