from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import IntelligenceCase


@tagged("post_install", "-at_install")
class TestLeadScoring(IntelligenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.scoring.rule"].search([]).active = False
        Rule = cls.env["crm.scoring.rule"]
        cls.contact = cls.env["crm.scoring.group"].create({"name": "Contact", "cap": 30})
        Rule.create(
            {
                "name": "Has email",
                "target": "lead",
                "points": 20,
                "group_id": cls.contact.id,
                "domain": "[('email_from', '!=', False)]",
            }
        )
        Rule.create(
            {
                "name": "Has phone",
                "target": "lead",
                "points": 20,
                "group_id": cls.contact.id,
                "domain": "[('phone', '!=', False)]",
            }
        )
        Rule.create(
            {
                "name": "Big deal",
                "target": "lead",
                "points": 50,
                "domain": "[('expected_revenue', '>', 1000)]",
            }
        )
        Rule.create(
            {
                "name": "Free mail",
                "target": "lead",
                "points": -10,
                "domain": "[('email_from', 'ilike', '@freemail.test')]",
            }
        )

    def _lead(self, **vals):
        return self.env["crm.lead"].create({"name": "Lead", "type": "opportunity", **vals})

    def test_scores_bands_and_breakdown(self):
        hot = self._lead(email_from="a@corp.test", phone="123", expected_revenue=5000)
        warm = self._lead(email_from="b@corp.test", phone="456")
        cold = self._lead(email_from="c@freemail.test")
        self.assertEqual((hot.lead_score, hot.lead_score_band), (80, "hot"))
        self.assertEqual((warm.lead_score, warm.lead_score_band), (30, "cold"))
        self.assertEqual((cold.lead_score, cold.lead_score_band), (10, "cold"))
        self.company.crm_score_warm_threshold = 30
        (hot | warm | cold).action_crm_rescore()
        self.assertEqual(warm.lead_score_band, "warm")
        self.assertIn("Contact: capped at 30", hot.score_factor_ids.mapped("name"))
        for lead in (hot, warm, cold):
            self.assertBreakdownAddsUp(lead, lead.lead_score)

    def test_each_lead_is_scored_by_its_own_company(self):
        other = self.env["res.company"].create(
            {"name": "Scoring Other Shop", "crm_score_warm_threshold": 20}
        )
        self.env.user.company_ids = [Command.link(other.id)]
        self.env["crm.scoring.rule"].create(
            {
                "name": "Other shop's fair",
                "target": "lead",
                "points": 5,
                "company_id": other.id,
                "domain": "[]",
            }
        )
        here = self._lead(email_from="a@corp.test")
        there = self._lead(email_from="b@corp.test", company_id=other.id)
        # the cron's way: every lead at once, from the main company
        (here | there).with_company(self.company)._crm_compute_lead_scores()
        self.assertEqual((here.lead_score, here.lead_score_band), (20, "cold"))
        self.assertEqual((there.lead_score, there.lead_score_band), (25, "warm"))
        self.assertIn("Other shop's fair", there.score_factor_ids.mapped("name"))
        self.assertNotIn("Other shop's fair", here.score_factor_ids.mapped("name"))

    def test_priority_mirrored_only_when_asked(self):
        lead = self._lead(email_from="a@corp.test", phone="1", expected_revenue=5000, priority="0")
        self.assertEqual(lead.priority, "0")
        self.company.crm_score_mirror_priority = True
        lead.action_crm_rescore()
        self.assertEqual(lead.priority, "3")

    def test_invalid_domain_is_refused_with_its_problem(self):
        with self.assertRaisesMessage(ValidationError, "The domain of rule 'Broken' is not valid"):
            self.env["crm.scoring.rule"].create(
                {
                    "name": "Broken",
                    "target": "lead",
                    "points": 5,
                    "domain": "[('no_such_field', '=', 1)]",
                }
            )
        with self.assertRaisesMessage(ValidationError, "no_such_field"):
            self.env["crm.scoring.rule"].create(
                {
                    "name": "Broken",
                    "target": "lead",
                    "points": 5,
                    "domain": "[('no_such_field', '=', 1)]",
                }
            )
        self.assertFalse(self.env["crm.scoring.rule"].search([("name", "=", "Broken")]))

    def test_only_managers_configure_rules(self):
        with self.assertRaises(AccessError):
            self.env["crm.scoring.rule"].with_user(self.salesman).create(
                {"name": "Mine", "target": "lead", "points": 5, "domain": "[]"}
            )
        rule = (
            self.env["crm.scoring.rule"]
            .with_user(self.ci_manager)
            .create({"name": "Managed", "target": "lead", "points": 5, "domain": "[]"})
        )
        self.assertTrue(rule.with_user(self.salesman).name)

    def test_scoring_1000_leads_costs_rules_plus_a_constant(self):
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Bulk {i}", "email_from": f"x{i}@corp.test", "expected_revenue": i * 3}
                for i in range(1000)
            ]
        )
        rules = self.env["crm.scoring.rule"].search_count([("target", "=", "lead")])
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        leads._crm_compute_lead_scores()
        queries = self.cr.sql_log_count - before
        self.assertLessEqual(queries, rules + 8, f"{queries} queries for {rules} rules")
        self.assertEqual(leads[999].lead_score, 20 + 50)

    def test_probability_is_explained_from_odoo_frequencies(self):
        country = self.env.ref("base.be")
        lead = self._lead(country_id=country.id)
        self.env["ir.config_parameter"].sudo().set_param("crm.pls_fields", "country_id")
        Frequency = self.env["crm.lead.scoring.frequency"]
        team = lead.team_id.id
        Frequency.create(
            {
                "variable": "country_id",
                "value": str(country.id),
                "won_count": 12,
                "lost_count": 2,
                "team_id": team,
            }
        )
        Frequency.create(
            {
                "variable": "country_id",
                "value": "999",
                "won_count": 3,
                "lost_count": 13,
                "team_id": team,
            }
        )
        lead.invalidate_recordset(["pls_explanation"])
        html = str(lead.pls_explanation)
        self.assertIn("Belgium", html)
        # (12+1)/(12+2+2) against (15+1)/(30+2): Belgium against all countries
        self.assertIn("were won 1.6 times more often than average", html)
        self.assertNotIn("Log-odds", html)

    def test_probability_without_history_says_so(self):
        lead = self._lead()
        self.env["ir.config_parameter"].sudo().set_param("crm.pls_fields", "country_id")
        self.assertTrue(lead._fields["pls_explanation"].sanitize)
        self.assertIn("no won or lost history yet", str(lead.pls_explanation))
