from odoo import api, models
from odoo.tools import SQL

from ..tools import pg


class ResPartner(models.Model):
    """Responses to campaigns feed the customer score: an engagement line
    in "Why This Score", beside the RFM ones and the rules'."""

    _inherit = "res.partner"

    # Points of a response to a campaign in the last year, a line of "Why
    # This Score" beside the RFM ones.
    ENGAGEMENT_POINTS = {"ordered": 10, "clicked": 5}
    ENGAGEMENT_DAYS = 365

    @api.model
    def _rfm_rule_matches(self, partners):
        """The customer rules' lines, and the engagement line of customers
        who answered a campaign of the company in the last year (their best
        answer: an order, else a click), from one query."""
        result = super()._rfm_rule_matches(partners)
        if not partners:
            return result
        self.env["crm.campaign.member"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (m.partner_id) m.partner_id, c.name,
                       m.converted_date IS NOT NULL AS ordered
                  FROM crm_campaign_member m
                  JOIN crm_campaign c ON c.id = m.campaign_id
                 WHERE c.company_id = %(company)s AND NOT m.holdout
                   AND (m.converted_date IS NOT NULL OR m.clicked)
                   AND c.launch_date >= now() - make_interval(days => %(days)s)
                   AND m.partner_id = ANY(%(partners)s::int[])
              ORDER BY m.partner_id, (m.converted_date IS NOT NULL) DESC, c.launch_date DESC
                """,
                company=self.env.company.id,
                days=self.ENGAGEMENT_DAYS,
                partners=pg.int_array(partners.ids),
            )
        )
        ordered = self.env._("Engagement: ordered after the campaign %(campaign)s")
        clicked = self.env._("Engagement: clicked in the campaign %(campaign)s")
        for partner_id, campaign, did_order in self.env.cr.fetchall():
            label = (ordered if did_order else clicked) % {"campaign": campaign}
            points = self.ENGAGEMENT_POINTS["ordered" if did_order else "clicked"]
            result.setdefault(partner_id, []).append((label, points, None, 0))
        return result
