/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// [app, menu section, menu item, breadcrumb of the action it opens]
const MENUS = [
    [
        "crm.crm_menu_root",
        "crm_ecommerce.menu_customer_intelligence",
        "crm_ecommerce.menu_customer_insights",
        "Customer Insights",
    ],
    ["crm.crm_menu_root", "crm_ecommerce.menu_customer_intelligence", "crm_ecommerce.menu_crm_campaigns", "Campaigns"],
    ["crm.crm_menu_root", "crm.crm_menu_config", "crm_ecommerce.menu_crm_scoring_rules", "Scoring Rules"],
    ["crm.crm_menu_root", "crm.crm_menu_config", "crm_ecommerce.menu_crm_scoring_groups", "Scoring Rule Groups"],
    ["crm.crm_menu_root", "crm.crm_menu_config", "crm_ecommerce.menu_crm_clv_fits", "Prediction Fits"],
];

registry.category("web_tour.tours").add("crm_ecommerce_menus", {
    url: "/odoo",
    steps: () =>
        MENUS.flatMap(([app, section, item, title]) => [
            ...stepUtils.goToAppSteps(app, "Open the app"),
            { trigger: `.o_main_navbar [data-menu-xmlid="${section}"]`, run: "click" },
            { trigger: `.o-dropdown-item[data-menu-xmlid="${item}"]`, run: "click" },
            { trigger: `.o_breadcrumb:contains("${title}")` },
        ]),
});
