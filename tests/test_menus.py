"""Browser smoke tests: each addon's menus open in headless Chromium for a
user of the addon's group, and stay hidden from users without it."""

import re
from pathlib import Path

from odoo.tests import HttpCase, new_test_user, tagged

ADDONS = Path(__file__).resolve().parent.parent / "addons"

# addon -> (its manager group, the standard Odoo groups that imply it)
CASES = {
    "crm_ecommerce": ("group_crm_ecommerce_manager", "sales_team.group_sale_manager"),
    "crm_fulfillment": (
        "group_fulfillment_manager",
        "sales_team.group_sale_manager,stock.group_stock_user",
    ),
    "crm_loyalty": ("group_loyalty_manager", "sales_team.group_sale_manager"),
}


def tour_menu_items(addon):
    """The menu items the addon's tour clicks: the third entry of each row
    of MENUS in the tour source."""
    source = (ADDONS / addon / "static/tests/tours" / f"{addon}_menus_tour.js").read_text()
    rows = re.findall(r'\[\s*"[\w.]+",\s*"[\w.]+",\s*"([\w.]+)",', source)
    return set(rows)


@tagged("post_install", "-at_install")
class TestMenus(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.outsider = new_test_user(cls.env, login="menus_outsider", groups="base.group_user")
        cls.users = {
            addon: new_test_user(cls.env, login=f"menus_{addon}", groups=groups)
            for addon, (_group, groups) in CASES.items()
        }

    def _addon_menus(self, addon):
        data = self.env["ir.model.data"].search(
            [("module", "=", addon), ("model", "=", "ir.ui.menu")]
        )
        return self.env["ir.ui.menu"].browse(data.mapped("res_id"))

    def test_groups_follow_odoo_roles(self):
        for addon, (group, _groups) in CASES.items():
            with self.subTest(addon=addon):
                self.assertTrue(self.users[addon].has_group(f"{addon}.{group}"))
                self.assertFalse(self.outsider.has_group(f"{addon}.{group}"))

    def test_tours_cover_every_menu_item(self):
        for addon in CASES:
            with self.subTest(addon=addon):
                items = self._addon_menus(addon).filtered("action")
                expected = {m.get_external_id()[m.id] for m in items}
                self.assertTrue(expected, f"{addon} has no menu")
                self.assertEqual(tour_menu_items(addon), expected)

    def test_menus_hidden_from_users_without_the_group(self):
        for addon in CASES:
            with self.subTest(addon=addon):
                menus = self._addon_menus(addon)
                Menu = self.env["ir.ui.menu"]
                self.assertFalse(set(menus.ids) & Menu.with_user(self.outsider)._visible_menu_ids())
                visible = Menu.with_user(self.users[addon])._visible_menu_ids()
                self.assertEqual(set(menus.ids) & visible, set(menus.ids))

    def test_tour_crm_ecommerce(self):
        self.start_tour("/odoo", "crm_ecommerce_menus", login="menus_crm_ecommerce")

    def test_tour_crm_fulfillment(self):
        self.start_tour("/odoo", "crm_fulfillment_menus", login="menus_crm_fulfillment")

    def test_tour_crm_loyalty(self):
        self.start_tour("/odoo", "crm_loyalty_menus", login="menus_crm_loyalty")
