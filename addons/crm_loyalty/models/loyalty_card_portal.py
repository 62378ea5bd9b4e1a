from datetime import timedelta

from odoo import fields, models
from odoo.tools import format_amount, format_date, formatLang

from ..tools import points as rules

# The newest entries a card's history reads, and the lines it shows.
HISTORY_ENTRIES = 500
HISTORY_LINES = 50


class LoyaltyCard(models.Model):
    """What customers read about their card (the portal's /my/loyalty and
    Odoo's card dialog): the balance and its worth, the tier and how to
    reach the next one, the rewards they can use, what expires, and one
    history line per order and kind of change.

    Called by the portal in superuser mode on the logged-in customer's own
    cards; everything is in their program's point name and words."""

    _inherit = "loyalty.card"

    def _crm_portal_summary(self, partner):
        """The values of the card's block on /my/loyalty; ``partner``: the
        logged-in customer, whose own entries make the history."""
        self.ensure_one()
        program = self.program_id
        return {
            "card": self,
            "program": program,
            "balance": program._crm_format_points(self.points),
            "worth": program._crm_points_worth(self.points),
            "pending": self.env._(
                "%s on their way: the history says when they become available.",
                program._crm_format_points(self.crm_points_pending),
            )
            if self.crm_points_pending
            else False,
            "tier": self._crm_tier_progress(),
            "rewards": self._crm_usable_rewards(),
            "next_reward": self._crm_next_reward(),
            "expiries": self._crm_next_expiries(),
            "never_expire": self.env._(
                "Your %s never expire.", program.portal_point_name or self.env._("points")
            )
            if not program.crm_expiry_months
            else False,
            "history": self._crm_history_lines(partner, HISTORY_LINES),
        }

    # ------------------------------------------------------------------
    # Tier
    # ------------------------------------------------------------------
    def _crm_format_tier_measure(self, value):
        """Spend in the currency of the program's company, or points."""
        self.ensure_one()
        program = self.program_id
        if program.crm_tier_measure == "points":
            return program._crm_format_points(value)
        currency = program.company_id.currency_id or self.env.company.currency_id
        return format_amount(self.env, value, currency)

    def _crm_tier_progress(self):
        """The tier, the next one and what it takes to reach it within the
        12 months the tier measures; what it takes to keep the tier during
        the grace period before a downgrade. {} for a program without
        tiers."""
        self.ensure_one()
        program = self.program_id
        tiers = program.crm_tier_ids
        if not tiers:
            return {}
        current = self.crm_tier_id
        measure = self._crm_tier_measures()[self.id]
        above = tiers.filtered(lambda t: not current or t.threshold > current.threshold)
        next_id, missing = rules.next_tier([(t.id, t.threshold) for t in above], measure)
        reach = tiers.browse(next_id)
        by_points = program.crm_tier_measure == "points"
        progress = {
            "current": current,
            "next": reach,
            "percent": 100,
            "text": "",
            "keep": "",
            "multiplier": self.env._(
                "Every order earns %s times the points.", formatLang(self.env, current.multiplier)
            )
            if current and current.multiplier != 1
            else "",
        }
        if reach:
            progress["percent"] = min(int(measure * 100 / reach.threshold), 100)
            start = self._crm_tier_window_starts()[self.id]
            args = {"amount": self._crm_format_tier_measure(missing), "tier": reach.name}
            if start:
                deadline = fields.Date.to_date(start) + timedelta(days=365)
                args["date"] = format_date(self.env, deadline, date_format="medium")
                progress["text"] = (
                    self.env._("Earn %(amount)s more before %(date)s to reach %(tier)s.", **args)
                    if by_points
                    else self.env._(
                        "Spend %(amount)s more before %(date)s to reach %(tier)s.", **args
                    )
                )
            else:
                progress["text"] = (
                    self.env._("Earn %(amount)s to reach %(tier)s.", **args)
                    if by_points
                    else self.env._("Spend %(amount)s to reach %(tier)s.", **args)
                )
        elif current:
            progress["text"] = self.env._("You are in our highest tier.")
        if current and self.crm_tier_below_since and current.threshold > measure:
            args = {
                "amount": self._crm_format_tier_measure(current.threshold - measure),
                "tier": current.name,
                "date": format_date(
                    self.env,
                    self.crm_tier_below_since + timedelta(days=program.crm_tier_grace_days),
                    date_format="medium",
                ),
            }
            progress["keep"] = (
                self.env._("Earn %(amount)s more before %(date)s to keep %(tier)s.", **args)
                if by_points
                else self.env._("Spend %(amount)s more before %(date)s to keep %(tier)s.", **args)
            )
        return progress

    # ------------------------------------------------------------------
    # Rewards and expiry
    # ------------------------------------------------------------------
    def _crm_usable_rewards(self):
        """The program's rewards the balance pays for now, dearest first."""
        self.ensure_one()
        program = self.program_id
        rewards = program.reward_ids.filtered(lambda r: r.required_points <= self.points)
        return [
            {
                "description": reward.description,
                "cost": program._crm_format_points(reward.required_points),
            }
            for reward in rewards.sorted("required_points", reverse=True)
        ]

    def _crm_next_reward(self):
        """The cheapest reward the balance does not pay for yet, and what is
        missing: 'Earn 40 Beans more for: 10% on your order'."""
        self.ensure_one()
        program = self.program_id
        dearer = program.reward_ids.filtered(lambda r: r.required_points > self.points)
        if not dearer:
            return False
        reward = dearer.sorted("required_points")[0]
        return self.env._(
            "Earn %(points)s more for: %(reward)s",
            points=program._crm_format_points(reward.required_points - max(self.points, 0.0)),
            reward=reward.description,
        )

    def _crm_next_expiries(self, limit=3):
        """'40 Beans expire on Mar 1, 2027': the next expiry dates of the
        card's lots, soonest first."""
        self.ensure_one()
        # sudo: the card's own lots, read for its owner (see the class).
        groups = (
            self.env["loyalty.ledger"]
            .sudo()
            ._read_group(
                [
                    ("card_id", "=", self.id),
                    ("state", "=", "available"),
                    ("remaining", ">", 0),
                    ("expiry_date", "!=", False),
                ],
                ["expiry_date:day"],
                ["remaining:sum"],
                order="expiry_date:day",
                limit=limit,
            )
        )
        return [
            self.env._(
                "%(points)s expire on %(date)s",
                points=self.program_id._crm_format_points(remaining),
                date=format_date(self.env, date, date_format="medium"),
            )
            for date, remaining in groups
        ]

    # ------------------------------------------------------------------
    # History
    # ------------------------------------------------------------------
    def _crm_history_lines(self, partner, limit):
        """The card's history as ``partner`` reads it: their own entries
        (not those of a previous owner of the card), one line per order and
        kind of change (tools.points.group_history), newest first."""
        self.ensure_one()
        program = self.program_id
        # sudo: the card's entries of its owner, read for them (see the class).
        entries = (
            self.env["loyalty.ledger"]
            .sudo()
            .search(
                [("card_id", "=", self.id), ("partner_id", "=", partner.id)],
                limit=HISTORY_ENTRIES,
            )
        )
        lines = rules.group_history(
            [
                {
                    "order": entry.order_id,
                    "kind": entry.kind,
                    "points": entry.points,
                    "state": entry.state,
                    "date": entry.date,
                    "expiry_date": entry.expiry_date,
                    "release_date": entry.release_date,
                    "reason": entry.reason,
                }
                for entry in entries
            ]
        )[:limit]
        own = partner.commercial_partner_id
        for line in lines:
            order = line["order"]
            line.update(
                label=self._crm_history_label(line),
                description=order.name if order else line["reason"] or "",
                note=line["reason"] if order and line["kind"] in ("reverse", "goodwill") else "",
                url=order.access_url
                if order and order.partner_id.commercial_partner_id == own
                else False,
                points_text=program._crm_format_points(line["points"], signed=True),
                status=self._crm_history_status(line),
            )
        return lines

    def _crm_history_label(self, line):
        kind = line["kind"]
        if kind == "earn":
            return self.env._("Earned")
        if kind == "redeem":
            return self.env._("Spent")
        if kind == "expire":
            return self.env._("Expired")
        if kind == "goodwill":
            return self.env._("Goodwill")
        if kind == "reverse":
            return self.env._("Taken back") if line["points"] < 0 else self.env._("Given back")
        return self.env._("Adjustment")

    def _crm_history_status(self, line):
        """When the points of a line can be spent, in the customer's words."""
        if line["state"] == "cancelled":
            return self.env._("Cancelled")
        if line["state"] != "pending":
            return self.env._("Available")
        program = self.program_id
        if line["release_date"]:
            return self.env._(
                "Available on %s", format_date(self.env, line["release_date"], date_format="medium")
            )
        if program.crm_points_release == "return_window":
            return self.env._("Available %s days after delivery", program.crm_release_days)
        return self.env._("Available once delivered")
