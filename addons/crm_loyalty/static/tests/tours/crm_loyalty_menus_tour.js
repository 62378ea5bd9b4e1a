/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// [app, menu section, menu item, breadcrumb of the action it opens]
const MENUS = [
    ["sale.sale_menu_root", "crm_loyalty.menu_loyalty_root", "crm_loyalty.menu_loyalty_cards", "Loyalty Cards"],
    ["sale.sale_menu_root", "crm_loyalty.menu_loyalty_root", "crm_loyalty.menu_loyalty_ledger", "Points Ledger"],
];

registry.category("web_tour.tours").add("crm_loyalty_menus", {
    url: "/odoo",
    steps: () =>
        MENUS.flatMap(([app, section, item, title]) => [
            ...stepUtils.goToAppSteps(app, "Open the app"),
            { trigger: `.o_main_navbar [data-menu-xmlid="${section}"]`, run: "click" },
            { trigger: `.o-dropdown-item[data-menu-xmlid="${item}"]`, run: "click" },
            { trigger: `.o_breadcrumb:contains("${title}")` },
        ]),
});
