from contextlib import contextmanager
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user


class IntelligenceCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.category = cls.env["product.category"].create({"name": "Intelligence Coffee"})
        cls.service = cls._product("Intelligence Tasting", 100.0)
        cls.salesman = new_test_user(
            cls.env, login="ci_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.ci_manager = new_test_user(
            cls.env, login="ci_manager", groups="sales_team.group_sale_manager"
        )
        # Orders of other tests and of demo data must not move the quintiles.
        cls.env["sale.order"].search([("state", "=", "sale")]).write({"state": "cancel"})

    @classmethod
    def _product(cls, name, price, **vals):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "list_price": price,
                "categ_id": cls.category.id,
                "taxes_id": [Command.clear()],
                **vals,
            }
        )

    @classmethod
    def _customer(cls, name, **vals):
        return cls.env["res.partner"].create(
            {"name": name, "email": f"{name.lower().replace(' ', '.')}@example.com", **vals}
        )

    def _order(self, partner, days_ago=0, amount=None, products=None, company=None):
        env = (
            self.env
            if not company
            else self.env(context=dict(self.env.context, allowed_company_ids=[company.id]))
        )
        lines = products or [self.service]
        order = (
            env["sale.order"]
            .with_company(company or self.company)
            .create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": p.id,
                                "product_uom_qty": 1,
                                **({"price_unit": amount} if amount else {}),
                            }
                        )
                        for p in lines
                    ],
                }
            )
        )
        order.action_confirm()
        order.date_order = fields.Datetime.now() - timedelta(days=days_ago)
        return order

    @contextmanager
    def assertRaisesMessage(self, exception, text):
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(text, str(caught.exception))

    def assertBreakdownAddsUp(self, record, score):
        self.assertEqual(sum(record.score_factor_ids.mapped("points")), score)
