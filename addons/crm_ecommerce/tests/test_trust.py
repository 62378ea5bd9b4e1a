"""Trust: who reads the customer intelligence, what a scoring rule may read,
who lifts a blacklist, and what a company's users see of another's figures.
Each attack is played as the least privileged user who would try it."""

from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import IntelligenceCase

GROUP = "crm_ecommerce.group_crm_ecommerce_user"
PARTNER_FIELDS = (
    "rfm_recency_score",
    "rfm_frequency_score",
    "rfm_monetary_score",
    "rfm_segment",
    "customer_score",
    "churn_risk",
    "rfm_last_order_date",
    "rfm_recency_days",
    "rfm_frequency",
    "rfm_order_count",
    "rfm_monetary",
    "rfm_order_gap",
    "rfm_signature",
    "score_factor_ids",
    "score_snapshot_ids",
    "crm_next_product_ids",
)
LEAD_FIELDS = (
    "lead_score",
    "lead_score_band",
    "score_factor_ids",
    "pls_explanation",
    "crm_winback_episode",
)
CONSENT_FIELDS = ("marketing_consent", "marketing_consent_date", "marketing_consent_source")
SEGMENT_VIEWS = (
    ("kanban", "crm_ecommerce.view_partner_kanban_segments"),
    ("list", "crm_ecommerce.view_partner_list_segments"),
    ("pivot", "crm_ecommerce.view_partner_pivot_segments"),
    ("search", "crm_ecommerce.view_partner_search_segments"),
)


@tagged("post_install", "-at_install")
class TestIntelligenceFieldAccess(IntelligenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(
            cls.env,
            login="trust_employee",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.portal = new_test_user(
            cls.env,
            login="trust_portal",
            groups="base.group_portal",
            email="trust.portal@example.com",
        )
        cls.customer = cls._customer("Trust Customer", marketing_consent=True)

    def _compute(self):
        for partner, days in ((self.customer, (30, 20, 10)), (self.portal.partner_id, (60,))):
            for day in days:
                self._order(partner, days_ago=day, amount=100)
        self.assertEqual(self.env["res.partner"]._rfm_recompute_company(), 2)
        self.env.invalidate_all()

    def test_fields_are_for_the_intelligence_group(self):
        for model, names in (("res.partner", PARTNER_FIELDS), ("crm.lead", LEAD_FIELDS)):
            for name in names:
                with self.subTest(model=model, field=name):
                    self.assertEqual(self.env[model]._fields[name].groups, GROUP)
        for name in CONSENT_FIELDS:
            self.assertFalse(self.env["res.partner"]._fields[name].groups)
        self.assertTrue(self.salesman.has_group(GROUP))
        self.assertFalse(self.employee.has_group(GROUP))

    def test_salesperson_reads_the_figures(self):
        self._compute()
        values = self.customer.with_user(self.salesman).read(
            ["customer_score", "rfm_segment", "churn_risk", "rfm_order_count"]
        )[0]
        self.assertEqual(values["rfm_order_count"], 3)
        self.assertEqual(values["rfm_segment"], self.customer.rfm_segment)
        self.assertTrue(values["rfm_segment"])
        self.assertEqual(values["customer_score"], self.customer.customer_score)

    def test_employee_without_sales_rights_reads_no_figure(self):
        self._compute()
        partner = self.customer.with_user(self.employee)
        for name in PARTNER_FIELDS:
            with self.subTest(field=name), self.assertRaises(AccessError):
                partner.read([name])
        with self.assertRaises(AccessError):
            partner.search([("churn_risk", "=", False)])
        with self.assertRaises(AccessError):
            partner.read_group([], ["customer_score:avg"], ["rfm_segment"])
        self.assertFalse(set(PARTNER_FIELDS) & set(partner.fields_get()))
        # what they may read still reads, the consent included
        values = partner.read(["name", *CONSENT_FIELDS])[0]
        self.assertEqual((values["name"], values["marketing_consent"]), ("Trust Customer", True))
        self.assertEqual(
            partner.search_read([("id", "=", self.customer.id)], ["name"]),
            [{"id": self.customer.id, "name": "Trust Customer"}],
        )

    def test_field_access_asks_each_group_once_and_denies_as_odoo(self):
        """res_partner_access: the same answers as Odoo's check, each group
        specification asked once per check."""
        Partner = self.env["res.partner"]
        admin = Partner.with_user(self.env.ref("base.user_admin"))
        guarded = [
            name
            for name, field in Partner._fields.items()
            if field.groups and name not in PARTNER_FIELDS and field.is_accessible(admin.env)
        ]
        names = ["name", "email", *PARTNER_FIELDS, *guarded]
        specs = {Partner._fields[name].groups for name in names} - {None}
        users = type(self.env.user)
        calls = []
        original = users.has_groups

        def has_groups(user, spec):
            calls.append(spec)
            return original(user, spec)

        with patch.object(users, "has_groups", has_groups):
            # an administrator: every field, in the order asked
            self.assertEqual(admin.check_field_access_rights("read", names), names)
            self.assertEqual(sorted(calls), sorted(specs))
            self.assertGreater(len(names), 2 * len(specs))
            calls.clear()
            # the salesperson reads the figures, not the accounting fields
            salesman = Partner.with_user(self.salesman)
            self.assertEqual(
                salesman.check_field_access_rights("read", PARTNER_FIELDS), PARTNER_FIELDS
            )
            self.assertEqual(calls, [GROUP])
            # the employee is refused with Odoo's message, naming the fields
            employee = Partner.with_user(self.employee)
            with self.assertRaisesRegex(AccessError, "rfm_segment") as denied:
                employee.check_field_access_rights("read", ["name", "rfm_segment"])
            self.assertIn('the fields "rfm_segment" on', str(denied.exception))
            with self.assertRaises(AccessError):
                employee.check_field_access_rights("read", (f for f in ["rfm_segment", "name"]))
            self.assertEqual(employee.check_field_access_rights("write", ["phone"]), ["phone"])
            # behind another addon's override, Odoo's check runs, field by field
            self.assertTrue(Partner._crm_next_field_check_is_odoos())
            calls.clear()
            with patch.object(type(Partner), "_crm_field_check_is_odoos", False):
                self.assertEqual(
                    salesman.check_field_access_rights("read", PARTNER_FIELDS), PARTNER_FIELDS
                )
            self.assertEqual(calls, [GROUP] * len(PARTNER_FIELDS))
        # no field is readable through a '.' group, nor left out when none is asked
        with (
            patch.object(Partner._fields["rfm_segment"], "groups", "."),
            self.assertRaises(AccessError),
        ):
            admin.check_field_access_rights("read", ["name", "rfm_segment"])
        self.assertNotIn("rfm_segment", employee.check_field_access_rights("read", None))
        self.assertEqual(employee.sudo().check_field_access_rights("read", names), names)
        self.assertIn("rfm_segment", salesman.check_field_access_rights("read", None))

    def test_employee_opens_edits_and_duplicates_a_contact(self):
        self._compute()
        Partner = self.env["res.partner"].with_user(self.employee)
        views = Partner.get_views([(False, "form"), (False, "list"), (False, "kanban")])
        form = views["views"]["form"]["arch"]
        self.assertNotIn('name="customer_intelligence"', form)
        for name in PARTNER_FIELDS:
            self.assertNotIn(f'name="{name}"', form)
            self.assertNotIn(name, views["models"]["res.partner"]["fields"])
        with Form(self.customer.with_user(self.employee)) as contact:
            contact.phone = "+32 2 555 01 01"
        self.assertEqual(self.customer.phone, "+32 2 555 01 01")
        copy = self.customer.with_user(self.employee).copy()
        self.assertEqual(copy.name, "Trust Customer (copy)")
        self.assertFalse(copy.rfm_segment)  # figures are not copied
        created = Partner.create({"name": "Trust New Contact", "email": "new@example.com"})
        self.assertFalse(created.customer_score)

    def test_segment_views_load_without_the_figures_for_others(self):
        for view_type, xmlid in SEGMENT_VIEWS:
            view = self.env.ref(xmlid)
            for user, visible in ((self.employee, False), (self.salesman, True)):
                with self.subTest(view=view_type, user=user.login):
                    result = (
                        self.env["res.partner"].with_user(user).get_views([(view.id, view_type)])
                    )
                    fields = result["models"]["res.partner"]["fields"]
                    arch = result["views"][view_type]["arch"]
                    shown = {name for name in PARTNER_FIELDS if f'name="{name}"' in arch}
                    self.assertEqual(bool(shown), visible)
                    self.assertEqual(bool(set(PARTNER_FIELDS) & set(fields)), visible)
                    if not visible:
                        self.assertNotIn("churn_risk", arch)

    def test_portal_user_reads_neither_segment_nor_churn_of_their_own(self):
        self._compute()
        own = self.portal.partner_id.with_user(self.portal)
        self.assertEqual(own.read(["name"])[0]["name"], self.portal.partner_id.name)
        for name in ("rfm_segment", "churn_risk", "customer_score", "score_factor_ids"):
            with self.subTest(field=name), self.assertRaises(AccessError):
                own.read([name])
        with self.assertRaises(AccessError):
            own.search([("rfm_segment", "!=", False)])
        # the customer's own details and consent still work for them (the
        # portal writes them in sudo, as /my/account does)
        own.sudo().write({"phone": "+32 2 555 02 02", "marketing_consent": True})
        self.assertEqual(self.portal.partner_id.phone, "+32 2 555 02 02")
        self.assertTrue(own.read(["marketing_consent"])[0]["marketing_consent"])


@tagged("post_install", "-at_install")
class TestScoringRuleDomains(IntelligenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.scoring.rule"].search([]).active = False
        cls.company_b = cls.env["res.company"].create({"name": "Trust Shop B"})
        cls.env.user.company_ids = [Command.link(cls.company_b.id)]
        cls.manager_a = new_test_user(
            cls.env,
            login="trust_manager_a",
            groups="sales_team.group_sale_manager",
            company_id=cls.company.id,
            company_ids=[Command.set([cls.company.id])],
        )
        cls.shared = cls._customer("Trust Shared Buyer")
        cls.Rule = cls.env["crm.scoring.rule"]

    def _lead(self, company=None, **vals):
        return self.env["crm.lead"].create(
            {
                "name": "Trust Lead",
                "type": "opportunity",
                "partner_id": self.shared.id,
                "company_id": (company or self.company).id,
                **vals,
            }
        )

    def test_a_domain_reading_what_the_author_may_not_is_refused_at_save(self):
        self.assertFalse(self.manager_a.has_group("account.group_account_invoice"))
        Rule = self.Rule.with_user(self.manager_a)
        for target, domain in (
            ("partner", "[('credit_limit', '>', 0)]"),
            ("lead", "[('partner_id.credit_limit', '>', 0)]"),
        ):
            with (
                self.subTest(target=target),
                self.assertRaisesMessage(ValidationError, "is not valid"),
            ):
                Rule.create(
                    {"name": "Credit probe", "target": target, "points": 5, "domain": domain}
                )
        self.assertEqual(self.Rule.search_count([("name", "=", "Credit probe")]), 0)
        rule = Rule.create({"name": "Anyone", "target": "lead", "points": 5, "domain": "[]"})
        with self.assertRaisesMessage(ValidationError, "credit_limit"):
            rule.write({"domain": "[('partner_id.credit_limit', '>', 0)]"})
        self.assertEqual(rule.domain, "[]")
        # the superuser may read the field: the same domain saves
        self.assertTrue(
            self.Rule.create(
                {
                    "name": "Credit",
                    "target": "partner",
                    "points": 5,
                    "domain": "[('credit_limit', '>', 0)]",
                }
            )
        )

    def test_the_author_cannot_be_forged(self):
        Rule = self.Rule.with_user(self.manager_a)
        rule = Rule.create(
            {
                "name": "Forged",
                "target": "lead",
                "points": 5,
                "domain": "[]",
                "domain_user_id": SUPERUSER_ID,
            }
        )
        self.assertEqual(rule.domain_user_id, self.manager_a)
        rule.write({"domain_user_id": SUPERUSER_ID, "points": 6})
        self.assertEqual((rule.domain_user_id, rule.points), (self.manager_a, 6))

    def test_the_domain_reads_with_its_authors_rights_at_scoring_time(self):
        """Company B's big order is out of the company A manager's sight:
        their rule can't reveal it, whoever scores (the cron here)."""
        self._order(self.shared, amount=5000, company=self.company_b)
        lead = self._lead(user_id=self.salesman.id)
        rule = self.Rule.with_user(self.manager_a).create(
            {
                "name": "Big buyer",
                "target": "lead",
                "points": 30,
                "domain": "[('partner_id.sale_order_ids.amount_total', '>', 1000)]",
            }
        )
        self.assertEqual(rule.domain_user_id, self.manager_a)
        lead.with_user(SUPERUSER_ID)._crm_compute_lead_scores()
        self.assertEqual(lead.lead_score, 0)
        self.assertNotIn("Big buyer", lead.score_factor_ids.mapped("name"))
        # a company B lead: the author does not work there, the rule stays out
        lead_b = self._lead(company=self.company_b)
        lead_b.with_user(SUPERUSER_ID)._crm_compute_lead_scores()
        self.assertEqual(lead_b.lead_score, 0)
        # what the author may see counts, the same whoever scores
        self._order(self.shared, amount=2000)
        lead.with_user(SUPERUSER_ID)._crm_compute_lead_scores()
        self.assertEqual(lead.lead_score, 30)
        lead.with_user(self.salesman).action_crm_rescore()
        self.assertEqual(lead.lead_score, 30)
        self.assertEqual(lead.score_factor_ids.mapped("name"), ["Big buyer"])

    def test_a_rule_its_author_can_no_longer_read_is_skipped(self):
        self._order(self.shared, amount=2000)
        self.Rule.with_user(self.manager_a).create(
            {
                "name": "Big buyer",
                "target": "lead",
                "points": 30,
                "domain": "[('partner_id.sale_order_ids.amount_total', '>', 1000)]",
            }
        )
        self.assertEqual(self._lead().lead_score, 30)
        # no sales rights any more: no sale orders to read
        self.manager_a.groups_id = [
            Command.set([self.env.ref("crm_ecommerce.group_crm_ecommerce_manager").id])
        ]
        lead = self._lead(user_id=self.salesman.id)  # scored by its creator, superuser here
        self.assertEqual(lead.lead_score, 0)
        lead.with_user(self.salesman).action_crm_rescore()
        self.assertEqual(lead.lead_score, 0)

    def test_rescoring_and_recomputing_need_their_rights(self):
        self.company.crm_score_mirror_priority = True
        lead = self._lead(user_id=self.ci_manager.id)
        lead.priority = "0"
        outsider = new_test_user(self.env, login="trust_no_crm", groups="base.group_user")
        with self.assertRaises(AccessError):
            lead.with_user(outsider).action_crm_rescore()
        self.assertEqual(lead.priority, "0")
        lead.with_user(self.ci_manager).action_crm_rescore()
        self.assertEqual(lead.priority, "1")  # cold: no active rule
        self._order(self.shared, amount=100, days_ago=400)
        # Scored at its first order's confirmation, as of that day.
        self.assertEqual(self.shared.rfm_frequency, 1)
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman).action_compute_rfm()
        self.assertEqual(self.shared.rfm_frequency, 1)
        self.env["res.partner"].with_user(self.ci_manager).action_compute_rfm()
        self.shared.invalidate_recordset()
        self.assertEqual(self.shared.rfm_frequency, 0)  # dated back out of the window
        self.assertEqual(self.shared.rfm_segment, "new")  # alone: recency 5, frequency 1


@tagged("post_install", "-at_install")
class TestConsentBlacklist(IntelligenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(
            cls.env,
            login="trust_seller",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        cls.Blacklist = cls.env["mail.blacklist"]

    def _entry(self, partner):
        return self.Blacklist.with_context(active_test=False).search(
            [("email", "=", partner.email_normalized)]
        )

    def _unsubscribe(self, partner):
        """What mass mailing does when the customer unsubscribes."""
        return self.Blacklist.sudo()._add(partner.email, message="Unsubscribed from a mailing")

    def test_an_unsubscribe_survives_a_salespersons_tick(self):
        partner = self._customer("Trust Unsubscribed")
        self._unsubscribe(partner)
        for vals in (
            {"marketing_consent": True},
            {"marketing_consent": True, "marketing_consent_source": "phone"},
        ):
            with self.assertRaisesMessage(UserError, "Only the customer can give marketing"):
                partner.with_user(self.seller).write(vals)
        partner.invalidate_recordset()
        self.assertFalse(partner.marketing_consent)
        self.assertFalse(partner.marketing_consent_date)
        self.assertFalse(partner.marketing_consent_source)
        self.assertTrue(partner.is_blacklisted)
        entry = self._entry(partner)
        self.assertTrue(entry.active)
        self.assertFalse(entry.crm_consent_withdrawal)

    def test_our_own_withdrawal_is_lifted_by_a_new_consent(self):
        partner = self._customer("Trust Withdrawn", marketing_consent=True)
        partner.with_user(self.seller).marketing_consent = False
        entry = self._entry(partner)
        self.assertTrue(entry.active)
        self.assertTrue(entry.crm_consent_withdrawal)
        partner.with_user(self.seller).write(
            {"marketing_consent": True, "marketing_consent_source": "phone"}
        )
        partner.invalidate_recordset()
        self.assertTrue(partner.marketing_consent)
        self.assertFalse(partner.is_blacklisted)
        self.assertFalse(entry.active)
        self.assertFalse(entry.crm_consent_withdrawal)

    def test_an_unsubscribe_after_our_withdrawal_makes_the_entry_the_customers(self):
        partner = self._customer("Trust Both", marketing_consent=True)
        partner.with_user(self.seller).marketing_consent = False
        self._unsubscribe(partner)
        self.assertFalse(self._entry(partner).crm_consent_withdrawal)
        with self.assertRaisesMessage(UserError, "asked not to receive our emails"):
            partner.with_user(self.seller).marketing_consent = True
        partner.invalidate_recordset()
        self.assertFalse(partner.marketing_consent)
        self.assertTrue(partner.is_blacklisted)

    def test_a_withdrawal_leaves_the_customers_own_entry_theirs(self):
        partner = self._customer("Trust Unsubscribed First", marketing_consent=True)
        self._unsubscribe(partner)
        partner.with_user(self.seller).marketing_consent = False
        self.assertFalse(self._entry(partner).crm_consent_withdrawal)
        with self.assertRaises(UserError):
            partner.with_user(self.seller).marketing_consent = True
        self.assertTrue(self._entry(partner).active)

    def test_only_the_customer_gives_their_own_consent(self):
        customer = new_test_user(
            self.env,
            login="trust_consent_portal",
            groups="base.group_portal",
            email="trust.consent.portal@example.com",
        )
        partner = customer.partner_id
        self._unsubscribe(partner)
        # the method is the customer's: not for somebody else's partner
        for user in (self.seller, customer):
            other = self._customer(f"Trust Not {user.login}")
            self._unsubscribe(other)
            with self.assertRaises(AccessError):
                other.with_user(user).sudo()._crm_consent_given_by_customer()
            self.assertTrue(self._entry(other).active)
            self.assertFalse(other.marketing_consent)
        partner.with_user(customer).sudo()._crm_consent_given_by_customer()
        partner.invalidate_recordset()
        self.assertEqual(
            (partner.marketing_consent, partner.marketing_consent_source), (True, "portal")
        )
        self.assertFalse(partner.is_blacklisted)
        self.assertFalse(self._entry(partner).active)


@tagged("post_install", "-at_install")
class TestCompanyFigures(IntelligenceCase):
    """A contact shared by two shops: a company B user sees B's figures
    only, never A's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Trust Shop B"})
        cls.env.user.company_ids = [Command.link(cls.company_b.id)]
        cls.user_b = new_test_user(
            cls.env,
            login="trust_user_b",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=cls.company_b.id,
            company_ids=[Command.set([cls.company_b.id])],
        )
        cls.shared = cls._customer("Trust Shared Contact")
        cls.beans = cls._product("Trust Beans", 20)
        cls.filters = cls._product("Trust Filters", 5)

    def test_a_company_b_user_sees_company_b_figures_only(self):
        other = self._customer("Trust Other Buyer")
        for _i in range(2):
            self._order(other, products=[self.beans, self.filters])
        self._order(self.shared, days_ago=20, amount=100, products=[self.beans])
        self._order(self.shared, days_ago=10, amount=100)
        self._order(self.shared, days_ago=5, amount=900, company=self.company_b)
        Partner = self.env["res.partner"]
        Partner._rfm_recompute_company()
        Partner.with_company(self.company_b)._rfm_recompute_company()
        self.env["crm.product.affinity"]._refresh(min_support=1)
        self.env.invalidate_all()
        self.assertEqual(self.shared.rfm_monetary, 200)
        self.assertEqual(self.shared.crm_next_product_ids, self.filters)

        # The same transaction's cache, as another company's user reads it.
        seen = self.shared.with_user(self.user_b)
        values = seen.read(["rfm_monetary", "rfm_order_count", "customer_score"])[0]
        self.assertEqual((values["rfm_monetary"], values["rfm_order_count"]), (900, 1))
        self.assertEqual(seen.score_factor_ids.company_id, self.company_b)
        self.assertFalse(any("200.00" in name for name in seen.score_factor_ids.mapped("name")))
        self.assertEqual(seen.score_snapshot_ids.company_id, self.company_b)
        self.assertFalse(seen.crm_next_product_ids)
        for model in ("crm.customer.score.line", "crm.customer.score.snapshot"):
            found = self.env[model].with_user(self.user_b).search([("partner_id", "=", seen.id)])
            self.assertEqual(found.company_id, self.company_b, model)
        rows = (
            self.env["crm.customer.figures"]
            .with_user(self.user_b)
            .search_read([("partner_id", "=", seen.id)], ["company_id", "rfm_monetary"])
        )
        self.assertEqual(
            [(row["company_id"], row["rfm_monetary"]) for row in rows], [(self.company_b.id, 900)]
        )
        self.assertFalse(self.env["crm.product.affinity"].with_user(self.user_b).search_count([]))
        with self.assertRaises(AccessError):
            seen.with_company(self.company).read(["rfm_monetary"])

    def test_each_company_answers_its_own_churn(self):
        partner = self._customer("Trust Churner", marketing_consent=True)
        Partner = self.env["res.partner"]
        with freeze_time("2026-01-01 10:00:00"):
            for company in (self.company, self.company_b):
                for day in (40, 30, 20):
                    self._order(partner, days_ago=day, company=company)
        with freeze_time("2026-01-15 10:00:00"):
            Partner._rfm_recompute_company()
            Partner.with_company(self.company_b)._rfm_recompute_company()
        lead_a = Partner._crm_open_winbacks()
        lead_b = Partner.with_company(self.company_b)._crm_open_winbacks()
        self.assertEqual((lead_a.company_id, lead_b.company_id), (self.company, self.company_b))
        self.assertEqual(lead_a.crm_winback_episode, lead_b.crm_winback_episode)
        seen = self.env["crm.lead"].with_user(self.user_b).search([("partner_id", "=", partner.id)])
        self.assertEqual(seen, lead_b)
        self.assertFalse(Partner.with_company(self.company_b)._crm_open_winbacks())

    def test_scores_refer_to_records_of_their_company(self):
        foreign = self._product("Trust B Product", 10, company_id=self.company_b.id)
        with self.assertRaises(UserError):
            self.env["crm.product.affinity"].create(
                {
                    "company_id": self.company.id,
                    "product_id": self.beans.id,
                    "related_product_id": foreign.id,
                }
            )
        lead_b = self.env["crm.lead"].create({"name": "Trust B", "company_id": self.company_b.id})
        with self.assertRaises(UserError):
            self.env["crm.score.factor"].create(
                {"lead_id": lead_b.id, "company_id": self.company.id, "name": "x", "points": 1}
            )


@tagged("post_install", "-at_install")
class TestPortalConsentAndAccount(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = new_test_user(
            cls.env,
            login="trust_http_portal",
            groups="base.group_portal",
            email="trust.http.portal@example.com",
        )
        cls.partner = cls.customer.partner_id
        cls.partner.write(
            {
                "street": "Rue Haute 1",
                "city": "Brussels",
                "country_id": cls.env.ref("base.be").id,
                "phone": "+32 2 555 03 03",
            }
        )

    def _token(self, url):
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        return page, page.text.split('name="csrf_token" value="')[1].split('"')[0]

    def test_the_customer_gives_consent_back_from_the_portal(self):
        self.env["mail.blacklist"].sudo()._add(self.partner.email, message="Unsubscribed")
        self.authenticate("trust_http_portal", "trust_http_portal")
        home = self.url_open("/my/home")
        self.assertIn("/my/marketing-consent", home.text)
        page, token = self._token("/my/marketing-consent")
        self.assertIn("We send no news or offers", page.text)
        # without the CSRF token: refused, nothing changes
        refused = self.url_open("/my/marketing-consent", data={"x": "1"})
        self.assertEqual(refused.status_code, 400)
        self.partner.invalidate_recordset()
        self.assertFalse(self.partner.marketing_consent)
        self.assertTrue(self.partner.is_blacklisted)
        done = self.url_open("/my/marketing-consent", data={"csrf_token": token})
        self.assertEqual(done.status_code, 200)
        self.assertIn("Thank you", done.text)
        self.partner.invalidate_recordset()
        self.assertEqual(
            (self.partner.marketing_consent, self.partner.marketing_consent_source),
            (True, "portal"),
        )
        self.assertFalse(self.partner.is_blacklisted)

    def test_the_customer_edits_their_details(self):
        self.authenticate("trust_http_portal", "trust_http_portal")
        _page, token = self._token("/my/account")
        response = self.url_open(
            "/my/account",
            data={
                "csrf_token": token,
                "name": "Trust Renamed",
                "email": self.partner.email,
                "phone": "+32 2 555 04 04",
                "street": "Rue Haute 2",
                "city": "Brussels",
                "country_id": str(self.env.ref("base.be").id),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith("/my/home"), response.url)
        self.partner.invalidate_recordset()
        self.assertEqual(
            (self.partner.name, self.partner.phone, self.partner.street),
            ("Trust Renamed", "+32 2 555 04 04", "Rue Haute 2"),
        )
