from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import formatLang

from ..tools import points as rules


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Salespeople get the loyalty user group; other employees and portal
    # users don't read these (the portal reads its own in sudo).
    loyalty_tier_id = fields.Many2one(
        "loyalty.tier", compute="_compute_loyalty_points", groups="crm_loyalty.group_loyalty_user"
    )
    loyalty_points_available = fields.Float(
        string="Loyalty Points",
        compute="_compute_loyalty_points",
        groups="crm_loyalty.group_loyalty_user",
    )
    loyalty_points_pending = fields.Float(
        string="Pending Points",
        compute="_compute_loyalty_points",
        groups="crm_loyalty.group_loyalty_user",
    )
    loyalty_points_expiring = fields.Float(
        string="Expiring in 30 Days",
        compute="_compute_loyalty_points",
        groups="crm_loyalty.group_loyalty_user",
    )
    # The stat button of the customer form: '120' and 'Beans'.
    loyalty_points_display = fields.Char(
        compute="_compute_loyalty_points", groups="crm_loyalty.group_loyalty_user"
    )
    loyalty_point_name = fields.Char(
        compute="_compute_loyalty_points", groups="crm_loyalty.group_loyalty_user"
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_loyalty_points(self):
        """Per partner, over the cards of loyalty programs of the current
        companies or shared by companies: a handful of grouped queries for
        the whole recordset."""
        companies = [*self.env.companies.ids, False]
        # sudo: the totals of the customer's cards, which salespeople don't
        # all see; only programs of the reader's companies (checked by
        # env.companies above) or shared ones count.
        Card = self.env["loyalty.card"].sudo()
        domain = [
            ("partner_id", "in", self.ids),
            ("program_id.program_type", "=", "loyalty"),
            ("company_id", "in", companies),
        ]
        # The cards and what is shown of them, in one query.
        cards = Card.search_fetch(domain, ["partner_id", "points", "crm_tier_id", "program_id"])
        available = defaultdict(float)
        for card in cards:
            available[card.partner_id] += card.points
        pending, expiring = self.env["loyalty.ledger"]._pending_and_expiring(cards, "partner_id")
        for partner in self:
            own = cards.filtered(lambda c, p=partner: c.partner_id == p)
            partner.loyalty_tier_id = own.crm_tier_id.sorted("threshold", reverse=True)[:1]
            partner.loyalty_points_available = available.get(partner, 0.0)
            partner.loyalty_points_pending = pending.get(partner, 0.0)
            partner.loyalty_points_expiring = expiring.get(partner, 0.0)
            # The point name of the customer's program when they have one.
            names = set(own.program_id.mapped("portal_point_name"))
            name = names.pop() if len(names) == 1 else None
            partner.loyalty_point_name = name or self.env._("Points")
            points = partner.loyalty_points_available
            partner.loyalty_points_display = formatLang(
                self.env, points, digits=rules.points_digits(points)
            )

    def _crm_card_for(self, program):
        self.ensure_one()
        # sudo: the ledger's flows (goodwill, store credit) open the
        # customer's card, with no points, for users who can't create cards.
        Card = self.env["loyalty.card"].sudo()
        card = Card.search([("partner_id", "=", self.id), ("program_id", "=", program.id)], limit=1)
        return card or Card.create({"partner_id": self.id, "program_id": program.id, "points": 0})

    def action_view_loyalty_ledger(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.action_loyalty_ledger")
        action["domain"] = [("partner_id", "in", self.ids)]
        action["context"] = {"search_default_groupby_kind": 0}
        return action
