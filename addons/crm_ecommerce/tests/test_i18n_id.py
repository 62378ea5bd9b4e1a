"""Indonesian out of the box for customer intelligence: menus, labels,
segments, bands and errors."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestIndonesianInsights(TransactionCase):
    def test_insights_speak_indonesian(self):
        self.env["res.lang"]._activate_lang("id_ID")
        modules = self.env["ir.module.module"].search([("name", "=", "crm_ecommerce")])
        modules._update_translations("id_ID", overwrite=True)
        analyst = new_test_user(
            self.env,
            login="id_analyst",
            groups="sales_team.group_sale_salesman,crm_ecommerce.group_crm_ecommerce_user",
            lang="id_ID",
        )
        env = self.env(user=analyst, context=analyst.with_user(analyst).context_get())
        self.assertEqual(env.ref("crm_ecommerce.menu_customer_insights").name, "Wawasan Pelanggan")
        partner_fields = env["res.partner"].fields_get(["customer_score", "rfm_segment"])
        self.assertEqual(partner_fields["customer_score"]["string"], "Skor Pelanggan")
        segments = dict(partner_fields["rfm_segment"]["selection"])
        self.assertEqual(segments["champions"], "Juara")
        bands = dict(
            env["crm.lead"].fields_get(["lead_score_band"])["lead_score_band"]["selection"]
        )
        self.assertEqual(bands["hot"], "Panas")
        # A clerk outside customer intelligence is refused in Indonesian.
        clerk = new_test_user(self.env, login="id_clerk_ce", groups="base.group_user", lang="id_ID")
        partner = self.env["res.partner"].create({"name": "Pelanggan Uji"})
        with self.assertRaisesRegex(AccessError, "^Hanya pengguna Analisis Pelanggan"):
            partner.with_user(clerk).with_context(lang="id_ID").action_crm_compute_customer()
