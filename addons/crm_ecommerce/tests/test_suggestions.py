from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import IntelligenceCase


@tagged("post_install", "-at_install")
class TestSuggestions(IntelligenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.beans = cls._product("Sugg Beans", 20)
        cls.filter = cls._product("Sugg Filters", 5)
        cls.mug = cls._product("Sugg Mug", 12)
        cls.grinder = cls._product("Sugg Grinder", 90)
        cls.old = cls._product("Sugg Archived", 8)
        cls.customer = cls._customer("Sugg Buyer")
        cls.other = cls._customer("Sugg Other")

    def _baskets(self):
        for products in (
            [self.beans, self.filter],
            [self.beans, self.filter],
            [self.beans, self.filter, self.old],
            [self.beans, self.old],
            [self.beans, self.mug],
            [self.mug, self.grinder],
            [self.mug],
        ):
            self._order(self.other, products=products)
        self.env["crm.product.affinity"]._refresh(min_support=1)

    def test_lift_ranking_on_crafted_baskets(self):
        self._baskets()
        pair = self.env["crm.product.affinity"].search(
            [("product_id", "=", self.beans.id), ("related_product_id", "=", self.filter.id)]
        )
        # 7 orders, beans in 5, filters in 3, together in 3: lift = 3 * 7 / 15
        self.assertEqual(pair.support, 3)
        self.assertAlmostEqual(pair.lift, 1.4, places=3)
        self.assertAlmostEqual(pair.confidence, 0.6, places=3)
        quote = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.beans.id})],
            }
        )
        self.assertEqual(quote.crm_crosssell_product_ids[:2], self.filter | self.old)

    def test_archived_unsellable_and_foreign_products_never_appear(self):
        self._baskets()
        self.old.active = False
        self.filter.sale_ok = False
        quote = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.beans.id})],
            }
        )
        self.assertEqual(quote.crm_crosssell_product_ids, self.mug)
        other = self.env["res.company"].create({"name": "Sugg Other Co"})
        foreign = self._product("Sugg Foreign", 30)
        self.env["crm.product.affinity"].create(
            {
                "company_id": self.company.id,
                "product_id": self.beans.id,
                "related_product_id": foreign.id,
                "lift": 99,
            }
        )
        # moved to another company after the pairs were computed
        foreign.company_id = other
        quote.invalidate_recordset()
        self.assertEqual(quote.crm_crosssell_product_ids, self.mug)

    def test_upsell_and_add_button(self):
        self._baskets()
        quote = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.mug.id})],
            }
        )
        self.assertIn(
            self.beans, quote.crm_upsell_product_ids
        )  # the cheapest pricier seller of the category
        self.assertNotIn(self.grinder, quote.crm_upsell_product_ids)
        self.assertIn(self.beans, quote.suggested_product_ids)
        self.beans.with_context(suggest_order_id=quote.id).action_crm_add_to_order()
        self.assertIn(self.beans, quote.order_line.product_id)
        quote.action_confirm()
        with self.assertRaisesMessage(UserError, "quotations only"):
            self.filter.with_context(suggest_order_id=quote.id).action_crm_add_to_order()

    def test_upsell_compares_catalog_prices_not_the_lines_price(self):
        spoon = self._product("Sugg Spoon", 10)  # cheaper than the mug
        self._baskets()
        self._order(self.other, products=[spoon])
        quote = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.mug.id, "price_unit": 6})],
            }
        )
        # a discount (or a pricelist in another currency) makes no up-sell of
        # products cheaper than the mug (the spoon, "Sugg Archived" at 8.00)
        self.assertEqual(quote.crm_upsell_product_ids, self.beans)

    def test_partner_likely_next_products(self):
        self._baskets()
        self._order(self.customer, products=[self.beans])
        self.assertEqual(self.customer.crm_next_product_ids[:1], self.filter)
        self.assertNotIn(self.beans, self.customer.crm_next_product_ids)
