/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import saleTourUtils from "@sale/js/tours/tour_utils";

// The data comes from addons/crm_loyalty/tests/test_tours.py: the program
// gives 1 Star per currency unit and a reward of 10 off the order for 200
// Stars; Silver from 150 of spend (x1.5), Gold from 1,000; the customer has
// 100 Stars from a first order of 100 and no tier yet.
const CUSTOMER = "Tour Loyal Customer";
const PRODUCT = "Fulfilment Mug"; // 100, untaxed
const LEDGER = ".o_field_widget[name=crm_ledger_latest_ids]";

function openMenu(section, item, title) {
    return [
        { trigger: `.o_main_navbar [data-menu-xmlid="${section}"]`, run: "click" },
        { trigger: `.o-dropdown-item[data-menu-xmlid="${item}"]`, run: "click" },
        { trigger: `.o_breadcrumb:contains("${title}")` },
    ];
}

/** Exactly ``count`` elements match ``rows`` (a plain CSS selector). */
function assertCount(rows, count, content) {
    return {
        content,
        trigger: `${rows}:eq(${count - 1})`,
        run() {
            const found = document.querySelectorAll(rows).length;
            if (found !== count) {
                throw new Error(`${content}: expected ${count} of ${rows}, found ${found}`);
            }
        },
    };
}

/** Loyalty > Loyalty Cards, the customer's card with its balance, opened. */
function openCard(balance) {
    return [
        ...openMenu("crm_loyalty.menu_loyalty_root", "crm_loyalty.menu_loyalty_cards", "Loyalty Cards"),
        {
            content: `the card list shows the balance ${balance}`,
            trigger: `.o_data_row:contains("${CUSTOMER}") td[name=points_display]:contains(/^${balance}$/)`,
        },
        { trigger: `.o_data_row:contains("${CUSTOMER}") td[name=code]`, run: "click" },
        {
            content: `the card form shows the balance ${balance}`,
            trigger: `.o_form_view .o_field_widget[name=points_display]:contains(/^${balance}$/)`,
        },
        { content: "the card's history is the ledger", trigger: "a.nav-link[name=crm_ledger]", run: "click" },
    ];
}

/** The stat button of the customer form: ``points`` Stars. */
function statButton(points) {
    return `button[name=action_view_loyalty_ledger]:has(.o_stat_value:contains(/^${points}$/)):has(.o_stat_text:contains(/^Stars$/))`;
}

/** From the card form to its customer's form. */
function openCustomerOfCard() {
    return [
        { trigger: `.o_field_widget[name=partner_id] a:contains("${CUSTOMER}")`, run: "click" },
        { trigger: `.o_breadcrumb .active:contains("${CUSTOMER}")` },
    ];
}

/** Sales > Orders > Quotations, a new quotation of the product for the customer. */
function newQuotation() {
    return [
        ...openMenu("sale.sale_order_menu", "sale.menu_sale_quotations", "Quotations"),
        ...saleTourUtils.createNewSalesOrder(),
        ...saleTourUtils.selectCustomer(CUSTOMER),
        ...saleTourUtils.addProduct(PRODUCT),
        {
            content: "the line is priced",
            trigger: `.o_data_row:contains("${PRODUCT}") td[name=price_subtotal]:contains("100.00")`,
        },
    ];
}

function confirmOrder() {
    return [
        { trigger: ".o_statusbar_buttons button[name=action_confirm]", run: "click" },
        {
            content: "the quotation is now a sales order",
            trigger: ".o_field_widget[name=state] .o_arrow_button_current:contains('Sales Order')",
        },
    ];
}

registry.category("web_tour.tours").add("crm_loyalty_flow", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open Sales"),

        // Before: 100 Stars from the first order, no tier.
        ...openCard("100 Stars"),
        assertCount(`${LEDGER} .o_data_row`, 1, "one ledger entry"),
        {
            content: "the first order's points are in the ledger",
            trigger: `${LEDGER} .o_data_row:eq(0):contains("Earned"):contains("100.00"):contains("Available")`,
        },
        ...openCustomerOfCard(),
        {
            content: "the customer form: 100 Stars and no tier badge",
            trigger:
                `.o_form_view:has(${statButton(100)}):not(:has(.o_loyalty_tier_badge))`,
        },

        // Earn: an order of 100 takes the spend to 200, past Silver's 150.
        ...newQuotation(),
        ...confirmOrder(),
        {
            content: "the order says what it issued",
            trigger: ".o_field_widget[name=loyalty_data]:contains('Issued'):contains('100')",
        },
        ...openCard("200 Stars"),
        {
            content: "the card reached Silver",
            trigger: ".o_field_widget[name=crm_tier_id]:contains('Silver')",
        },
        assertCount(`${LEDGER} .o_data_row`, 2, "two ledger entries"),
        {
            content: "the new order's points are in the ledger, at x1 (earned before the upgrade)",
            trigger: `${LEDGER} .o_data_row:eq(0):contains("Earned"):contains("100.00"):contains("Available")`,
        },
        ...openCustomerOfCard(),
        {
            content: "the customer form shows 200 Stars",
            trigger: statButton(200),
        },
        {
            content: "and the Silver badge",
            trigger: ".o_field_widget.o_loyalty_tier_badge:contains('Silver')",
        },
        { trigger: "button[name=action_view_loyalty_ledger]", run: "click" },
        { trigger: ".o_breadcrumb .active:contains('Points Ledger')" },
        assertCount(".o_list_view .o_data_row", 2, "the customer's two entries"),
        {
            content: "the customer's ledger adds up to the balance",
            trigger: ".o_list_view tfoot:contains('200.00')",
        },

        // Redeem: 10 off the order for 200 Stars, on a new quotation.
        ...newQuotation(),
        {
            content: "Odoo's Reward button applies the only reward the customer can claim",
            trigger: "button[name=action_open_reward_wizard]",
            run: "click",
        },
        {
            content: "the reward line takes 10 off",
            trigger: ".o_data_row:contains('10 on your order') td[name=price_subtotal]:contains('-10.00')",
        },
        {
            content: "the order costs 90",
            trigger: ".o_field_widget[name=tax_totals]:contains('90.00')",
        },
        ...confirmOrder(),
        {
            content: "the order says what it used",
            trigger: ".o_field_widget[name=loyalty_data]:contains('Used'):contains('200')",
        },
        ...openCard("150 Stars"),
        assertCount(`${LEDGER} .o_data_row`, 4, "four ledger entries"),
        {
            content: "the points of the order, x1.5 in Silver",
            trigger: `${LEDGER} .o_data_row:eq(0):contains("Earned"):contains("150.00")`,
        },
        {
            content: "the reward's cost is a redeem entry",
            trigger: `${LEDGER} .o_data_row:eq(1):contains("Redeemed"):contains("-200.00")`,
        },
        {
            content: "the customer keeps Silver",
            trigger: ".o_field_widget[name=crm_tier_id]:contains('Silver')",
        },
        ...openCustomerOfCard(),
        {
            content: "the customer form shows the lower balance, 150 Stars",
            trigger: statButton(150),
        },
        { trigger: ".o_field_widget.o_loyalty_tier_badge:contains('Silver')" },
    ],
});

registry.category("web_tour.tours").add("crm_loyalty_portal", {
    url: "/my/loyalty",
    steps: () => [
        { content: "the customer's tier", trigger: ".o_loyalty_tier:contains('Silver')" },
        {
            content: "what Silver gives",
            trigger: ".o_loyalty_tier_card:contains('Every order earns 1.50 times the points.')",
        },
        {
            content: "what Gold takes: 1,000 less the 290 spent",
            trigger: ".o_loyalty_tier_next:contains('710.00 more before'):contains('to reach Gold.')",
        },
        { content: "the balance", trigger: ".o_loyalty_available:contains('150 Stars')" },
        {
            content: "150 Stars no longer pay for the reward",
            trigger: ".o_loyalty_next_reward:contains('Earn 50 Stars more for:'):contains('10 on your order')",
        },
        assertCount(".o_loyalty_history tbody tr", 4, "one history line per order and kind"),
        {
            content: "newest first: the points of the last order, x1.5 in Silver",
            trigger: ".o_loyalty_history tbody tr:eq(0):contains('Earned'):contains('+150 Stars')",
        },
        {
            content: "the reward it paid for",
            trigger: ".o_loyalty_history tbody tr:eq(1):contains('Spent'):contains('-200 Stars')",
        },
        {
            content: "the two orders before",
            trigger: ".o_loyalty_history tbody tr:eq(3):contains('Earned'):contains('+100 Stars')",
        },
    ],
});
