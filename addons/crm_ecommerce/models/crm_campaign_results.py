from odoo import fields, models
from odoo.tools import SQL

from ..tools import pg, uplift


class CrmCampaign(models.Model):
    """A campaign's results, read from its members in one statement: what
    the mailing did (traces), and what the campaign caused (the mailed
    group's conversion against the holdout's, with the uplift's 95%
    interval)."""

    _inherit = "crm.campaign"

    mailed_count = fields.Integer(compute="_compute_results", string="Mailed")
    holdout_count = fields.Integer(compute="_compute_results", string="Held Out")
    sent_count = fields.Integer(compute="_compute_results", string="Sent")
    delivered_count = fields.Integer(compute="_compute_results", string="Delivered")
    opened_count = fields.Integer(compute="_compute_results", string="Opened")
    clicked_count = fields.Integer(compute="_compute_results", string="Clicked")
    replied_count = fields.Integer(compute="_compute_results", string="Replied")
    bounced_count = fields.Integer(compute="_compute_results", string="Bounced")
    unsubscribed_count = fields.Integer(compute="_compute_results", string="Unsubscribed")
    coupon_count = fields.Integer(compute="_compute_results", string="Coupons")
    coupon_used_count = fields.Integer(compute="_compute_results", string="Coupons Used")
    utm_order_count = fields.Integer(compute="_compute_results", string="Orders Through the Email")
    mailed_converted = fields.Integer(compute="_compute_results", string="Mailed Who Ordered")
    holdout_converted = fields.Integer(compute="_compute_results", string="Held Out Who Ordered")
    mailed_revenue = fields.Float(compute="_compute_results", string="Revenue, Mailed")
    holdout_revenue = fields.Float(compute="_compute_results", string="Revenue, Held Out")
    mailed_rate = fields.Float(compute="_compute_results", string="Conversion, Mailed (%)")
    holdout_rate = fields.Float(compute="_compute_results", string="Conversion, Held Out (%)")
    uplift = fields.Float(compute="_compute_results", string="Uplift (points)")
    uplift_low = fields.Float(compute="_compute_results", string="Uplift From")
    uplift_high = fields.Float(compute="_compute_results", string="Uplift To")
    results_note = fields.Char(compute="_compute_results", string="What It Caused")

    def _compute_results(self):
        figures = self._crm_result_figures()
        for campaign in self:
            row = figures.get(campaign.id, {})
            get = row.get
            for name in (
                "mailed_count",
                "holdout_count",
                "sent_count",
                "delivered_count",
                "opened_count",
                "clicked_count",
                "replied_count",
                "bounced_count",
                "unsubscribed_count",
                "coupon_count",
                "coupon_used_count",
                "utm_order_count",
                "mailed_converted",
                "holdout_converted",
            ):
                campaign[name] = get(name) or 0
            campaign.mailed_revenue = get("mailed_revenue") or 0.0
            campaign.holdout_revenue = get("holdout_revenue") or 0.0
            result = uplift.two_proportion_interval(
                campaign.mailed_converted,
                campaign.mailed_count,
                campaign.holdout_converted,
                campaign.holdout_count,
            )
            campaign.mailed_rate = result["rate_a"] * 100
            campaign.holdout_rate = result["rate_b"] * 100
            campaign.uplift = result["uplift"] * 100
            campaign.uplift_low = (result["low"] or 0.0) * 100
            campaign.uplift_high = (result["high"] or 0.0) * 100
            campaign.results_note = campaign._crm_results_note(result)

    def _crm_results_note(self, result):
        self.ensure_one()
        # sudo: whether the mailing was sent, for users of the campaign who
        # have no Email Marketing rights (its date only).
        if not self.mailing_id.sudo().sent_date:
            return self.env._("Results start when the mailing is sent.")
        if not self.mailed_converted and not self.holdout_converted:
            # An interval of zero width would read as certainty.
            return self.env._("No order yet from either group within the attribution window.")
        if result["low"] is None:
            return self.env._(
                "No holdout: what the campaign caused can't be told from what would "
                "have happened anyway."
            )
        figures = {
            "mailed": round(result["rate_a"] * 100, 1),
            "holdout": round(result["rate_b"] * 100, 1),
            "low": round(result["low"] * 100, 1),
            "high": round(result["high"] * 100, 1),
        }
        if result["low"] > 0:
            return self.env._(
                "%(mailed)s%% of mailed customers ordered against %(holdout)s%% of those "
                "held out: the campaign caused between %(low)s and %(high)s more orders "
                "per 100 customers (95%% confidence).",
                **figures,
            )
        return self.env._(
            "%(mailed)s%% of mailed customers ordered against %(holdout)s%% of those held "
            "out: not enough to say the campaign made a difference (95%% interval "
            "%(low)s to %(high)s points).",
            **figures,
        )

    def _crm_result_figures(self):
        ids = [cid for cid in self.ids if isinstance(cid, int)]
        if not ids:
            return {}
        self.env["crm.campaign.member"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT campaign_id,
                       count(*) FILTER (WHERE NOT holdout) AS mailed_count,
                       count(*) FILTER (WHERE holdout) AS holdout_count,
                       count(*) FILTER (WHERE sent) AS sent_count,
                       count(*) FILTER (WHERE sent AND NOT bounced) AS delivered_count,
                       count(*) FILTER (WHERE opened) AS opened_count,
                       count(*) FILTER (WHERE clicked) AS clicked_count,
                       count(*) FILTER (WHERE replied) AS replied_count,
                       count(*) FILTER (WHERE bounced) AS bounced_count,
                       count(*) FILTER (WHERE unsubscribed) AS unsubscribed_count,
                       count(coupon_id) AS coupon_count,
                       count(*) FILTER (WHERE coupon_used) AS coupon_used_count,
                       count(*) FILTER (WHERE via_utm) AS utm_order_count,
                       count(converted_date) FILTER (WHERE NOT holdout) AS mailed_converted,
                       count(converted_date) FILTER (WHERE holdout) AS holdout_converted,
                       sum(revenue) FILTER (WHERE NOT holdout) AS mailed_revenue,
                       sum(revenue) FILTER (WHERE holdout) AS holdout_revenue
                  FROM crm_campaign_member
                 WHERE campaign_id = ANY(%s::int[])
              GROUP BY campaign_id
                """,
                pg.int_array(ids),
            )
        )
        return {row["campaign_id"]: row for row in self.env.cr.dictfetchall()}
