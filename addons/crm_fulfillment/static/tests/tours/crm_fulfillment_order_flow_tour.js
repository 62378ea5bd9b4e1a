/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A salesperson with warehouse rights takes a quotation to delivered
 * (tests/test_tours.py creates the quotation S-TOUR-FLOW and opens it):
 * Quotation -> Ready -> Shipped -> Delivered, each shown on the order's
 * Fulfilment tab, then the stage history.
 */

// The quotation's name, given by the test.
const ORDER = "S-TOUR-FLOW";
const STAGE = ".o_field_widget[name=fulfillment_stage_id]";
const EVENTS = ".o_field_widget[name=fulfillment_event_ids]";

function currentStatus(label) {
    return {
        content: `The status bar shows "${label}"`,
        trigger: `.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("${label}")`,
    };
}

function openFulfilmentTab() {
    return {
        content: "Open the Fulfilment tab",
        trigger: ".o_notebook .nav-link[name=fulfillment]",
        run: "click",
    };
}

/**
 * The stage history as the user reads it, newest first: [from, to] per row,
 * and no other row.
 */
function checkHistory(expected) {
    return {
        content: `The history lists ${expected.length} stage changes`,
        trigger: `${EVENTS} tr.o_data_row:eq(${expected.length - 1}) td[name=label]`,
        run() {
            const rows = [...document.querySelectorAll(`${EVENTS} tr.o_data_row`)].map((row) =>
                ["from_stage_id", "label"].map((name) =>
                    row.querySelector(`td[name=${name}]`).textContent.trim()
                )
            );
            const shown = JSON.stringify(rows);
            if (shown !== JSON.stringify(expected)) {
                throw new Error(`History: expected ${JSON.stringify(expected)}, shown ${shown}`);
            }
        },
    };
}

registry.category("web_tour.tours").add("crm_fulfillment_order_flow", {
    steps: () => [
        // The quotation
        {
            content: "The quotation is open",
            trigger: `.o_form_view .o_breadcrumb:contains("${ORDER}")`,
        },
        currentStatus("Quotation"),
        {
            content: "No Fulfilment tab before confirmation",
            trigger: ".o_notebook:not(:has(.nav-link[name=fulfillment]))",
        },
        {
            content: "Mark as Delivered is not offered on a quotation",
            trigger: ".o_statusbar_buttons:not(:has(button[name=action_fulfillment_mark_delivered]))",
        },
        {
            content: "Confirm the quotation",
            trigger: ".o_statusbar_buttons button[name=action_confirm]:enabled",
            run: "click",
        },
        currentStatus("Sales Order"),
        // Confirmed: the goods are reserved, the order is ready to ship
        openFulfilmentTab(),
        {
            content: "The order is ready to ship",
            trigger: `${STAGE}:contains("Ready")`,
        },
        {
            content: "Nothing shipped yet",
            trigger: ".o_field_widget[name=fulfillment_delivered_percent] .o_progress[aria-valuenow='0']",
        },
        {
            content: "Mark as Delivered waits for shipping",
            trigger: ".o_statusbar_buttons:not(:has(button[name=action_fulfillment_mark_delivered]))",
        },
        // The delivery
        {
            content: "Open the delivery",
            trigger: ".oe_stat_button[name=action_view_delivery]:contains('Delivery')",
            run: "click",
        },
        {
            content: "The delivery is ready",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Ready')",
        },
        {
            content: "The delivery comes from the order",
            trigger: `.o_form_view .o_field_widget[name=origin] input:value("${ORDER}")`,
        },
        {
            content: "Validate the delivery",
            trigger: ".o_statusbar_buttons button[name=button_validate]:enabled",
            run: "click",
        },
        currentStatus("Done"),
        {
            content: "Back to the order",
            trigger: `.o_breadcrumb .breadcrumb-item:not(.active) a:contains("${ORDER}")`,
            run: "click",
        },
        // Shipped
        currentStatus("Sales Order"),
        openFulfilmentTab(),
        {
            content: "The order is shipped",
            trigger: `${STAGE}:contains("Shipped")`,
        },
        {
            content: "All the goods left the warehouse",
            trigger: ".o_field_widget[name=fulfillment_delivered_percent] .o_progress[aria-valuenow='100']",
        },
        {
            content: "The shipping date is filled",
            trigger: ".o_field_widget[name=fulfillment_shipped_date]:not(:empty)",
        },
        {
            content: "A delivered order can be returned",
            trigger: ".o_statusbar_buttons button[name=action_create_return]",
        },
        // Delivered
        {
            content: "Mark the order as delivered",
            trigger: ".o_statusbar_buttons button[name=action_fulfillment_mark_delivered]:enabled",
            run: "click",
        },
        {
            content: "The dialog asks when it was delivered",
            trigger: ".modal .modal-title:contains('Mark as Delivered')",
        },
        {
            content: "The dialog lists the order",
            trigger: `.modal .o_field_widget[name=order_ids] .o_tag:contains("${ORDER}")`,
        },
        {
            content: "Confirm the delivery",
            trigger: ".modal .modal-footer button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        openFulfilmentTab(),
        {
            content: "The order is delivered",
            trigger: `${STAGE}:contains("Delivered")`,
        },
        {
            content: "The delivery date is filled",
            trigger: ".o_field_widget[name=fulfillment_delivered_date]:not(:empty)",
        },
        {
            content: "Mark as Delivered is gone",
            trigger:
                ".o_statusbar_buttons:not(:has(button[name=action_fulfillment_mark_delivered]))",
        },
        // The history, newest first
        checkHistory([
            ["Shipped", "Delivered"],
            ["Ready", "Shipped"],
            ["Quotation", "Ready"],
            ["", "Quotation"],
        ]),
    ],
});
