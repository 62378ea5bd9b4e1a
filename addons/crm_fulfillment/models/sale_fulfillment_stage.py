from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import ormcache

from ..tools.stages import CODES

# "paid" is the stage after confirmation: paid only where payment before
# shipping applies (the code stays for compatibility).
CODE_LABELS = {"paid": "Confirmed"}


class SaleFulfillmentStage(models.Model):
    _name = "sale.fulfillment.stage"
    _description = "Fulfilment Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        [(code, CODE_LABELS.get(code, code.replace("_", " ").capitalize())) for code in CODES],
        required=True,
        readonly=True,
        help="Technical code the stage rules use; it can't be changed.",
    )
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(help="Folded in the fulfilment kanban.")
    sla_hours = fields.Float(
        string="SLA Target (hours)",
        help="How long an order may stay in this stage before it is late. 0 = no target.",
    )
    description = fields.Text(translate=True)
    customer_turn = fields.Boolean(
        string="Customer's Turn",
        help="Orders in this stage wait for the customer (an answer, a document, a pick-up): "
        "a delay here is the customer's, not the shop's, and apps that make amends for late "
        "orders leave it out.",
    )

    _sql_constraints = [
        ("code_unique", "unique(code)", "Each fulfilment stage code exists once."),
    ]

    @api.constrains("sla_hours")
    def _check_sla_hours(self):
        for stage in self:
            if stage.sla_hours < 0:
                raise ValidationError(
                    self.env._("The SLA target of stage %s can't be negative.", stage.name)
                )

    def write(self, vals):
        if "code" in vals and any(stage.code != vals["code"] for stage in self):
            raise UserError(self.env._("The code of a fulfilment stage can't be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Fulfilment stages can't be deleted; fold them instead."))

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _ids_by_code
        return super().create(vals_list)

    @api.model
    @ormcache()
    def _ids_by_code(self):
        # sudo: stages are shared configuration every user may read; the
        # cache must not depend on who filled it.
        return {stage.code: stage.id for stage in self.sudo().search([])}

    def _by_code(self):
        """{code: stage} of all stages; the ids are cached (codes never
        change and stages are never deleted), so a stage change of an order
        costs no query to find its stage."""
        # sudo: the stage sync runs as superuser (see sale.order).
        return {
            code: self.sudo().browse(stage_id) for code, stage_id in self._ids_by_code().items()
        }
