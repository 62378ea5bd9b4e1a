import json
import secrets

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import pg

# What a campaign's audience reads: the customers and their figures.
AUDIENCE_TABLES = ("res_partner", "crm_customer_figures", "mail_blacklist")


class CrmCampaignMember(models.Model):
    """A customer in a launched campaign, mailed or held out, and how they
    responded: the CRM's record of each customer's answers to earlier
    offers. Rows are written by the campaign's launch and refresh, in
    set-based statements, never by hand."""

    _name = "crm.campaign.member"
    _description = "Campaign Member"
    _order = "campaign_id desc, id"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one(
        "crm.campaign", required=True, index=True, ondelete="cascade", readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    holdout = fields.Boolean(
        readonly=True, help="Held out: receives nothing, to measure what the campaign caused."
    )
    member_group = fields.Selection(
        [("mailed", "Mailed"), ("holdout", "Holdout")],
        string="Group",
        compute="_compute_group",
        store=True,
    )
    coupon_id = fields.Many2one("loyalty.card", readonly=True)
    sent = fields.Boolean(readonly=True)
    opened = fields.Boolean(readonly=True)
    clicked = fields.Boolean(readonly=True)
    replied = fields.Boolean(readonly=True)
    bounced = fields.Boolean(readonly=True)
    unsubscribed = fields.Boolean(readonly=True)
    converted_date = fields.Date(
        string="Ordered On", readonly=True, help="First order within the attribution window."
    )
    order_count = fields.Integer(string="Orders", readonly=True)
    revenue = fields.Float(
        readonly=True, aggregator="sum", help="Untaxed, in the company's currency."
    )
    via_utm = fields.Boolean(
        string="Through the Email", readonly=True, help="An order came from the email's links."
    )
    coupon_used = fields.Boolean(readonly=True)

    _sql_constraints = [
        (
            "partner_once",
            "unique(campaign_id, partner_id)",
            "A customer is in a campaign once.",
        )
    ]

    @api.depends("holdout")
    def _compute_group(self):
        for member in self:
            member.member_group = "holdout" if member.holdout else "mailed"

    @api.model
    def _crm_freeze(self, campaign, audience):
        """Insert the members of ``campaign``: the partners of ``audience``
        in one statement, each drawn into the holdout by the campaign's
        seed (the rule of tools.uplift.in_holdout). Returns the counts."""
        partners = self.env["res.partner"].with_company(campaign.company_id)
        query = partners._search(audience)
        self.env.flush_all()
        # The audience joins the customers to their figures: statistics
        # that still say the figures' table is empty (a first computation
        # not analyzed yet) would plan a join of every customer to every row.
        pg.analyze_stale(self.env.cr, AUDIENCE_TABLES)
        self.env.cr.execute(
            SQL(
                """
                WITH audience AS (%(query)s),
                inserted AS (
                    INSERT INTO crm_campaign_member
                           (campaign_id, partner_id, company_id, holdout, member_group,
                            create_uid, create_date, write_uid, write_date)
                    SELECT %(campaign)s, a.id, %(company)s, d.held,
                           CASE WHEN d.held THEN 'holdout' ELSE 'mailed' END,
                           %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                      FROM audience a
                     CROSS JOIN LATERAL (
                           SELECT ('x' || substr(md5(%(seed)s || ':' || a.id), 1, 8))::bit(32)::bigint
                                  / 4294967296.0 * 100 < %(percent)s AS held
                     ) d
                    RETURNING holdout
                )
                SELECT count(*), count(*) FILTER (WHERE holdout) FROM inserted
                """,
                query=query.select("res_partner.id"),
                campaign=campaign.id,
                company=campaign.company_id.id,
                uid=self.env.uid,
                seed=str(campaign.holdout_seed),
                percent=campaign.holdout_percent,
            )
        )
        total, holdout = self.env.cr.fetchone()
        self.invalidate_model()
        campaign.invalidate_recordset(["member_ids"])
        return {"total": total, "holdout": holdout, "mailed": total - holdout}

    @api.model
    def _crm_generate_coupons(self, campaign):
        """One coupon of the campaign's program per mailed member, with the
        points of one reward (usable once), expiring at the campaign's
        end; created in one batch, without the program's own emails (the
        campaign's mailing carries the code)."""
        program = campaign.coupon_program_id
        members = self.search([("campaign_id", "=", campaign.id), ("holdout", "=", False)])
        points = min(program.reward_ids.mapped("required_points") or [1.0]) or 1.0
        partner_ids = members.mapped("partner_id.id")
        codes = self._crm_coupon_codes(len(partner_ids))
        # sudo: coupons are created for the campaign's own members, of a
        # program of the campaign's company (constraint); the launching
        # user has Email Marketing rights, not necessarily loyalty rights.
        cards = (
            self.env["loyalty.card"]
            .sudo()
            .with_context(loyalty_no_mail=True, tracking_disable=True, mail_create_nolog=True)
            .create(
                [
                    {
                        "program_id": program.id,
                        "partner_id": partner_id,
                        "points": points,
                        "expiration_date": campaign.date_end,
                        "code": code,
                    }
                    for partner_id, code in zip(partner_ids, codes, strict=True)
                ]
            )
        )
        cards.flush_recordset()
        pairs = [[m, c] for m, c in zip(members.ids, cards.ids, strict=True)]
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_campaign_member m SET coupon_id = (v.e->>1)::int
                  FROM jsonb_array_elements(%s::jsonb) AS v(e)
                 WHERE m.id = (v.e->>0)::int
                """,
                json.dumps(pairs),
            )
        )
        self.invalidate_model(["coupon_id"])
        return cards

    @api.model
    def _crm_coupon_codes(self, count):
        """``count`` new coupon codes, none of them a code already in use.
        Odoo's own (loyalty.card._generate_code) has 8 random hex digits:
        among the 40,000 coupons of a large segment, two are the same one
        launch in five or so, and the whole launch fails on the codes'
        unique constraint. These have 16, after Odoo's prefix of coupon
        barcodes (044)."""
        self.env["loyalty.card"].flush_model(["code"])
        codes = set()
        while len(codes) < count:
            fresh = set()
            while len(codes) + len(fresh) < count:
                digits = secrets.token_hex(8)
                fresh.add(
                    f"044{digits[0]}-{digits[1:5]}-{digits[5:9]}-{digits[9:13]}-{digits[13:]}"
                )
            self.env.cr.execute(
                "SELECT code FROM loyalty_card WHERE code = ANY(%s)", [sorted(fresh - codes)]
            )
            codes |= fresh - {code for (code,) in self.env.cr.fetchall()}
        return sorted(codes)

    @api.model
    def _crm_refresh(self, campaigns):
        """What the members of ``campaigns`` did, in two statements for all
        of them: their mail traces, and their orders within the window that
        opens when the mailing is sent (for the holdout too, so that both
        groups are measured alike)."""
        campaigns = campaigns.filtered("mailing_id.sent_date")
        if not campaigns:
            return
        self.env.flush_all()
        ids = pg.int_array(campaigns.ids)
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_campaign_member m
                   SET sent = t.sent, opened = t.opened, clicked = t.clicked,
                       replied = t.replied, bounced = t.bounced, unsubscribed = t.unsubscribed
                  FROM (
                    SELECT m.id,
                           bool_or(mt.sent_datetime IS NOT NULL
                                   OR mt.trace_status IN ('sent', 'open', 'reply')) AS sent,
                           bool_or(mt.open_datetime IS NOT NULL
                                   OR mt.trace_status IN ('open', 'reply')) AS opened,
                           bool_or(mt.links_click_datetime IS NOT NULL) AS clicked,
                           bool_or(mt.reply_datetime IS NOT NULL
                                   OR mt.trace_status = 'reply') AS replied,
                           bool_or(mt.trace_status = 'bounce') AS bounced,
                           bool_or(bl.id IS NOT NULL) AS unsubscribed
                      FROM crm_campaign_member m
                      JOIN crm_campaign c ON c.id = m.campaign_id
                      JOIN mailing_mailing mm ON mm.id = c.mailing_id
                      JOIN res_partner p ON p.id = m.partner_id
                 LEFT JOIN mailing_trace mt ON mt.mass_mailing_id = mm.id
                       AND mt.model = 'res.partner' AND mt.res_id = m.partner_id
                 LEFT JOIN mail_blacklist bl ON bl.email = p.email_normalized AND bl.active
                       AND bl.create_date >= mm.sent_date
                     WHERE m.campaign_id = ANY(%(ids)s::int[]) AND NOT m.holdout
                  GROUP BY m.id
                  ) t
                 WHERE m.id = t.id
                """,
                ids=ids,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_campaign_member m
                   SET converted_date = o.first_order, order_count = COALESCE(o.orders, 0),
                       revenue = COALESCE(o.revenue, 0), via_utm = COALESCE(o.via_utm, false),
                       coupon_used = COALESCE(o.coupon_used, false)
                  FROM crm_campaign_member m2
                  JOIN crm_campaign c ON c.id = m2.campaign_id
                  JOIN mailing_mailing mm ON mm.id = c.mailing_id
             LEFT JOIN LATERAL (
                    SELECT min(so.date_order)::date AS first_order, count(*) AS orders,
                           sum(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1)) AS revenue,
                           bool_or(so.campaign_id = c.utm_campaign_id) AS via_utm,
                           bool_or(EXISTS (
                               SELECT 1 FROM sale_order_line sol
                                WHERE sol.order_id = so.id AND sol.coupon_id = m2.coupon_id
                           )) AS coupon_used
                      FROM sale_order so
                      JOIN res_partner sp ON sp.id = so.partner_id
                     WHERE sp.commercial_partner_id = m2.partner_id
                       AND so.state = 'sale' AND so.company_id = c.company_id
                       AND so.date_order >= mm.sent_date
                       AND so.date_order < mm.sent_date + make_interval(days => c.attribution_days)
                  ) o ON true
                 WHERE m.id = m2.id AND m2.campaign_id = ANY(%(ids)s::int[])
                """,
                ids=ids,
            )
        )
        self.invalidate_model()
