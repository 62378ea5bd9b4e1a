from odoo import fields, models


class CrmScoreFactor(models.Model):
    """One line of a score's breakdown: its points and a sentence."""

    _name = "crm.score.factor"
    _description = "Score Factor"
    _order = "sequence, id"

    partner_id = fields.Many2one("res.partner", index=True, ondelete="cascade")
    lead_id = fields.Many2one("crm.lead", index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", index=True)
    sequence = fields.Integer()
    name = fields.Char(string="Factor", required=True)
    points = fields.Integer(required=True)
