/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// [app, menu section, menu item, breadcrumb of the action it opens]
const MENUS = [
    ["sale.sale_menu_root", "sale.sale_order_menu", "crm_fulfillment.menu_fulfillment_orders", "Fulfilment"],
    [
        "sale.sale_menu_root",
        "sale.menu_sale_report",
        "crm_fulfillment.menu_fulfillment_report",
        "Fulfilment Times",
    ],
    [
        "sale.sale_menu_root",
        "sale.menu_sale_config",
        "crm_fulfillment.menu_fulfillment_stages",
        "Fulfilment Stages",
    ],
    ["sale.sale_menu_root", "sale.sale_order_menu", "crm_fulfillment.menu_sale_returns", "Returns"],
    [
        "sale.sale_menu_root",
        "sale.menu_sale_report",
        "crm_fulfillment.menu_sale_return_analysis",
        "Returns Analysis",
    ],
    [
        "sale.sale_menu_root",
        "sale.menu_sale_config",
        "crm_fulfillment.menu_sale_return_reasons",
        "Return Reasons",
    ],
    ["stock.menu_stock_root", "stock.menu_stock_warehouse_mgmt", "crm_fulfillment.menu_stock_returns", "Returns"],
    [
        "stock.menu_stock_root",
        "stock.menu_stock_warehouse_mgmt",
        "crm_fulfillment.menu_returns_to_receive",
        "Returns to Receive",
    ],
];

registry.category("web_tour.tours").add("crm_fulfillment_menus", {
    url: "/odoo",
    steps: () =>
        MENUS.flatMap(([app, section, item, title]) => [
            ...stepUtils.goToAppSteps(app, "Open the app"),
            { trigger: `.o_main_navbar [data-menu-xmlid="${section}"]`, run: "click" },
            { trigger: `.o-dropdown-item[data-menu-xmlid="${item}"]`, run: "click" },
            { trigger: `.o_breadcrumb:contains("${title}")` },
        ]),
});
