from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Key in env.cr.cache: the ids of the programs whose tiers changed inside a
# deferred_tier_evaluation block.
_DEFERRED = "crm_loyalty.tiers_changed"


@contextmanager
def deferred_tier_evaluation(env):
    """Tiers saved inside the block apply to the cards of their programs
    once, at its end (a program saved with several tiers); yields the set
    of program ids to evaluate, which the caller may add to. Nests: the
    outermost block evaluates."""
    cache = env.cr.cache
    if _DEFERRED in cache:
        yield cache[_DEFERRED]
        return
    changed = cache[_DEFERRED] = set()
    try:
        yield changed
    finally:
        del cache[_DEFERRED]
    env["loyalty.program"].browse(changed)._crm_apply_tiers()


def _tiers_changed(programs):
    """A tier was added, moved or removed: the cards of ``programs`` get
    the tier they reach now (at the end of a deferred block, if in one)."""
    with deferred_tier_evaluation(programs.env) as changed:
        changed.update(programs.ids)


class LoyaltyTier(models.Model):
    _name = "loyalty.tier"
    _description = "Loyalty Tier"
    _check_company_auto = True
    _order = "program_id, threshold, id"

    program_id = fields.Many2one(
        "loyalty.program", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    threshold = fields.Float(
        required=True,
        help="Net spend or points earned over the last 12 months (as the program measures) "
        "to reach this tier.",
    )
    multiplier = fields.Float(string="Points Multiplier", default=1.0, required=True)
    color = fields.Integer()

    _sql_constraints = [
        (
            "program_threshold_unique",
            "unique(program_id, threshold)",
            "Two tiers of a program can't have the same threshold.",
        ),
    ]

    @api.constrains("threshold", "multiplier")
    def _check_values(self):
        for tier in self:
            if tier.threshold < 0:
                raise ValidationError(
                    self.env._("The threshold of tier %s can't be negative.", tier.name)
                )
            if tier.multiplier <= 0:
                raise ValidationError(
                    self.env._("The multiplier of tier %s must be more than 0.", tier.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        """A new tier applies to the program's cards at once, not at the
        customer's next order."""
        tiers = super().create(vals_list)
        _tiers_changed(tiers.program_id)
        return tiers

    def write(self, vals):
        programs = self.program_id
        res = super().write(vals)
        if {"threshold", "program_id"} & set(vals):
            _tiers_changed(programs | self.program_id)
        return res

    def unlink(self):
        """Customers of a removed tier get the tier they reach now."""
        programs = self.program_id
        res = super().unlink()
        _tiers_changed(programs.exists())
        return res
