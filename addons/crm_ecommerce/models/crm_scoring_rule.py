from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

TARGETS = {"lead": "crm.lead", "partner": "res.partner"}


class CrmScoringRule(models.Model):
    """A reason to score a lead or a customer up or down, explained by its
    name in every breakdown."""

    _name = "crm.scoring.rule"
    _description = "Scoring Rule"
    _order = "target, sequence, id"

    name = fields.Char(required=True, translate=True, help="Shown in the score's breakdown.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    target = fields.Selection(
        [("lead", "Leads"), ("partner", "Customers")], required=True, default="lead"
    )
    domain = fields.Char(default="[]", required=True, help="The records this rule applies to.")
    points = fields.Integer(required=True, help="Positive or negative.")
    group_id = fields.Many2one("crm.scoring.group", ondelete="set null")
    company_id = fields.Many2one(
        "res.company", help="Leave empty to use the rule in every company."
    )
    model_name = fields.Char(compute="_compute_model_name")

    @api.depends("target")
    def _compute_model_name(self):
        for rule in self:
            rule.model_name = TARGETS[rule.target or "lead"]

    @api.constrains("domain", "target")
    def _check_domain(self):
        for rule in self:
            try:
                domain = safe_eval(rule.domain or "[]", {"uid": self.env.uid})
                self.env[TARGETS[rule.target]].sudo()._search(domain)
            except Exception as exc:
                raise ValidationError(
                    self.env._(
                        "The domain of rule '%(rule)s' is not valid: %(problem)s",
                        rule=rule.name,
                        problem=exc,
                    )
                ) from exc

    def _domain(self):
        self.ensure_one()
        return safe_eval(self.domain or "[]", {"uid": self.env.uid})

    @api.model
    def _matches(self, target, records):
        """[(rule, matching records)] for active rules of ``target``: one
        search per rule over the whole batch."""
        rules = self.search(
            [("target", "=", target), ("company_id", "in", (False, self.env.company.id))]
        )
        Model = self.env[TARGETS[target]].sudo().with_context(active_test=False)
        return [
            (rule, Model.search([*rule._domain(), ("id", "in", records.ids)])) for rule in rules
        ]
