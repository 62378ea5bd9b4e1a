import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

MAILING_GROUP = "mass_mailing.group_mass_mailing_user"


class CrmCampaign(models.Model):
    """A targeted campaign: an audience chosen from what customer
    intelligence knows (segments, score, churn risk, what was bought, any
    domain), frozen into members when launched, reached through Odoo's
    Email Marketing, optionally with a personal coupon each, and measured
    against a holdout group that receives nothing.

    Who may be reached is decided in one place,
    res.partner._crm_marketable_domain (consent, not blacklisted), also used
    by win-back; a campaign also needs an email address."""

    _name = "crm.campaign"
    _description = "Targeted Campaign"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    user_id = fields.Many2one("res.users", string="Owner", default=lambda self: self.env.user)
    state = fields.Selection(
        [("draft", "Draft"), ("launched", "Launched"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    # The audience
    audience_segment_ids = fields.Many2many(
        "crm.rfm.segment", string="Segments", help="Customers in any of these segments."
    )
    audience_score_min = fields.Integer(string="Score From", default=0)
    audience_score_max = fields.Integer(string="Score To", default=100)
    audience_churn_risk = fields.Boolean(
        string="At Risk of Churning Only",
        help="Only customers who have not ordered for several times their usual gap.",
    )
    audience_categ_id = fields.Many2one(
        "product.category",
        string="Bought From Category",
        help="Only customers with a confirmed order of a product of this category "
        "(or of its subcategories).",
    )
    audience_categ_days = fields.Integer(
        string="In the Last (days)",
        default=0,
        help="How recent that purchase must be; 0 for any time.",
    )
    audience_domain = fields.Char(
        string="Other Conditions",
        default="[]",
        help="Any filter on customers, for instance a loyalty tier or a country.",
    )
    # Live counts of the audience as defined (draft) or as frozen.
    audience_count = fields.Integer(compute="_compute_audience_counts", string="Matching")
    excluded_consent_count = fields.Integer(
        compute="_compute_audience_counts", string="Without Consent"
    )
    excluded_blacklist_count = fields.Integer(
        compute="_compute_audience_counts", string="Blacklisted"
    )
    excluded_email_count = fields.Integer(compute="_compute_audience_counts", string="No Email")
    reachable_count = fields.Integer(compute="_compute_audience_counts", string="Reachable")
    # The holdout
    holdout_percent = fields.Float(
        string="Holdout (%)",
        default=10.0,
        help="A random share of the audience that receives nothing, to measure what "
        "the campaign caused. 0 to mail everyone.",
    )
    holdout_seed = fields.Integer(
        default=lambda self: random.SystemRandom().randint(1, 2**31 - 1),
        copy=False,
        readonly=True,
        help="Who is held out is drawn from this number: the same seed holds out "
        "the same customers.",
    )
    # The offer
    coupon_program_id = fields.Many2one(
        "loyalty.program",
        string="Personal Coupon From",
        domain="[('program_type', '=', 'coupons'), ('company_id', 'in', (company_id, False))]",
        check_company=True,
        help="Each mailed customer gets a coupon of this program, usable once, "
        "expiring at the campaign's end. Put it in the email with the "
        "'Coupon code' placeholder.",
    )
    date_end = fields.Date(
        string="Ends On",
        default=lambda self: fields.Date.context_today(self) + timedelta(days=30),
        help="Personal coupons expire at the end of this day.",
    )
    attribution_days = fields.Integer(
        string="Attribution Window (days)",
        default=14,
        help="Orders within this many days of the sending count as responses, "
        "in the mailed group and in the holdout alike.",
    )
    # What it created
    member_ids = fields.One2many("crm.campaign.member", "campaign_id", string="Members")
    mailing_id = fields.Many2one("mailing.mailing", readonly=True, copy=False)
    utm_campaign_id = fields.Many2one("utm.campaign", string="UTM Campaign", readonly=True)
    launch_date = fields.Datetime(readonly=True, copy=False)

    @api.depends(
        "state",
        "audience_segment_ids",
        "audience_score_min",
        "audience_score_max",
        "audience_churn_risk",
        "audience_categ_id",
        "audience_categ_days",
        "audience_domain",
        "member_ids",
    )
    def _compute_audience_counts(self):
        Partner = self.env["res.partner"]
        for campaign in self:
            if campaign.state != "draft":
                members = campaign.member_ids
                campaign.audience_count = len(members)
                campaign.reachable_count = len(members)
                campaign.excluded_consent_count = 0
                campaign.excluded_blacklist_count = 0
                campaign.excluded_email_count = 0
                continue
            try:
                audience = campaign._crm_audience_domain()
            except (ValueError, SyntaxError, NameError):
                audience = None
            if audience is None:
                campaign.audience_count = campaign.reachable_count = 0
                campaign.excluded_consent_count = campaign.excluded_blacklist_count = 0
                campaign.excluded_email_count = 0
                continue
            counts = campaign._crm_audience_counts(Partner, audience)
            campaign.audience_count = counts["matching"]
            campaign.excluded_consent_count = counts["consent"]
            campaign.excluded_blacklist_count = counts["blacklist"]
            campaign.excluded_email_count = counts["email"]
            campaign.reachable_count = counts["reachable"]

    @api.constrains("coupon_program_id", "company_id")
    def _check_coupon_program(self):
        for campaign in self:
            program = campaign.coupon_program_id
            if not program:
                continue
            if program.program_type != "coupons":
                raise ValidationError(
                    self.env._("%(program)s is not a coupon program.", program=program.name)
                )
            if program.company_id and program.company_id != campaign.company_id:
                raise ValidationError(
                    self.env._(
                        "The coupon program %(program)s belongs to %(company)s, "
                        "not to the campaign's company.",
                        program=program.name,
                        company=program.company_id.name,
                    )
                )

    @api.constrains("holdout_percent", "attribution_days")
    def _check_holdout_and_window(self):
        for campaign in self:
            if not 0 <= campaign.holdout_percent < 100:
                raise ValidationError(
                    self.env._(
                        "The holdout is a share of the audience from 0 to less than 100%%: "
                        "a holdout of %(percent)s%% would leave nobody to mail, or makes no sense.",
                        percent=campaign.holdout_percent,
                    )
                )
            if campaign.attribution_days < 1:
                raise ValidationError(self.env._("The attribution window is at least one day."))

    @api.constrains("audience_score_min", "audience_score_max")
    def _check_score_band(self):
        for campaign in self:
            low, high = campaign.audience_score_min, campaign.audience_score_max
            if not 0 <= low <= high <= 100:
                raise ValidationError(
                    self.env._("The score band runs from 0 to 100, its start before its end.")
                )

    @api.onchange("audience_churn_risk")
    def _onchange_audience_churn_risk(self):
        """A win-back campaign proposes a personal offer."""
        if self.audience_churn_risk and not self.coupon_program_id:
            self.coupon_program_id = self._crm_default_coupon_program()

    @api.model
    def _crm_default_coupon_program(self):
        return self.env["loyalty.program"].search(
            [
                ("program_type", "=", "coupons"),
                ("company_id", "in", (self.env.company.id, False)),
            ],
            limit=1,
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.pop("state", None)
        return super().create(vals_list)

    def write(self, vals):
        # The audience and the draw are what the results are measured
        # against: fixed once launched.
        frozen = {
            "audience_segment_ids",
            "audience_score_min",
            "audience_score_max",
            "audience_churn_risk",
            "audience_categ_id",
            "audience_categ_days",
            "audience_domain",
            "holdout_percent",
            "coupon_program_id",
            "attribution_days",
        }
        if "state" in vals and not self.env.su:
            raise AccessError(self.env._("A campaign's state changes through its buttons."))
        if frozen & set(vals) and any(c.state != "draft" for c in self):
            raise UserError(
                self.env._(
                    "The audience, holdout, offer and attribution window of a launched "
                    "campaign can't change: its results are measured against them. "
                    "Duplicate it to try other settings."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_launched(self):
        if any(c.state == "launched" for c in self):
            raise UserError(
                self.env._("A launched campaign keeps its members and results; cancel it instead.")
            )

    # ------------------------------------------------------------------
    # The audience
    # ------------------------------------------------------------------

    def _crm_audience_domain(self):
        """The customers this campaign's settings select, before consent:
        commercial entities (companies or individuals), not the contacts of
        a company."""
        self.ensure_one()
        domain = [("parent_id", "=", False), ("rfm_segment", "!=", False)]
        if self.audience_segment_ids:
            domain.append(("rfm_segment", "in", self.audience_segment_ids.mapped("code")))
        if self.audience_score_min > 0:
            domain.append(("customer_score", ">=", self.audience_score_min))
        if self.audience_score_max < 100:
            domain.append(("customer_score", "<=", self.audience_score_max))
        if self.audience_churn_risk:
            domain.append(("churn_risk", "=", True))
        if self.audience_categ_id:
            self.env.flush_all()
            self.env.cr.execute(self._crm_category_buyers())
            domain.append(("id", "in", [row[0] for row in self.env.cr.fetchall()]))
        extra = safe_eval(self.audience_domain or "[]")
        if not isinstance(extra, list):
            raise ValueError("not a domain")
        return expression.AND([domain, extra]) if extra else domain

    def _crm_category_buyers(self):
        """Commercial partners with a confirmed order of the category (or
        its subcategories) in the window, as a subquery."""
        since = (
            fields.Datetime.now() - timedelta(days=self.audience_categ_days)
            if self.audience_categ_days > 0
            else None
        )
        return SQL(
            """
            SELECT p.commercial_partner_id
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner p ON p.id = so.partner_id
              JOIN product_product pp ON pp.id = sol.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN product_category pc ON pc.id = pt.categ_id
             WHERE so.state = 'sale' AND so.company_id = %(company)s
               AND (pc.id = %(categ)s OR pc.parent_path LIKE %(path)s)
               AND (%(since)s::timestamp IS NULL OR so.date_order >= %(since)s::timestamp)
            """,
            company=self.company_id.id,
            categ=self.audience_categ_id.id,
            path=f"{self.audience_categ_id.parent_path}%",
            since=since,
        )

    def _crm_audience_counts(self, Partner, audience):
        """Matching, left out for lack of consent, for blacklisting and for
        lack of an email (each counted once, in that order), and reachable:
        four counts on the same audience."""
        Partner = Partner.with_company(self.company_id)
        matching = Partner.search_count(audience)
        no_consent = Partner.search_count([*audience, ("marketing_consent", "=", False)])
        blacklisted = Partner.search_count(
            [*audience, ("marketing_consent", "=", True), ("is_blacklisted", "=", True)]
        )
        reachable = Partner.search_count(audience + Partner._crm_campaign_reachable_domain())
        return {
            "matching": matching,
            "consent": no_consent,
            "blacklist": blacklisted,
            "email": matching - no_consent - blacklisted - reachable,
            "reachable": reachable,
        }

    # ------------------------------------------------------------------
    # Launch
    # ------------------------------------------------------------------

    def _crm_check_can_launch(self):
        self.ensure_one()
        if not self.env.user.has_group(MAILING_GROUP):
            raise AccessError(
                self.env._("Launching a campaign sends email: it needs Email Marketing rights.")
            )
        if self.state != "draft":
            raise UserError(self.env._("%(campaign)s was already launched.", campaign=self.name))
        if self.coupon_program_id and not self.date_end:
            raise UserError(self.env._("Say when the campaign ends: its coupons expire then."))
        if self.coupon_program_id and self.date_end < fields.Date.context_today(self):
            raise UserError(
                self.env._("The campaign's end date is past: its coupons would be void.")
            )

    def action_launch(self):
        """Freeze the members (the reachable audience, split into the mailed
        group and the holdout), generate the mailed members' coupons, and
        create the mailing that the user writes and sends with Odoo's
        editor. Everything or nothing: an error leaves the campaign as it
        was."""
        self.ensure_one()
        self._crm_check_can_launch()
        self.check_access("write")
        # Lock the row: a double click launches once.
        self.env.cr.execute(SQL("SELECT state FROM crm_campaign WHERE id = %s FOR UPDATE", self.id))
        if self.env.cr.fetchone()[0] != "draft":
            raise UserError(self.env._("%(campaign)s was already launched.", campaign=self.name))
        audience = (
            self._crm_audience_domain() + self.env["res.partner"]._crm_campaign_reachable_domain()
        )
        members = self.env["crm.campaign.member"]._crm_freeze(self, audience)
        if not members["total"]:
            raise UserError(
                self.env._(
                    "Nobody in this audience can be reached: no customer matches, or none "
                    "of them agreed to marketing and has an email address."
                )
            )
        if not members["mailed"]:
            raise UserError(
                self.env._(
                    "The holdout takes all %(count)s reachable customers: nobody would be "
                    "mailed. Lower the holdout or widen the audience.",
                    count=members["total"],
                )
            )
        if self.coupon_program_id:
            self.env["crm.campaign.member"]._crm_generate_coupons(self)
        # sudo: the campaign user has Email Marketing rights (checked above);
        # UTM records are technical and shared.
        utm = self.env["utm.campaign"].sudo().create({"name": self.name})
        mailing = self.env["mailing.mailing"].create(self._prepare_mailing_vals(utm))
        self.sudo().write(
            {
                "state": "launched",
                "mailing_id": mailing.id,
                "utm_campaign_id": utm.id,
                "launch_date": fields.Datetime.now(),
            }
        )
        self.message_post(
            body=self.env._(
                "Launched: %(mailed)s customers to mail, %(holdout)s held out.",
                mailed=members["mailed"],
                holdout=members["holdout"],
            )
        )
        return self.action_open_mailing()

    def _prepare_mailing_vals(self, utm):
        """The mailing to the mailed members, written with Odoo's editor.
        Its recipients are read from the frozen members at sending time,
        and only those who still agree to marketing: a customer who
        withdraws consent after the launch is not mailed."""
        coupon = (
            '<p>Your personal code: <strong><t t-out="object.crm_campaign_coupon_code"/>'
            f"</strong>, valid until {self.date_end}.</p>"
            if self.coupon_program_id
            else ""
        )
        body = (
            '<div class="o_layout o_default_theme oe_unremovable oe_unmovable" data-name="Mailing">'
            '<div class="container o_mail_wrapper oe_unremovable oe_unmovable">'
            '<div class="row"><div class="col o_mail_no_options o_mail_wrapper_td bg-white '
            'oe_structure o_editable" style="text-align:left;width:100%;">'
            '<div class="s_text_block o_mail_snippet_general pt16 pb16" data-snippet="s_text_block">'
            '<div class="container o_mail_h_padding">'
            f'<p>Hello <t t-out="object.name"/>,</p>{coupon}'
            "</div></div></div></div></div></div>"
        )
        return {
            "subject": self.name,
            "mailing_type": "mail",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            "mailing_domain": repr(
                [
                    (
                        "crm_campaign_member_ids",
                        "any",
                        [("campaign_id", "=", self.id), ("holdout", "=", False)],
                    ),
                    ("marketing_consent", "=", True),
                ]
            ),
            "campaign_id": utm.id,
            "body_arch": body,
            "body_html": body,
            "user_id": self.env.user.id,
        }

    def action_open_mailing(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": self.mailing_id.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_cancel(self):
        for campaign in self:
            if campaign.mailing_id.state in ("sending", "done"):
                raise UserError(
                    self.env._(
                        "%(campaign)s was sent; its results are kept.", campaign=campaign.name
                    )
                )
        self.mailing_id.filtered(lambda m: m.state == "draft").action_archive()
        # Unused personal coupons die with the campaign.
        coupons = self.member_ids.coupon_id
        coupons.sudo().write({"active": False})
        self.sudo().write({"state": "cancelled"})
        return True

    def action_view_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_ecommerce.action_crm_campaign_members"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"default_campaign_id": self.id, "search_default_mailed": 1}
        return action

    def action_view_conversions(self):
        action = self.action_view_members()
        action["domain"] = [("campaign_id", "=", self.id), ("converted_date", "!=", False)]
        action["view_mode"] = "graph,list"
        action["views"] = [(False, "graph"), (False, "list")]
        return action

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%s (copy)", campaign.name))
            for campaign, vals in zip(self, vals_list, strict=True)
        ]

    @api.model
    def _cron_refresh_responses(self):
        """Nightly: each launched campaign's responses, while its
        attribution window is open (and one day more, for late traces)."""
        campaigns = self.search([("state", "=", "launched")])
        campaigns = campaigns.filtered(
            lambda c: (
                not c.mailing_id.sent_date
                or c.mailing_id.sent_date + timedelta(days=c.attribution_days + 1)
                >= fields.Datetime.now()
            )
        )
        self.env["crm.campaign.member"]._crm_refresh(campaigns)

    def action_refresh_results(self):
        self.check_access("read")
        # sudo: responses are read from traces, orders and coupons of the
        # campaign's members, which the caller may see (record rules of
        # members follow the campaign's company).
        self.env["crm.campaign.member"].sudo()._crm_refresh(self)
        return True
