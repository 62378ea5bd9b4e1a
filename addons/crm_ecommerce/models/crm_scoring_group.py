from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmScoringGroup(models.Model):
    _name = "crm.scoring.group"
    _description = "Scoring Rule Group"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    cap = fields.Integer(
        help="Most points (in absolute value) the group's rules give together. 0 = no cap."
    )
    rule_ids = fields.One2many("crm.scoring.rule", "group_id")

    @api.constrains("cap")
    def _check_cap(self):
        if any(group.cap < 0 for group in self):
            raise ValidationError(self.env._("A group cap can't be negative."))
