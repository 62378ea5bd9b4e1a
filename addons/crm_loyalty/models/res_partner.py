from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL, formatLang

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

    @api.depends_context("uid", "allowed_company_ids", "lang")
    def _compute_loyalty_points(self):
        """Per partner, over the active cards of loyalty programs of the
        current companies or shared by companies: the cards, their pending
        points and the points of their lots expiring within 30 days in one
        statement for the whole recordset (the sums read from the ledger's
        indexes by card, see loyalty.ledger), with their programs' point
        names in the reader's language, then their tiers."""
        partners = self._origin
        rows = []
        if partners:
            self.env["loyalty.card"].flush_model(
                ["partner_id", "program_id", "company_id", "active", "points", "crm_tier_id"]
            )
            self.env["loyalty.program"].flush_model(["program_type", "portal_point_name"])
            self.env["loyalty.ledger"].flush_model(
                ["card_id", "state", "points", "remaining", "expiry_date"]
            )
            # The totals of the customer's cards, which salespeople don't
            # all see, read in SQL: only programs of the reader's companies
            # (env.companies) or shared ones count.
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT card.partner_id, card.crm_tier_id, card.points,
                           %(point_name)s, %(sums)s
                      FROM loyalty_card card
                      JOIN loyalty_program program ON program.id = card.program_id
                     WHERE card.partner_id = ANY(%(partners)s) AND card.active
                       AND program.program_type = 'loyalty'
                       AND (card.company_id IS NULL OR card.company_id = ANY(%(companies)s))
                     ORDER BY card.id
                    """,
                    partners=partners.ids,
                    companies=self.env.companies.ids,
                    sums=self.env["loyalty.ledger"]._pending_and_expiring_sql("card"),
                    # sudo: the programs' point names (no customer data),
                    # which not every reader may read, translated as the
                    # ORM reads them.
                    point_name=self.env["loyalty.program"]
                    .sudo()
                    ._field_to_sql("program", "portal_point_name"),
                )
            )
        figures = defaultdict(
            lambda: {"names": set(), "tiers": [], "available": 0.0, "pending": 0.0, "expiring": 0.0}
        )
        for partner_id, tier_id, points, point_name, pending, expiring in rows:
            own = figures[partner_id]
            own["names"].add(point_name)
            if tier_id:
                own["tiers"].append(tier_id)
            own["available"] += points or 0.0
            own["pending"] += pending or 0.0
            own["expiring"] += expiring or 0.0
        # sudo: the tiers' thresholds of those cards, which not every
        # reader may read; read once for all the partners (their prefetch).
        all_tiers = self.env["loyalty.tier"].sudo().browse({row[1] for row in rows if row[1]})
        for partner in self:
            own = figures[partner._origin.id]
            tiers = all_tiers.browse(own["tiers"]).with_prefetch(all_tiers._prefetch_ids)
            partner.loyalty_tier_id = tiers.sorted("threshold", reverse=True)[:1]
            partner.loyalty_points_available = own["available"]
            partner.loyalty_points_pending = own["pending"]
            partner.loyalty_points_expiring = own["expiring"]
            # The point name of the customer's program when they have one.
            names = own["names"]
            name = next(iter(names)) if len(names) == 1 else None
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
