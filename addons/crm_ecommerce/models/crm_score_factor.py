from odoo import api, fields, models
from odoo.tools import SQL


class CrmScoreFactor(models.Model):
    """One line of a score's breakdown: its points and a sentence."""

    _name = "crm.score.factor"
    _description = "Score Factor"
    _order = "sequence, id"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", index=True, ondelete="cascade", check_company=True)
    lead_id = fields.Many2one("crm.lead", index=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one("res.company", index=True)
    sequence = fields.Integer()
    name = fields.Char(string="Factor", required=True)
    points = fields.Integer(required=True)

    @api.model
    def _replace(self, owner_field, owner_ids, company, factors):
        """Replace the breakdowns of ``owner_ids`` (partners or leads) with
        ``factors`` [(owner id, sequence, label, points)]: two statements
        whatever their number. A partner has one breakdown per company, a
        lead only one."""
        owner = SQL.identifier(owner_field)
        same_company = (
            SQL("company_id = %s AND", company.id) if owner_field == "partner_id" else SQL()
        )
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_score_factor WHERE %s %s = ANY(%s::int[])",
                same_company,
                owner,
                owner_ids,
            )
        )
        columns = (
            (list(column) for column in zip(*factors, strict=True)) if factors else ([], [], [], [])
        )
        ids, sequences, labels, points = columns
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_score_factor
                    (%(owner)s, sequence, name, points, company_id, create_uid, create_date, write_uid, write_date)
                SELECT v.owner_id, v.sequence, v.name, v.points, %(company)s,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM unnest(%(ids)s::int[], %(seqs)s::int[], %(labels)s::varchar[], %(points)s::int[])
                       AS v(owner_id, sequence, name, points)
                """,
                owner=owner,
                company=company.id,
                uid=self.env.uid,
                ids=ids,
                seqs=sequences,
                labels=labels,
                points=points,
            )
        )
        self.invalidate_model()
