"""Customer figures after an update from 18.0.1.3.0, when they were
company-dependent columns of res_partner."""

import importlib.util
import json
from datetime import date, timedelta
from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations/18.0.1.4.0"
OLD_COLUMNS = {
    "rfm_recency_score": 5,
    "rfm_frequency_score": 4,
    "rfm_monetary_score": 3,
    "rfm_segment": "champions",
    "customer_score": 77,
    "churn_risk": False,
    "rfm_last_order_date": "2026-11-20",
    "rfm_frequency": 4,
    "rfm_order_count": 6,
    "rfm_monetary": 480.5,
    "rfm_order_gap": 21.0,
    "rfm_signature": "5|4|3|champions|77|False|2026-11-20|4|6|480.5|21.0",
    "clv_frequency": 5,
    "clv_first_purchase": "2025-03-01",
    "clv_last_purchase": "2026-11-20",
    "clv_date": "2026-11-28",
    "clv_fit_date": "2026-11-28",
    "clv_predicted_orders": 1.25,
    "clv_probability_alive": 0.82,
    "clv_next_order_date": "2026-12-19",
    "clv_expected_spend": 80.0,
    "clv_predicted_value": 312.4,
    "clv_signature": "5|2025-03-01|2026-11-20|80.00",
}


def load(name):
    spec = importlib.util.spec_from_file_location(
        f"crm_ecommerce_migrate_18_0_1_4_0_{name.replace('-', '_')}", MIGRATIONS / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestFiguresMigration(TransactionCase):
    def _old_schema(self, partner, other):
        """The tables of 18.0.1.3.0: figures as jsonb columns keyed by
        company on res_partner, every breakdown line in crm_score_factor,
        every month's snapshot (this one's too) in a table."""
        cr = self.env.cr
        key = str(self.env.company.id)
        this_month = date.today().replace(day=1)
        earlier = (this_month - timedelta(days=40)).replace(day=1)
        cr.execute(
            "DROP VIEW crm_customer_score_snapshot;"
            " ALTER TABLE crm_customer_score_history RENAME TO crm_customer_score_snapshot;"
            " ALTER TABLE crm_customer_score_snapshot RENAME CONSTRAINT"
            " crm_customer_score_history_partner_company_month_unique"
            " TO crm_customer_score_snapshot_partner_company_month_unique;"
            " ALTER TABLE crm_score_factor ADD COLUMN partner_id int"
        )
        for name, value in OLD_COLUMNS.items():
            cr.execute(SQL("ALTER TABLE res_partner ADD COLUMN %s jsonb", SQL.identifier(name)))
            cr.execute(
                SQL(
                    "UPDATE res_partner SET %s = jsonb_build_object(%s::text, %s::jsonb)"
                    " WHERE id = %s",
                    SQL.identifier(name),
                    key,
                    json.dumps(value),
                    partner.id,
                )
            )
        # A customer who had figures once and lost them (a key, no value).
        cr.execute(
            SQL(
                "UPDATE res_partner SET rfm_segment = jsonb_build_object(%s::text, null)"
                " WHERE id = %s",
                key,
                other.id,
            )
        )
        lines = [
            ("Recency 5/5: last order on 2026-11-20", 32),
            ("Frequency 4/5: 4 orders in the window", 18),
            ("Monetary 3/5: 480.50 $ net revenue", 12),
            ("Agreed to marketing", 15),
        ]
        for sequence, (name, points) in enumerate(lines):
            cr.execute(
                "INSERT INTO crm_score_factor (partner_id, company_id, sequence, name, points)"
                " VALUES (%s, %s, %s, %s, %s)",
                [partner.id, self.env.company.id, sequence, name, points],
            )
        for month, score, segment in (
            (earlier, 60, "loyal"),
            (this_month, 77, "champions"),
        ):
            cr.execute(
                "INSERT INTO crm_customer_score_snapshot"
                " (partner_id, company_id, month, score, segment) VALUES (%s, %s, %s, %s, %s)",
                [partner.id, self.env.company.id, month, score, segment],
            )

    def _columns(self, table, names):
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = %s AND column_name = ANY(%s)",
            [table, list(names)],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def test_update_from_18_0_1_3_0_keeps_every_figure(self):
        """The figures, the rules' breakdown lines and the past months'
        snapshots move to their new homes, the customer's screens read as
        before, and res_partner and crm_score_factor lose the columns 18.0.1.3.0
        added."""
        partner = self.env["res.partner"].create({"name": "Migrated Customer"})
        other = self.env["res.partner"].create({"name": "Lapsed Customer"})
        self.env.flush_all()
        self._old_schema(partner, other)
        refresh = self.env.ref("crm_ecommerce.ir_cron_product_affinity")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search_count([("cron_id", "=", refresh.id)])
        load("pre-migration").migrate(self.env.cr, "18.0.1.3.0")
        load("post-migration").migrate(self.env.cr, "18.0.1.3.0")
        # The up-sell's new tables are filled by the refresh, queued now.
        self.assertEqual(Trigger.search_count([("cron_id", "=", refresh.id)]), triggers + 1)
        self.env["crm.customer.score.snapshot"].init()
        self.env["crm.customer.score.line"].init()
        self.env.invalidate_all()

        self.assertFalse(self._columns("res_partner", OLD_COLUMNS))
        self.assertFalse(self._columns("crm_score_factor", ["partner_id"]))
        self.assertFalse(self.env["crm.score.factor"].search_count([("lead_id", "=", False)]))
        values = partner.read(list(OLD_COLUMNS))[0]
        for name, value in OLD_COLUMNS.items():
            expected = value
            if name.endswith(("_date", "_purchase")):
                expected = date.fromisoformat(value)
            self.assertEqual(values[name], expected, name)
        self.assertFalse(other.rfm_segment)
        self.assertEqual(
            partner.score_factor_ids.mapped(lambda line: (line.name, line.points)),
            [
                ("Recency 5/5: last order on 2026-11-20", 32),
                ("Frequency 4/5: 4 orders in the window", 18),
                (f"Monetary 3/5: 480.50 {self.env.company.currency_id.symbol} net revenue", 12),
                ("Agreed to marketing", 15),
            ],
        )
        this_month = date.today().replace(day=1)
        earlier = (this_month - timedelta(days=40)).replace(day=1)
        self.assertEqual(
            partner.score_snapshot_ids.mapped(lambda snap: (snap.month, snap.score, snap.segment)),
            [(this_month, 77, "champions"), (earlier, 60, "loyal")],
        )
        self.assertEqual(
            self.env["res.partner"].search([("rfm_segment", "=", "champions")]) & partner, partner
        )
