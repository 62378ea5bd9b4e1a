from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, formatLang
from odoo.tools.sql import column_exists, create_column

from ..tools import points as rules
from .loyalty_tier import deferred_tier_evaluation


class LoyaltyProgram(models.Model):
    _inherit = "loyalty.program"

    crm_tier_ids = fields.One2many("loyalty.tier", "program_id", string="Tiers")
    crm_tier_grace_days = fields.Integer(
        string="Downgrade Grace (days)",
        default=30,
        help="A customer below their tier keeps it this many days before moving down.",
    )
    crm_tier_measure = fields.Selection(
        [("spend", "Net spend"), ("points", "Points earned")],
        string="Tiers Measure",
        default="spend",
        help="What customers accumulate over a rolling 12 months to reach a tier.",
    )
    crm_points_release = fields.Selection(
        [
            ("confirm", "On confirmation"),
            ("delivery", "On delivery"),
            ("return_window", "After the return window"),
        ],
        string="Points Available",
        default="confirm",
        required=True,
        help="When earned points can be spent. Until then they are pending.",
    )
    crm_release_days = fields.Integer(
        string="Return Window (days)",
        default=30,
        help="Days after delivery before points become available.",
    )
    crm_expiry_months = fields.Integer(
        string="Points Expire After (months)", help="0 = points never expire."
    )
    crm_expiry_warning_days = fields.Integer(
        string="Last-chance Email (days before)",
        default=14,
        help="Email customers this many days before their points expire. 0 = no email.",
    )
    crm_allow_negative = fields.Boolean(
        string="Allow Negative Balance",
        help="Returns may take back points already spent, leaving a negative balance.",
    )
    crm_goodwill_points = fields.Float(
        string="Goodwill Points for Late Orders", help="Granted once per late order. 0 = off."
    )
    crm_store_credit_rate = fields.Float(
        string="Store Credit (points per currency unit)",
        default=1.0,
        help="Points credited per unit of currency when a return is resolved as store credit. "
        "0 = this program gives no store credit.",
    )

    def _auto_init(self):
        """The store-credit rate of programs that existed before this addon
        stays 0: a new column would be filled with the default, and returns
        would start offering store credit that nobody chose. Programs
        created afterwards get the default rate."""
        if not column_exists(self.env.cr, self._table, "crm_store_credit_rate"):
            create_column(self.env.cr, self._table, "crm_store_credit_rate", "float8")
        return super()._auto_init()

    @api.constrains(
        "crm_expiry_months",
        "crm_release_days",
        "crm_tier_grace_days",
        "crm_goodwill_points",
        "crm_store_credit_rate",
    )
    def _check_crm_policy(self):
        for program in self:
            if program.crm_expiry_months < 0:
                raise ValidationError(
                    self.env._("Points can't expire after a negative number of months.")
                )
            if program.crm_release_days < 0 or program.crm_tier_grace_days < 0:
                raise ValidationError(self.env._("A number of days can't be negative."))
            if program.crm_goodwill_points < 0 or program.crm_store_credit_rate < 0:
                raise ValidationError(
                    self.env._("Goodwill points and store credit can't be negative.")
                )

    def write(self, vals):
        """Tiers saved with the program (or a new measure) apply to the
        program's cards at once, once per save however many tiers change."""
        if not {"crm_tier_ids", "crm_tier_measure"} & set(vals):
            return super().write(vals)
        with deferred_tier_evaluation(self.env) as changed:
            res = super().write(vals)
            if "crm_tier_measure" in vals:
                changed.update(self.ids)
        return res

    def action_crm_apply_tiers(self):
        """Apply the tiers to the program's existing cards now, as the next
        order would: upgrades at once, downgrades by the nightly check after
        the grace period."""
        self.check_access("write")
        moved = self._crm_apply_tiers()
        if moved:
            message = self.env._("Cards moved up a tier: %s.", len(moved))
        else:
            message = self.env._("Every card already has the tier its customer reaches.")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "sticky": False},
        }

    def _crm_uses_ledger(self):
        """Loyalty programs keep their points in the ledger."""
        return self.filtered(lambda p: p.program_type == "loyalty")

    def _crm_apply_tiers(self, batch_size=1000):
        """Evaluate the tiers of every card of the programs, batch after
        batch, with the evaluation of orders (_crm_evaluate_tiers): no
        downgrade here, the nightly cron keeps the grace period.

        :return: the cards whose tier changed"""
        programs = self._crm_uses_ledger()
        # sudo: every card of the programs, for a loyalty manager who
        # changed their tiers (tier access) or pressed Apply Tiers Now
        # (write access to the program, checked there); customers' cards
        # are not all theirs to read.
        cards = (
            self.env["loyalty.card"]
            .sudo()
            .search([("program_id", "in", programs.ids), ("partner_id", "!=", False)])
        )
        before = {card.id: card.crm_tier_id.id for card in cards}
        for start in range(0, len(cards), batch_size):
            cards[start : start + batch_size]._crm_evaluate_tiers()
        return cards.filtered(lambda c: c.crm_tier_id.id != before[c.id])

    # ------------------------------------------------------------------
    # Points as customers and staff read them
    # ------------------------------------------------------------------
    def _crm_point_value(self):
        """What one point is worth at the program's best discount reward
        that gives a fixed amount (tools.points.point_value); 0.0 without
        one."""
        self.ensure_one()
        # sudo: the program's rewards are its public offer, read for
        # whoever sees points (portal customers included).
        rewards = self.sudo().reward_ids.filtered(lambda r: r.reward_type == "discount")
        return rules.point_value(
            [(r.discount_mode, r.discount, r.required_points) for r in rewards]
        )

    def _crm_format_points(self, points, signed=False):
        """'120 Beans', '51.75 Beans': the program's point name, no decimals
        for whole points, as Odoo formats a card's points
        (loyalty.card._format_points), with the language's separators."""
        self.ensure_one()
        if self.portal_point_name and self.portal_point_name == self.currency_id.symbol:
            text = format_amount(self.env, points, self.currency_id)
        else:
            name = self.portal_point_name or self.env._("points")
            text = f"{formatLang(self.env, points, digits=rules.points_digits(points))} {name}"
        return f"+{text}" if signed and points > 0 else text

    def _crm_points_worth(self, points):
        """'≈ $2.59 of rewards at the current reward': what ``points`` are
        worth at the program's best reward; '' when no reward gives them a
        worth."""
        self.ensure_one()
        value = points * self._crm_point_value()
        if self.currency_id.compare_amounts(value, 0) <= 0:
            return ""
        return self.env._(
            "≈ %s of rewards at the current reward",
            format_amount(self.env, value, self.currency_id),
        )

    def _crm_points_with_value(self, points):
        """'51.75 Beans ≈ $2.59 of rewards at the current reward', or the
        points alone when no reward gives them a worth."""
        self.ensure_one()
        worth = self._crm_points_worth(points)
        points = self._crm_format_points(points)
        return f"{points} {worth}" if worth else points
