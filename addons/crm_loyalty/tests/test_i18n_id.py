"""Indonesian out of the box for loyalty: menus, labels, ledger kinds,
errors and the tier email."""

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyCase


@tagged("post_install", "-at_install")
class TestIndonesianLoyalty(LoyaltyCase):
    def test_loyalty_speaks_indonesian(self):
        self.env["res.lang"]._activate_lang("id_ID")
        self.env["ir.module.module"].search([("name", "=", "crm_loyalty")])._update_translations(
            "id_ID", overwrite=True
        )
        manager = new_test_user(
            self.env, login="id_loyalty", groups="sales_team.group_sale_manager", lang="id_ID"
        )
        env = self.env(user=manager, context=manager.with_user(manager).context_get())
        self.assertEqual(env.ref("crm_loyalty.menu_loyalty_root").name, "Loyalitas")
        program = env["loyalty.program"].fields_get(["crm_tier_ids"])
        self.assertEqual(program["crm_tier_ids"]["string"], "Tingkat")
        kinds = dict(env["loyalty.ledger"].fields_get(["kind"])["kind"]["selection"])
        self.assertEqual((kinds["goodwill"], kinds["expire"] != "Expired"), ("Kompensasi", True))
        card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.customer.id}
        )
        with self.assertRaisesRegex(ValidationError, "^Sebutkan alasan poin disesuaikan"):
            card.with_env(self.env(context={"lang": "id_ID"}))._crm_adjust(5, " ")
        template = self.env.ref("crm_loyalty.mail_template_points_expiring")
        card.partner_id.lang = "id_ID"
        subject = template._render_field("subject", card.ids, compute_lang=True)[card.id]
        self.assertEqual(subject, "Poin Anda akan segera kedaluwarsa")
