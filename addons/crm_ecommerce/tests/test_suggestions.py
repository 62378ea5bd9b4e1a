from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.crm_product_affinity import AFFINITY_RANK_INDEX, MIN_SUPPORT
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

    def test_bought_together_says_why_it_is_empty(self):
        self._baskets()
        everything = self.beans | self.filter | self.old | self.mug | self.grinder
        quote = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": product.id}) for product in everything
                ],
            }
        )
        # Every product of the pairs is in the order.
        self.assertFalse(quote.crm_crosssell_product_ids)
        self.assertEqual(
            quote.crm_crosssell_note,
            "Everything often bought with these products is in the order already.",
        )
        # The beans' filters and "Sugg Archived" out of the order, and not
        # for sale any more.
        quote.order_line.filtered(lambda line: line.product_id in self.filter | self.old).unlink()
        (self.filter | self.old).write({"sale_ok": False})
        self.assertFalse(quote.crm_crosssell_product_ids)
        self.assertEqual(
            quote.crm_crosssell_note,
            "The products often bought with these that are not in the order are archived "
            "or not for sale.",
        )
        # A product of no pair: the company's reason.
        other = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self._product("Sugg Tea", 4).id})],
            }
        )
        self.assertEqual(other.crm_crosssell_note, "No product is often bought with these yet.")

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
        # Sold before the refresh (in _baskets): the spoon sells.
        self._order(self.other, products=[spoon])
        self._baskets()
        self.assertTrue(
            self.env["crm.product.sales"].search([("product_id", "=", spoon.id)]),
        )
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

    def test_the_pairs_are_ranked_from_one_index(self):
        """Likely to Buy Next reads a product's pairs and what ranks them
        from one index, made at install and update."""
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            ["crm_product_affinity", AFFINITY_RANK_INDEX],
        )
        (definition,) = self.env.cr.fetchone()
        self.assertTrue(
            definition.endswith("(product_id, company_id, related_product_id, lift, support)"),
            definition,
        )

    def test_likely_next_leaves_out_what_was_bought_in_a_confirmed_order_only(self):
        self._baskets()
        self._order(self.customer, products=[self.beans])
        # Filters in a quotation, and in a cancelled order: not bought.
        quote = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.filter.id})],
            }
        )
        cancelled = self._order(self.customer, products=[self.filter])
        cancelled._action_cancel()
        # Filters bought in another company: not bought in this one.
        other_company = self.env["res.company"].create({"name": "Sugg Other Shop"})
        self.env.user.company_ids = [Command.link(other_company.id)]
        elsewhere = self._order(self.customer, products=[self.filter], company=other_company)
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.crm_next_product_ids[:1], self.filter)
        self.assertEqual(cancelled.order_line.state, "cancel")
        self.assertEqual(
            (elsewhere.state, elsewhere.order_line.company_id), ("sale", other_company)
        )
        # Confirmed: bought, and no longer likely next.
        quote.action_confirm()
        self.customer.invalidate_recordset()
        self.assertNotIn(self.filter, self.customer.crm_next_product_ids)
        self.assertNotIn(self.beans, self.customer.crm_next_product_ids)
        self.assertTrue(self.customer.crm_next_product_ids)

    def test_likely_next_adds_the_lifts_of_what_the_customer_bought(self):
        # Lifts of the crafted baskets (7 orders): beans-filters 1.4,
        # beans-archived 1.4, filters-archived 7/6, beans-mug 7/15,
        # mug-grinder 7/3.
        self._baskets()
        firm = self._customer("Sugg Firm", is_company=True)
        ann = self._customer("Sugg Ann", parent_id=firm.id)
        self._order(ann, products=[self.filter, self.old])
        self._order(firm, products=[self.mug])
        newcomer = self._customer("Sugg Newcomer")
        partners = firm | ann | newcomer
        # Odoo caches the computed many2many of a record it creates as empty.
        partners.invalidate_recordset()
        # The firm and its contact are one customer: beans 1.4 + 1.4 + 7/15
        # (above the grinder's 7/3), the products they bought left out.
        self.assertEqual(firm.crm_next_product_ids.ids, [self.beans.id, self.grinder.id])
        self.assertEqual(ann.crm_next_product_ids.ids, [self.beans.id, self.grinder.id])
        self.assertFalse(firm.crm_next_product_note)
        self.assertFalse(newcomer.crm_next_product_ids)
        self.assertEqual(
            newcomer.crm_next_product_note,
            "Not enough orders yet: 0 of 1 needed (this customer has no confirmed order).",
        )
        # The quotation's cross-sell keeps the highest lift of each product.
        quote = self.env["sale.order"].new(
            {
                "partner_id": firm.id,
                "order_line": [
                    Command.create({"product_id": product.id})
                    for product in (self.filter, self.old, self.mug)
                ],
            }
        )
        self.assertEqual(quote.crm_crosssell_product_ids.ids, [self.grinder.id, self.beans.id])
        # What may not be sold any more is left out, on both screens.
        self.grinder.sale_ok = False
        partners.invalidate_recordset()
        self.assertEqual(firm.crm_next_product_ids, self.beans)
        self.beans.active = False
        partners.invalidate_recordset()
        self.assertFalse(firm.crm_next_product_ids)
        self.assertEqual(
            firm.crm_next_product_note,
            "The products often bought with theirs that they have not bought are archived "
            "or not for sale.",
        )

    def test_likely_next_says_why_it_is_empty_for_a_customer_with_orders(self):
        self._baskets()
        # Bought everything related to what they bought: the pairs matched.
        collector = self._customer("Sugg Collector")
        self._order(collector, products=[self.beans, self.filter, self.old, self.mug])
        self._order(collector, products=[self.grinder])
        # Bought a product of no pair: the company's reason.
        loner = self._customer("Sugg Loner")
        self._order(loner, products=[self._product("Sugg Loner Tea", 4)])
        (collector | loner).invalidate_recordset()
        self.assertFalse(collector.crm_next_product_ids)
        self.assertEqual(
            collector.crm_next_product_note,
            "They already bought every product often bought with theirs.",
        )
        self.assertFalse(loner.crm_next_product_ids)
        self.assertEqual(loner.crm_next_product_note, "No product is often bought with these yet.")
        # The grinder's order cancelled: not bought, and suggested again.
        self.env["sale.order.line"].search(
            [("order_partner_id", "=", collector.id), ("product_id", "=", self.grinder.id)]
        ).order_id._action_cancel()
        collector.invalidate_recordset()
        self.assertEqual(collector.crm_next_product_ids, self.grinder)
        self.assertFalse(collector.crm_next_product_note)

    def test_empty_reason_counts_the_baskets_needed_only(self):
        Affinity = self.env["crm.product.affinity"]
        self.assertEqual(MIN_SUPPORT, 2)
        self._order(self.other, products=[self.beans, self.beans])  # one product: no basket
        self._order(self.other, products=[self.beans, self.filter], days_ago=200)  # too old
        self._order(self.other, products=[self.beans, self.filter])
        self.assertEqual(
            Affinity._crm_empty_reason(self.company),
            "Not enough orders yet: 1 of 2 needed (orders with two products or more in the "
            "last 180 days).",
        )
        for _n in range(3):
            self._order(self.other, products=[self.mug, self.grinder])
        self.assertEqual(
            Affinity._crm_empty_reason(self.company), "No product is often bought with these yet."
        )

    def test_refresh_counts_the_sales_and_the_buyers_of_each_pair(self):
        tea = self._product(
            "Sugg Tea",
            15,
            categ_id=self.env["product.category"].create({"name": "Sugg Tea Shelf"}).id,
        )
        firm = self._customer("Sugg Buyers Firm", is_company=True)
        ann = self._customer("Sugg Buyers Ann", parent_id=firm.id)
        bob = self._customer("Sugg Buyers Bob", parent_id=firm.id)
        regular = self._customer("Sugg Buyers Regular")
        lapsed = self._customer("Sugg Buyers Lapsed")
        # The firm's contacts make one customer of the firm, who bought both.
        self._order(ann, products=[self.beans])
        self._order(bob, products=[self.grinder])
        self._order(regular, products=[self.beans, self.grinder, tea])
        self._order(regular, products=[self.beans])
        # The grinder 400 days ago is out of the 180-day period.
        self._order(lapsed, products=[self.beans])
        self._order(lapsed, days_ago=400, products=[self.grinder])
        self.env["crm.product.affinity"]._refresh()
        sales = self.env["crm.product.sales"].search([("company_id", "=", self.company.id)])
        self.assertEqual(
            {(row.product_id, row.orders) for row in sales},
            {(self.beans, 4), (self.grinder, 2), (tea, 1)},
        )
        buyers = self.env["crm.product.buyers"].search([("company_id", "=", self.company.id)])
        # One row per pair of the same category, the lower id first: the
        # tea is of another shelf.
        first, second = sorted((self.beans, self.grinder), key=lambda p: p.id)
        self.assertEqual(
            [(row.product_id, row.other_product_id, row.buyers) for row in buyers],
            [(first, second, 2)],
        )
        quote = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.beans.id})],
            }
        )
        sentence = (
            "Sugg Grinder: same category as Sugg Beans, higher price, bought in the last "
            f"{self.env.company.crm_suggestion_days} days by %s customers who bought Sugg Beans."
        )
        self.assertEqual(quote.crm_upsell_product_ids, self.grinder)
        self.assertEqual(quote.crm_upsell_note, sentence % 2)
        # The figures are the nightly refresh's: a new buyer counts from the
        # next one.
        self._order(lapsed, products=[self.grinder])
        quote.invalidate_recordset()
        self.assertEqual(quote.crm_upsell_note, sentence % 2)
        self.env["crm.product.affinity"]._refresh()
        quote.invalidate_recordset()
        self.assertEqual(quote.crm_upsell_note, sentence % 3)
        # Nothing of a category sold in the period: no up-sell, and why.
        other = self.env["sale.order"].create(
            {"partner_id": self.customer.id, "order_line": [Command.create({"product_id": tea.id})]}
        )
        self.assertFalse(other.crm_upsell_product_ids)
        self.assertEqual(
            other.crm_upsell_note,
            "No pricier product of the same category sold in the last 180 days.",
        )

    def _read_suggestions(self, partner, quote):
        """What the partner form and the quotation's Suggestions tab ask for."""
        products = {"fields": {"display_name": {}, "lst_price": {}}}
        partner.web_read(
            {"crm_next_product_ids": {"fields": {"display_name": {}}}, "crm_next_product_note": {}}
        )
        quote.web_read(
            {
                "crm_crosssell_product_ids": products,
                "crm_crosssell_note": {},
                "crm_upsell_product_ids": products,
                "crm_upsell_note": {},
            }
        )

    def test_the_screens_read_suggestions_in_queries_that_do_not_grow(self):
        self._baskets()
        self._order(self.customer, products=[self.filter, self.old, self.mug])
        quote = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.salesman.id,
                "order_line": [Command.create({"product_id": self.beans.id})],
            }
        )
        partner = self.customer.with_user(self.salesman)
        quote = quote.with_user(self.salesman)

        def counted():
            # As a new request: the registry's caches warm, the records' cold.
            for _warmup in range(2):
                self.env.invalidate_all()
                self._read_suggestions(partner, quote)
            self.env.invalidate_all()
            # The partner: its commercial partner and the ranking (one
            # statement), the products' names; the quotation: the order,
            # its lines, the cross-sell (one statement), the products sold,
            # their prices, the buyers; the record rules.
            with self.assertQueryCount(16):
                self._read_suggestions(partner, quote)
            return [
                partner.crm_next_product_ids.ids,
                quote.crm_crosssell_product_ids.ids,
                quote.crm_upsell_product_ids.ids,
            ]

        before = counted()
        self.assertEqual(
            before,
            [
                [self.beans.id, self.grinder.id],
                [self.filter.id, self.old.id, self.mug.id],
                [self.grinder.id],
            ],
        )
        # Sixty more orders, of twenty other customers, and the nightly
        # refresh: products of another shelf in the period (the lifts of ours
        # all grow by the same factor), ours before it.
        shelf = self.env["product.category"].create({"name": "Sugg Crowd Shelf"})
        crowd = [self._product(f"Sugg Crowd {n}", 10 + n, categ_id=shelf.id) for n in range(3)]
        for n in range(20):
            buyer = self._customer(f"Sugg Crowd Buyer {n}")
            self._order(buyer, products=crowd)
            self._order(buyer, products=crowd[:2])
            self._order(buyer, days_ago=300, products=[self.beans, self.grinder, self.filter])
        self.env["crm.product.affinity"]._refresh(min_support=1)
        self.assertEqual(self.env["crm.product.buyers"].search_count([]), 13)
        self.assertEqual(counted(), before)
