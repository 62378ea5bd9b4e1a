"""Targeted campaigns: an audience from what customer intelligence knows,
consent everywhere, personal coupons, a holdout group, and the responses
fed back to each customer and to the score."""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..tools import uplift
from .common import IntelligenceCase


@tagged("post_install", "-at_install")
class CampaignCase(IntelligenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_test_user(
            cls.env,
            login="ci_marketer",
            groups="sales_team.group_sale_salesman,mass_mailing.group_mass_mailing_user",
        )
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Come back 10%",
                "program_type": "coupons",
                "trigger": "with_code",
                "applies_on": "current",
                "rule_ids": [Command.create({"minimum_amount": 0})],
                "reward_ids": [
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount": 10,
                            "discount_mode": "percent",
                            "discount_applicability": "order",
                            "required_points": 1,
                        }
                    )
                ],
            }
        )
        # 24 customers who agreed to marketing, 3 who did not, 2 blacklisted,
        # 2 without an email; all with one order two months ago.
        cls.consenting = cls.env["res.partner"]
        for i in range(24):
            cls.consenting |= cls._customer(f"Consenting {i}", marketing_consent=True)
        cls.no_consent = cls.env["res.partner"]
        for i in range(3):
            cls.no_consent |= cls._customer(f"Silent {i}")
        cls.blacklisted = cls.env["res.partner"]
        for i in range(2):
            cls.blacklisted |= cls._customer(f"Unsubscribed {i}", marketing_consent=True)
        cls.env["mail.blacklist"]._add(cls.blacklisted.mapped("email")[0])
        cls.env["mail.blacklist"]._add(cls.blacklisted.mapped("email")[1])
        cls.no_email = cls.env["res.partner"].create(
            [{"name": f"Paper {i}", "marketing_consent": True} for i in range(2)]
        )
        cls.everyone = cls.consenting | cls.no_consent | cls.blacklisted | cls.no_email

    def setUp(self):
        super().setUp()
        for partner in self.everyone:
            self._order(partner, days_ago=60)
        self.env["res.partner"]._rfm_recompute_company()

    def _campaign(self, **vals):
        return (
            self.env["crm.campaign"]
            .with_user(self.marketer)
            .create(
                {
                    "name": "Spring",
                    "audience_domain": repr([("id", "in", self.everyone.ids)]),
                    "holdout_percent": 25,
                    "holdout_seed": 7,
                    **vals,
                }
            )
        )

    def _send(self, campaign, when):
        """Send the campaign's mailing at ``when`` (traces as Odoo writes
        them), without an SMTP server."""
        mailing = campaign.mailing_id.sudo()
        mailing.keep_archives = True
        with mute_logger("odoo.addons.mail.models.mail_mail"):
            mailing.action_send_mail()
            self.env["mail.mail"].sudo().search([("mailing_id", "=", mailing.id)]).send()
        mailing.sent_date = when
        mailing.mailing_trace_ids.write({"sent_datetime": when})
        return mailing


class TestCampaignAudience(CampaignCase):
    def test_counts_match_a_hand_made_domain(self):
        campaign = self._campaign()
        Partner = self.env["res.partner"]
        hand_made = [("id", "in", self.everyone.ids)]
        self.assertEqual(campaign.audience_count, Partner.search_count(hand_made))
        self.assertEqual(campaign.audience_count, 31)
        self.assertEqual(campaign.excluded_consent_count, 3)
        self.assertEqual(campaign.excluded_blacklist_count, 2)
        self.assertEqual(campaign.excluded_email_count, 2)
        self.assertEqual(campaign.reachable_count, 24)
        self.assertEqual(
            Partner.search_count(hand_made + Partner._crm_campaign_reachable_domain()), 24
        )
        # A segment that nobody is in leaves nobody.
        campaign.audience_segment_ids = self.env.ref("crm_ecommerce.segment_champions")
        segment_size = Partner.search_count([*hand_made, ("rfm_segment", "=", "champions")])
        self.assertEqual(campaign.audience_count, segment_size)

    def test_category_and_score_band(self):
        other = self.env["product.category"].create({"name": "Campaign Tea"})
        tea = self._product("Campaign Sencha", 30.0, categ_id=other.id)
        buyers = self.consenting[:3]
        for partner in buyers:
            self._order(partner, days_ago=5, products=[tea])
        campaign = self._campaign(audience_categ_id=other.id, audience_categ_days=30)
        self.assertEqual(campaign.reachable_count, 3)
        campaign.audience_categ_days = 2
        self.assertEqual(campaign.reachable_count, 0)
        with self.assertRaises(ValidationError):
            campaign.audience_score_min = 80
            campaign.audience_score_max = 20
            campaign.flush_recordset()


class TestCampaignLaunch(CampaignCase):
    def test_launch_freezes_the_reachable_audience_with_a_stable_holdout(self):
        campaign = self._campaign()
        campaign.action_launch()
        self.assertEqual(campaign.state, "launched")
        members = campaign.member_ids
        self.assertEqual(members.partner_id, self.consenting)
        expected_holdout = {p.id for p in self.consenting if uplift.in_holdout(7, p.id, 25)}
        self.assertEqual(set(members.filtered("holdout").partner_id.ids), expected_holdout)
        self.assertTrue(0 < len(expected_holdout) < 24)
        # The mailing goes to the mailed group only, and only while consent holds.
        mailing = campaign.mailing_id
        self.assertEqual(mailing.mailing_model_real, "res.partner")
        self.assertEqual(mailing.campaign_id, campaign.utm_campaign_id)
        mailed = members.filtered(lambda m: not m.holdout).partner_id
        self.assertEqual(set(mailing.sudo()._get_recipients()), set(mailed.ids))
        withdrawn = mailed[0]
        withdrawn.marketing_consent = False
        self.assertNotIn(withdrawn.id, mailing.sudo()._get_recipients())
        # Launched once: a second click is refused and creates nothing.
        with self.assertRaisesMessage(UserError, "already launched"):
            campaign.action_launch()
        self.assertEqual(len(campaign.member_ids), 24)
        # What it is measured against no longer changes.
        with self.assertRaisesMessage(UserError, "can't change"):
            campaign.holdout_percent = 50

    def test_personal_coupons_for_the_mailed_only(self):
        campaign = self._campaign(coupon_program_id=self.program.id)
        campaign.action_launch()
        mailed = campaign.member_ids.filtered(lambda m: not m.holdout)
        held = campaign.member_ids - mailed
        self.assertEqual(len(mailed.coupon_id), len(mailed))
        self.assertFalse(held.coupon_id)
        coupon = mailed[0].coupon_id
        self.assertEqual(coupon.partner_id, mailed[0].partner_id)
        self.assertEqual(coupon.program_id, self.program)
        self.assertEqual(coupon.points, 1)
        self.assertEqual(coupon.expiration_date, campaign.date_end)
        # Its code reaches the email through the placeholder.
        body = campaign.mailing_id.body_html
        sending = campaign.mailing_id.with_user(self.marketer).with_context(
            post_convert_links={"mass_mailing_id": campaign.mailing_id.id}
        )
        rendered = sending._render_field("body_html", mailed[0].partner_id.ids, compute_lang=False)[
            mailed[0].partner_id.id
        ]
        self.assertIn("object.crm_campaign_coupon_code", body)
        self.assertIn(coupon.code, rendered)
        # Nobody else's code, and none outside the sending.
        self.assertNotIn(
            coupon.code,
            sending._render_field("body_html", held[0].partner_id.ids)[held[0].partner_id.id],
        )
        mailed[0].partner_id.invalidate_recordset(["crm_campaign_coupon_code"])
        self.assertEqual(mailed[0].partner_id.crm_campaign_coupon_code, "")
        # Codes of 16 random hex digits after Odoo's coupon prefix, each
        # its own.
        codes = mailed.coupon_id.mapped("code")
        self.assertEqual(len(set(codes)), len(codes))
        for code in codes:
            self.assertRegex(code, r"^044[0-9a-f]-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{3}$")

    def test_coupon_codes_never_repeat_one_in_use(self):
        # Odoo's codes have 8 random digits: in a large campaign, two
        # coupons got the same one, and the launch failed. A code drawn
        # twice, or already a card's, is drawn again.
        taken = self.env["loyalty.card"].create({"program_id": self.program.id, "points": 1})
        Member = self.env["crm.campaign.member"]
        draws = iter(["a" * 16, "a" * 16, "b" * 16, "c" * 16])
        taken.code = "044a-aaaa-aaaa-aaaa-aaa"
        with patch(
            "odoo.addons.crm_ecommerce.models.crm_campaign_member.secrets.token_hex"
        ) as hex_:
            hex_.side_effect = lambda _n: next(draws)
            codes = Member._crm_coupon_codes(2)
        self.assertEqual(codes, ["044b-bbbb-bbbb-bbbb-bbb", "044c-cccc-cccc-cccc-ccc"])

    def test_bad_input_changes_nothing(self):
        empty = self._campaign(audience_domain=repr([("id", "in", self.no_consent.ids)]))
        with self.assertRaisesMessage(UserError, "Nobody in this audience can be reached"):
            empty.action_launch()
        self.assertEqual(empty.state, "draft")
        self.assertFalse(self.env["crm.campaign.member"].search([("campaign_id", "=", empty.id)]))
        self.assertFalse(empty.mailing_id)
        # A holdout that takes everyone leaves nobody to mail.
        lonely = self._campaign(
            audience_domain=repr([("id", "in", self.consenting[:1].ids)]), holdout_percent=99.99
        )
        with self.assertRaisesMessage(UserError, "nobody would be mailed"):
            lonely.action_launch()
        self.assertFalse(lonely.mailing_id)
        self.assertEqual(lonely.state, "draft")
        for percent in (100, -1):
            with self.assertRaisesMessage(ValidationError, f"a holdout of {float(percent)}%"):
                self._campaign(holdout_percent=percent)
        other = self.env["res.company"].create({"name": "Campaign Other Co"})
        foreign = self.program.copy({"company_id": other.id})
        with self.assertRaisesMessage(ValidationError, "belongs to Campaign Other Co"):
            self._campaign(coupon_program_id=foreign.id)
        cards_before = self.env["loyalty.card"].search_count([])
        past = self._campaign(
            coupon_program_id=self.program.id,
            date_end=fields.Date.today() - timedelta(days=1),
        )
        with self.assertRaisesMessage(UserError, "end date is past"):
            past.action_launch()
        self.assertEqual(self.env["loyalty.card"].search_count([]), cards_before)

    def test_queries_do_not_grow_with_the_audience(self):
        counts = []
        # The first launch warms the caches (access rules, defaults).
        for size in (2, 8, 24):
            campaign = self._campaign(
                audience_domain=repr([("id", "in", self.consenting[:size].ids)]),
                coupon_program_id=self.program.id,
            )
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            campaign.action_launch()
            self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[1], counts[2], counts)


class TestCampaignResults(CampaignCase):
    def test_responses_uplift_tab_and_score(self):
        campaign = self._campaign(coupon_program_id=self.program.id, attribution_days=14)
        campaign.action_launch()
        sent_at = fields.Datetime.now() - timedelta(days=20)
        mailing = self._send(campaign, sent_at)
        members = campaign.member_ids
        mailed = members.filtered(lambda m: not m.holdout)
        held = members - mailed
        self.assertEqual(len(mailing.mailing_trace_ids), len(mailed))
        # Two mailed customers open and click; one of them orders with the
        # coupon within the window, another mailed one orders after it.
        traces = {t.res_id: t for t in mailing.mailing_trace_ids}
        buyer, clicker, late = mailed[0], mailed[1], mailed[2]
        # Each email carries its recipient's own code; the held out get none.
        sent_mail = self.env["mail.mail"].sudo().search([("mailing_id", "=", mailing.id)])
        bodies = {m.recipient_ids.id: str(m.body_html) for m in sent_mail}
        self.assertEqual(set(bodies), set(mailed.partner_id.ids))
        self.assertIn(buyer.coupon_id.code, bodies[buyer.partner_id.id])
        self.assertNotIn(buyer.coupon_id.code, bodies[clicker.partner_id.id])
        traces[buyer.partner_id.id].set_opened()
        traces[buyer.partner_id.id].set_clicked()
        traces[clicker.partner_id.id].set_clicked()
        order = self.env["sale.order"].create(
            {
                "partner_id": buyer.partner_id.id,
                "order_line": [Command.create({"product_id": self.service.id})],
            }
        )
        order._try_apply_code(buyer.coupon_id.code)
        order._apply_program_reward(self.program.reward_ids, buyer.coupon_id)
        order.action_confirm()
        order.date_order = sent_at + timedelta(days=3)
        self._order(late.partner_id).date_order = sent_at + timedelta(days=15)
        # One held-out customer orders within the window.
        self._order(held[0].partner_id).date_order = sent_at + timedelta(days=2)
        campaign.action_refresh_results()
        self.assertEqual(campaign.sent_count, len(mailed))
        self.assertEqual(campaign.opened_count, 1)
        self.assertEqual(campaign.clicked_count, 2)
        self.assertEqual(campaign.mailed_converted, 1)
        self.assertEqual(campaign.holdout_converted, 1)
        self.assertEqual(campaign.coupon_used_count, 1)
        self.assertTrue(buyer.coupon_used)
        self.assertEqual(buyer.converted_date, (sent_at + timedelta(days=3)).date())
        self.assertFalse(late.converted_date)
        expected = uplift.two_proportion_interval(1, len(mailed), 1, len(held))
        self.assertAlmostEqual(campaign.uplift, expected["uplift"] * 100)
        self.assertAlmostEqual(campaign.uplift_low, expected["low"] * 100)
        self.assertIn("not enough to say", campaign.results_note)
        # The customer's tab, and the score's engagement line.
        self.assertEqual(buyer.partner_id.crm_campaign_member_ids, buyer)
        self.env["res.partner"]._rfm_recompute_company()
        lines = buyer.partner_id.score_factor_ids.mapped("name")
        self.assertIn("Engagement: ordered after the campaign Spring", lines)
        clicker_lines = clicker.partner_id.score_factor_ids.mapped("name")
        self.assertIn("Engagement: clicked in the campaign Spring", clicker_lines)
        self.assertEqual(
            buyer.partner_id.customer_score, sum(buyer.partner_id.score_factor_ids.mapped("points"))
        )


class TestCampaignAccess(CampaignCase):
    def test_rights_and_companies(self):
        # Launching sends email: Email Marketing rights are needed.
        salesman_campaign = (
            self.env["crm.campaign"]
            .with_user(self.salesman)
            .create(
                {"name": "No rights", "audience_domain": repr([("id", "in", self.everyone.ids)])}
            )
        )
        with self.assertRaisesMessage(AccessError, "Email Marketing rights"):
            salesman_campaign.action_launch()
        # A draft can be deleted by its users; its state moves only by buttons.
        with self.assertRaises(AccessError):
            salesman_campaign.write({"state": "launched"})
        salesman_campaign.unlink()
        # Without Email Marketing rights, a launched campaign and its
        # results still read (list and form).
        launched = self._campaign()
        launched.action_launch()
        self._send(launched, fields.Datetime.now())
        as_salesman = launched.with_user(self.salesman)
        self.assertEqual(
            as_salesman.results_note,
            "No order yet from either group within the attribution window.",
        )
        self.assertEqual(
            as_salesman.mailed_count, len(launched.member_ids.filtered(lambda m: not m.holdout))
        )
        # A launched campaign is not deleted: it keeps its results.
        with self.assertRaisesMessage(UserError, "cancel it instead"):
            launched.unlink()
        # A campaign of another company is not seen.
        other = self.env["res.company"].create({"name": "Campaign Co B"})
        theirs = (
            self.env["crm.campaign"]
            .with_company(other)
            .create({"name": "Theirs", "company_id": other.id})
        )
        visible = self.env["crm.campaign"].with_user(self.marketer).search([])
        self.assertNotIn(theirs, visible)
        # Employees outside customer intelligence see no campaigns.
        clerk = new_test_user(self.env, login="ci_campaign_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["crm.campaign"].with_user(clerk).search([])

    def test_create_campaign_from_a_selection(self):
        at_risk = self.consenting[:4]
        action = at_risk.with_user(self.marketer).action_crm_create_campaign()
        campaign = self.env["crm.campaign"].browse(action["res_id"])
        self.assertEqual(campaign.audience_count, 4)
        self.assertEqual(campaign.reachable_count, 4)
        # Opportunities without a customer start nothing.
        lead = self.env["crm.lead"].create({"name": "Nobody's", "type": "opportunity"})
        count = self.env["crm.campaign"].search_count([])
        with self.assertRaisesMessage(UserError, "None of the selected records has a customer"):
            lead.with_user(self.marketer).action_crm_create_campaign()
        self.assertEqual(self.env["crm.campaign"].search_count([]), count)
