"""Day one on a database with history: the starter scoring rules ship as
data, and the install queues the first scores of the existing customers and
leads instead of computing them, for crons that write them in committed
batches with their progress, without a mail or an activity."""

from unittest.mock import patch

from odoo.modules.module import get_manifest
from odoo.tests import tagged
from odoo.tools import SQL

from ..hooks import post_init_hook
from ..models import crm_scoring_rule
from ..tools import pg
from .common import IntelligenceCase

GROUP = "crm_ecommerce.scoring_group_contact"
LEAD_RULES = (
    "crm_ecommerce.scoring_rule_lead_email",
    "crm_ecommerce.scoring_rule_lead_phone",
    "crm_ecommerce.scoring_rule_lead_customer",
    "crm_ecommerce.scoring_rule_lead_revenue",
)
PARTNER_RULES = (
    "crm_ecommerce.scoring_rule_partner_consent",
    "crm_ecommerce.scoring_rule_partner_bounce",
)
RFM_CRON = "crm_ecommerce.ir_cron_compute_rfm"
LEAD_CRON = "crm_ecommerce.ir_cron_lead_scores"


@tagged("post_install", "-at_install")
class TestDefaultRules(IntelligenceCase):
    def test_the_starter_rules_are_data_loaded_once(self):
        manifest = get_manifest("crm_ecommerce")
        self.assertIn("data/crm_scoring_rule_data.xml", manifest["data"])
        self.assertNotIn("data/crm_scoring_rule_data.xml", manifest["demo"])
        for xmlid in (GROUP, *LEAD_RULES, *PARTNER_RULES):
            with self.subTest(xmlid=xmlid):
                module, name = xmlid.split(".")
                data = self.env["ir.model.data"].search(
                    [("module", "=", module), ("name", "=", name)]
                )
                self.assertTrue(data.noupdate, "a shop's edits survive an upgrade")
                self.assertTrue(self.env.ref(xmlid).name)
        targets = {self.env.ref(xmlid).target for xmlid in LEAD_RULES + PARTNER_RULES}
        self.assertEqual(targets, {"lead", "partner"})
        self.assertEqual(self.env.ref(GROUP).cap, 30)

    def test_the_starter_rules_explain_a_lead_score(self):
        customer = self._customer("Day One Buyer")
        self._order(customer, days_ago=10)
        lead = self.env["crm.lead"].create(
            {
                "name": "Day One Lead",
                "type": "opportunity",
                "partner_id": customer.id,
                "email_from": "buyer@example.com",
                "phone": "+32 470 00 00 00",
                "expected_revenue": 5000,
            }
        )
        # 20 + 20 capped at 30 by the contact group, 20 as a customer, 40 for the revenue
        self.assertEqual((lead.lead_score, lead.lead_score_band), (90, "hot"))
        self.assertEqual(
            lead.score_factor_ids.mapped("name"),
            [
                "Left an email address",
                "Left a phone number",
                "Already bought from us",
                "Expected revenue over 1,000",
                "Contact details: capped at 30",
            ],
        )
        self.assertBreakdownAddsUp(lead, 90)
        stranger = self.env["crm.lead"].create({"name": "Day One Stranger", "type": "lead"})
        self.assertEqual((stranger.lead_score, stranger.lead_score_band), (0, "cold"))

    def test_the_starter_rules_explain_a_customer_score(self):
        consenting = self._customer("Day One Fan", marketing_consent=True)
        bouncing = self._customer("Day One Bounce")
        bouncing.message_bounce = 3
        orders = [
            self._order(partner, days_ago=5, amount=100) for partner in (consenting, bouncing)
        ]
        orders[1].date_order = orders[0].date_order
        self.env["res.partner"]._rfm_recompute_company()
        # Equal facts: recency 5 (same day), frequency and monetary 1 (one
        # value, the lowest present), so 32 from RFM, then +10 and -10.
        self.assertEqual(consenting.customer_score, 42)
        self.assertEqual(bouncing.customer_score, 22)
        self.assertEqual(consenting.score_factor_ids[-1].name, "Agreed to marketing")
        self.assertEqual(bouncing.score_factor_ids[-1].name, "Our emails bounce")
        for partner in (consenting, bouncing):
            self.assertBreakdownAddsUp(partner, partner.customer_score)

    def test_a_batch_of_most_customers_matches_as_a_few_do(self):
        """Most of the table (every customer, on an RFM run) is matched by
        one search per rule kept to the batch; a few records by their ids.
        The same records either way."""
        Partner = self.env["res.partner"]
        Rule = self.env["crm.scoring.rule"]
        rule = self.env.ref("crm_ecommerce.scoring_rule_partner_consent")
        fan = self._customer("Day One Many Fan", marketing_consent=True)
        outsider = self._customer("Day One Outsider", marketing_consent=True)
        quiet = self._customer("Day One Quiet")
        self.env.flush_all()
        self.env.cr.execute("ANALYZE res_partner")
        most = Partner.search([("id", "!=", outsider.id)])
        with (
            patch.object(crm_scoring_rule, "SCAN_FROM", 1),
            patch.object(pg, "int_array", side_effect=AssertionError("looked up by id")),
        ):
            matched = dict(Rule._matches("partner", most))[rule]
        self.assertIn(fan, matched)
        self.assertNotIn(outsider, matched)
        self.assertNotIn(quiet, matched)
        few = dict(Rule._matches("partner", fan | quiet))[rule]
        self.assertEqual(few, fan)
        self.assertEqual(matched & (fan | quiet), few)


@tagged("post_install", "-at_install")
class TestFirstRun(IntelligenceCase):
    """A shop that had customers, orders and leads before the install."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].browse(
            [cls._customer(f"Day One {n}").id for n in "ABCDE"]
        )
        cls.leads = cls.env["crm.lead"].create(
            [
                {
                    "name": f"Day One Lead {n}",
                    "type": "lead",
                    "email_from": f"{n}@example.com",
                    "probability": 10,
                }
                for n in range(5)
            ]
        )

    def setUp(self):
        super().setUp()
        a, b, c, d, e = self.customers
        for partner, days, amount in (
            (a, (5, 15, 25, 35, 45), 100),
            (b, (30, 60, 90, 120), 80),
            (c, (90, 150, 210), 60),
            (d, (200, 300), 40),
            (e, (400,), 20),
        ):
            for day in days:
                self._order(partner, days_ago=day, amount=amount)
        # Customers and leads of before the install: no figures, no score, no
        # band, no breakdown (the orders above scored their first ones).
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_customer_figures WHERE partner_id = ANY(%s)",
                self.customers.ids,
            )
        )
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_customer_score_history WHERE partner_id = ANY(%s)",
                self.customers.ids,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET lead_score = NULL, lead_score_band = NULL WHERE id = ANY(%s)",
                self.leads.ids,
            )
        )
        self.env.cr.execute(
            SQL("DELETE FROM crm_score_factor WHERE lead_id = ANY(%s)", self.leads.ids)
        )
        self.env.invalidate_all()

    def _counts(self):
        return (
            self.env["mail.mail"].search_count([]),
            self.env["mail.activity"].search_count([]),
            self.env["mail.message"].search_count([("model", "in", ("res.partner", "crm.lead"))]),
        )

    def _run_queued(self, xmlid, method, batch_size):
        """Call ``method`` of the cron as Odoo's cron runner does (a new
        progress record per call, called again while it reports records
        remaining); returns the (done, remaining) each call reported."""
        cron = self.env.ref(xmlid)
        model = self.env[cron.model_id.model]
        reported = []
        for _call in range(10):
            _cron, progress = cron._add_progress()
            getattr(model.with_context(ir_cron_progress_id=progress.id), method)(
                batch_size=batch_size
            )
            reported.append((progress.done, progress.remaining))
            if not progress.remaining:
                break
        return reported

    def test_the_install_queues_the_first_run_and_computes_nothing(self):
        Trigger = self.env["ir.cron.trigger"]
        crons = self.env.ref(RFM_CRON) | self.env.ref(LEAD_CRON)
        before = {cron: Trigger.search_count([("cron_id", "=", cron.id)]) for cron in crons}
        counts = self._counts()
        factors = self.env["crm.score.factor"].search_count([])
        post_init_hook(self.env)
        for cron in crons:
            with self.subTest(cron=cron.name):
                self.assertTrue(cron.active)
                self.assertEqual(
                    Trigger.search_count([("cron_id", "=", cron.id)]), before[cron] + 1
                )
        self.assertFalse(any(self.customers.mapped("rfm_segment")))
        self.assertFalse(any(self.customers.mapped("customer_score")))
        self.assertFalse(any(self.leads.mapped("lead_score_band")))
        self.assertEqual(self.env["crm.score.factor"].search_count([]), factors)
        self.assertEqual(self._counts(), counts)

    def test_the_queued_run_scores_customers_in_batches(self):
        counts = self._counts()
        Partner = self.env["res.partner"]
        # The first call writes the first two customers only, and commits.
        cron = self.env.ref(RFM_CRON)
        _cron, progress = cron._add_progress()
        Partner.with_context(ir_cron_progress_id=progress.id)._cron_compute_rfm(batch_size=2)
        self.assertEqual((progress.done, progress.remaining), (2, 3))
        self.assertEqual(
            [bool(segment) for segment in self.customers.mapped("rfm_segment")],
            [True, True, False, False, False],
        )
        reported = self._run_queued(RFM_CRON, "_cron_compute_rfm", batch_size=2)
        self.assertEqual(reported, [(2, 1), (1, 0)])
        expected = (
            (5, 5, 5, "champions", 80),
            (4, 4, 4, "champions", 60),
            (3, 3, 3, "needs_attention", 40),
            (2, 2, 2, "hibernating", 20),
            (1, 1, 1, "lost", 0),
        )
        for partner, (r, f, m, segment, score) in zip(self.customers, expected, strict=True):
            with self.subTest(partner=partner.name):
                self.assertEqual(
                    (
                        partner.rfm_recency_score,
                        partner.rfm_frequency_score,
                        partner.rfm_monetary_score,
                        partner.rfm_segment,
                        partner.customer_score,
                    ),
                    (r, f, m, segment, score),
                )
                self.assertBreakdownAddsUp(partner, score)
                self.assertEqual(len(partner.score_factor_ids), 3)
                self.assertEqual(partner.score_snapshot_ids.score, score)
        # Nothing left: the next nightly run writes nobody.
        self.assertEqual(self._run_queued(RFM_CRON, "_cron_compute_rfm", 2), [(0, 0)])
        self.assertEqual(self._counts(), counts)

    def test_the_queued_run_writes_what_one_full_run_writes(self):
        Partner = self.env["res.partner"]
        fields = ["rfm_signature", "customer_score", "rfm_segment", "churn_risk"]

        def figures():
            self.env.invalidate_all()
            return [
                (
                    *(partner[name] for name in fields),
                    partner.score_factor_ids.mapped(lambda line: (line.name, line.points)),
                    partner.score_snapshot_ids.mapped(lambda snap: (snap.score, snap.segment)),
                )
                for partner in self.customers
            ]

        with self.env.cr.savepoint() as savepoint:
            self.assertEqual(Partner._rfm_recompute_company(), 5)
            full = figures()
            savepoint.rollback()
        self.assertEqual(figures()[0][:4], (False, 0, False, False))
        self._run_queued(RFM_CRON, "_cron_compute_rfm", batch_size=1)
        self.assertEqual(figures(), full)

    def test_the_queued_run_scores_existing_leads_in_batches(self):
        counts = self._counts()
        other = self.env["crm.lead"].search(
            [("lead_score_band", "=", False), ("id", "not in", self.leads.ids)]
        )
        reported = self._run_queued(LEAD_CRON, "_cron_crm_lead_scores", batch_size=2)
        total = len(self.leads) + len(other.filtered(lambda lead: 0 < lead.probability < 100))
        self.assertEqual(reported[0], (2, total - 2))
        self.assertEqual(reported[-1][1], 0)
        self.assertTrue(all(done <= 2 for done, _left in reported))
        self.assertEqual(sum(done for done, _left in reported), total)
        for lead in self.leads:
            with self.subTest(lead=lead.name):
                self.assertEqual((lead.lead_score, lead.lead_score_band), (20, "cold"))
                self.assertEqual(lead.score_factor_ids.mapped("name"), ["Left an email address"])
        self.assertEqual(self._counts(), counts)
