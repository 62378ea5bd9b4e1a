"""Indonesian out of the box: staff and customers who work in Indonesian
read the returns and fulfilment screens, errors and emails in it."""

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common_returns import ReturnCase


@tagged("post_install", "-at_install")
class TestIndonesian(ReturnCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("id_ID")
        addon = cls.env["ir.module.module"].search([("name", "=", "crm_fulfillment")])
        addon._update_translations("id_ID", overwrite=True)
        clerk = new_test_user(
            cls.env, login="id_clerk", groups="sales_team.group_sale_manager", lang="id_ID"
        )
        cls.id_env = cls.env(user=clerk, context=clerk.with_user(clerk).context_get())

    def test_screens_errors_and_mails_in_indonesian(self):
        env = self.id_env
        self.assertEqual(env.lang, "id_ID")
        self.assertEqual(env.ref("crm_fulfillment.menu_sale_returns").name, "Pengembalian")
        self.assertEqual(
            env.ref("crm_fulfillment.menu_fulfillment_orders").name, "Pemenuhan Pesanan"
        )
        lines = env["sale.return.line"].fields_get(["fee_amount"])
        self.assertEqual(lines["fee_amount"]["string"], "Biaya Restok")
        states = dict(env["sale.return"].fields_get(["state"])["state"]["selection"])
        self.assertEqual(states["requested"], "Diajukan")
        with self.assertRaisesRegex(
            ValidationError, r"^Biaya restok 'Rusak' harus antara 0 dan 100%\.$"
        ):
            env["sale.return.reason"].create({"name": "Rusak", "restocking_fee_percent": 150})
        # The customer's email follows the customer's language.
        self.customer.lang = "id_ID"
        order = self._order()
        template = self.env.ref("crm_fulfillment.mail_template_order_shipped")
        subject = template._render_field("subject", order.ids, compute_lang=True)[order.id]
        self.assertEqual(
            subject, f"{order.company_id.name}: pesanan Anda {order.name} sedang dalam perjalanan"
        )

    def test_return_authorization_in_the_customers_language(self):
        self.customer.lang = "id_ID"
        ret = self._return(self._delivered_order(qty=1), 1)
        ret.with_user(self.returns_manager).action_approve()
        html = str(
            self.env["ir.actions.report"]._render_qweb_html(
                "crm_fulfillment.action_report_sale_return", ret.ids
            )[0]
        )
        self.assertIn("Otorisasi Pengembalian", html)
        self.assertNotIn("Return Authorization", html)
