from odoo import Command, api, fields, models
from odoo.tools import SQL

from ..tools import pg


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_winback_count = fields.Integer(
        string="Win-backs",
        compute="_compute_crm_winback_count",
        groups="crm_ecommerce.group_crm_ecommerce_user",
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_crm_winback_count(self):
        """The win-back opportunities the user can see, as the button
        opening them lists them: one query, counted in SQL."""
        counts = {}
        if self._origin:
            query = self.env["crm.lead"]._search(self._origin._crm_winback_domain())
            customer = SQL.identifier("crm_lead", "partner_id")
            query.order = None
            query.groupby = customer
            counts = dict(self.env.execute_query(query.select(customer, SQL("count(*)"))))
        for partner in self:
            partner.crm_winback_count = counts.get(partner._origin.id, 0)

    def action_view_winbacks(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action["domain"] = self._crm_winback_domain()
        return action

    def _crm_winback_domain(self):
        return [("partner_id", "in", self.ids), ("crm_winback_episode", "!=", False)]

    @api.model
    def _cron_winback(self):
        for company in self.env["res.company"].search([("active", "=", True)]):
            self.with_company(company)._crm_open_winbacks()

    @api.model
    def _crm_open_winbacks(self):
        """One win-back opportunity per churn episode (a customer's last order
        date), for customers at risk who agreed to marketing."""
        # The cron's job (superuser): whoever else calls it must be allowed
        # to create leads before the leads are created in sudo below.
        self.env["crm.lead"].check_access("create")
        company = self.env.company
        at_risk = self.search([("churn_risk", "=", True), *self._crm_marketable_domain()])
        if not at_risk:
            return self.env["crm.lead"]
        # sudo: the episodes of every salesperson's leads, archived ones
        # included, so that a churn is answered once; this company's only.
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        existing = {
            (lead.partner_id.id, lead.crm_winback_episode)
            for lead in Lead.search(
                [
                    ("partner_id", "in", at_risk.ids),
                    ("crm_winback_episode", "!=", False),
                    ("company_id", "=", company.id),
                ]
            )
        }
        todo = at_risk.filtered(lambda p: (p.id, p.rfm_last_order_date) not in existing)
        last_salespeople = self._crm_last_salespeople(todo)
        average = self._crm_average_order_values(todo)
        tag = self.env.ref("crm_ecommerce.crm_tag_winback", raise_if_not_found=False)
        Users = self.env["res.users"]
        return Lead.create(
            [
                {
                    "name": self.env._("Win back %s", partner.name),
                    "type": "opportunity",
                    "partner_id": partner.id,
                    # Nobody to follow up: left to the sales team's assignment,
                    # not to the cron's own user.
                    "user_id": (partner.user_id or last_salespeople.get(partner.id, Users)).id,
                    "company_id": company.id,
                    "crm_winback_episode": partner.rfm_last_order_date,
                    "expected_revenue": average.get(partner.id, 0.0),
                    "tag_ids": [Command.link(tag.id)] if tag else [],
                    "description": self._crm_winback_description(partner),
                }
                for partner in todo
            ]
        )

    @api.model
    def _crm_winback_description(self, partner):
        """Why the customer is at risk: their probability of still being a
        customer when predictions decide churn, else their usual gap."""
        if partner.clv_fit_date and self._clv_churn_follows_predictions(self.env.company):
            return self.env._(
                "No order for %(days)s days: %(alive)s%% likely to still be a customer.",
                days=partner.rfm_recency_days,
                alive=round(partner.clv_probability_alive * 100),
            )
        return self.env._(
            "No order for %(days)s days, usually one every %(gap)s days.",
            days=partner.rfm_recency_days,
            gap=round(partner.rfm_order_gap),
        )

    @api.model
    def _crm_average_order_values(self, partners):
        """{partner id: average untaxed amount of their confirmed orders in
        the current company, in its currency}, in one query: a win-back's
        expected revenue."""
        if not partners:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id,
                       avg(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1))
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_id
                 WHERE so.state = 'sale' AND so.company_id = %s
                   AND p.commercial_partner_id = ANY(%s::int[])
              GROUP BY 1
                """,
                self.env.company.id,
                pg.int_array(partners.ids),
            )
        )
        return {pid: round(float(amount), 2) for pid, amount in self.env.cr.fetchall()}

    def _crm_close_winbacks(self):
        """A customer who withdrew marketing consent is not to be won back:
        their open win-back opportunities are closed as lost, with the
        reason, and the salesperson sees why in the chatter."""
        # sudo: the win-backs of these customers whoever follows them up;
        # the caller changed the customer's consent (write() checked it may).
        Lead = self.env["crm.lead"].sudo()
        leads = Lead.search(
            [
                ("partner_id", "in", self.ids),
                ("crm_winback_episode", "!=", False),
                ("probability", "<", 100),
            ]
        )
        if not leads:
            return leads
        reason = self.env.ref(
            "crm_ecommerce.crm_lost_reason_consent_withdrawn", raise_if_not_found=False
        )
        leads.action_set_lost(lost_reason_id=reason.id if reason else False)
        for lead in leads:
            lead.message_post(
                body=self.env._("Closed: the customer withdrew their marketing consent."),
                subtype_xmlid="mail.mt_note",
            )
        return leads

    @api.model
    def _crm_last_salespeople(self, partners):
        """{partner id: salesperson of their last order}, in one query."""
        if not partners:
            return {}
        # sudo: only who sold to these customers last, from this company's
        # confirmed orders; the caller checked it may create the leads.
        Order = self.env["sale.order"].sudo()
        groups = Order._read_group(
            [
                ("partner_id", "child_of", partners.ids),
                ("state", "=", "sale"),
                ("company_id", "=", self.env.company.id),
            ],
            ["partner_id", "user_id"],
            ["date_order:max"],
        )
        latest = {}
        for partner, user, date in groups:
            key = partner.commercial_partner_id.id
            if user and (key not in latest or date > latest[key][0]):
                latest[key] = (date, user)
        return {key: user for key, (_date, user) in latest.items()}
