/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A return from request to refund (tests/test_tours.py builds the data):
 * order S-TOUR-RETURN, 3 Tour Kettles at 40.00 each (no tax), delivered and
 * invoiced; the reason "No longer wanted" keeps a 10% restocking fee.
 * Returning 2 kettles: 80.00 paid, 8.00 fee, 72.00 refunded.
 */

const ORDER = "S-TOUR-RETURN";
const REASON = "No longer wanted";
const PRODUCT = "Tour Kettle";
const ESTIMATE = "form.o_return_form .o_return_estimate";

function currentStatus(label) {
    return {
        content: `The status bar shows "${label}"`,
        trigger: `.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("${label}")`,
    };
}

/**
 * Part A, on the portal as the customer: from the delivered order to a
 * requested return, with the refund estimated as they type.
 */
registry.category("web_tour.tours").add("crm_fulfillment_return_flow_portal", {
    steps: () => [
        {
            content: "The customer reads their order",
            trigger: `#portal_sale_content:contains("${ORDER}")`,
        },
        {
            content: "Request a return",
            trigger: "a.o_request_return:contains('Request a return')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The return form of the order",
            trigger: `h2:contains("Return products of order ${ORDER}")`,
        },
        {
            content: "3 kettles can be returned",
            trigger: `form.o_return_form tr:has(td:contains("${PRODUCT}")) td.o_returnable:contains("3.00")`,
        },
        {
            content: "The refund per unit is what was paid",
            trigger: `form.o_return_form tr:has(td:contains("${PRODUCT}")) td.o_refund_per_unit:contains("40.00")`,
        },
        {
            content: "No estimate before a quantity is entered",
            trigger: `${ESTIMATE}.d-none:not(:visible)`,
        },
        {
            content: "Ask for more kettles than can be returned",
            trigger: `form.o_return_form tr:has(td:contains("${PRODUCT}")) input.o_return_qty`,
            run: "edit 5",
        },
        {
            content: "No estimate for a quantity that can't be sent",
            trigger: `${ESTIMATE}.d-none:not(:visible)`,
        },
        {
            content: "Return 2 kettles",
            trigger: `form.o_return_form tr:has(td:contains("${PRODUCT}")) input.o_return_qty`,
            run: "edit 2",
        },
        {
            content: "Without a reason, the estimate is the full price",
            trigger: `${ESTIMATE} .o_return_estimate_net:contains("80.00")`,
        },
        {
            content: "No fee yet",
            trigger: `${ESTIMATE} .o_return_estimate_fee_text.d-none:not(:visible)`,
        },
        {
            content: "Choose a reason with a restocking fee",
            trigger: "form.o_return_form select#reason_id",
            run: `selectByLabel ${REASON}`,
        },
        {
            content: "The reason says its fee",
            trigger: `form.o_return_form select#reason_id:has(option:selected:contains("${REASON}"):contains("restocking fee: 10%"))`,
        },
        {
            content: "The estimate is the price paid less the fee",
            trigger: `${ESTIMATE} .o_return_estimate_net:contains("72.00")`,
        },
        {
            content: "The estimate explains the fee: paid",
            trigger: `${ESTIMATE} .o_return_estimate_fee_text .o_return_estimate_gross:contains("80.00")`,
        },
        {
            content: "The estimate explains the fee: fee",
            trigger: `${ESTIMATE} .o_return_estimate_fee_text .o_return_estimate_fee:contains("8.00")`,
        },
        {
            content: "An exchange has no fee and no refund",
            trigger: "form.o_return_form select#resolution",
            run: "select exchange",
        },
        {
            content: "The estimate is hidden for an exchange",
            trigger: `${ESTIMATE}.d-none:not(:visible)`,
        },
        {
            content: "Back to a refund",
            trigger: "form.o_return_form select#resolution",
            run: "select refund",
        },
        {
            content: "The estimate is back",
            trigger: `${ESTIMATE}:not(.d-none) .o_return_estimate_net:contains("72.00")`,
        },
        {
            content: "Say why",
            trigger: "form.o_return_form textarea#note",
            run: "edit Not the colour I wanted",
        },
        {
            content: "Request the return",
            trigger: "form.o_return_form button[type=submit]:contains('Request the return')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The return's page",
            trigger: ".o_portal_return h2:contains('Return RET/')",
        },
        {
            content: "The return is requested",
            trigger: ".o_portal_return .badge:contains('Requested')",
        },
        {
            content: "It is a return of the order",
            trigger: `.o_portal_return p strong:contains("${ORDER}")`,
        },
        {
            content: "The return lists the kettles, their quantity and reason",
            trigger: `.o_portal_return tbody tr:has(td:contains("${PRODUCT}")):has(td:contains("2.00")):has(td:contains("${REASON}")):has(td:contains("Refund"))`,
        },
        {
            content: "No return authorization before approval",
            trigger: ".o_portal_return:not(:has(.o_return_pdf))",
        },
        {
            content: "The customer's comment is in the conversation",
            trigger:
                "#chatterRoot:shadow .o-mail-Message-textContent:contains('Not the colour I wanted')",
        },
    ],
});

/**
 * Part B, in the back office as a returns manager: approve, receive the
 * goods, resolve, and find the credit note.
 */
registry.category("web_tour.tours").add("crm_fulfillment_return_flow_backoffice", {
    steps: () => [
        {
            content: "The return is open",
            trigger: ".o_form_view .o_breadcrumb:contains('RET/')",
        },
        currentStatus("Requested"),
        {
            content: "It returns the order",
            trigger: `.o_form_view .o_field_widget[name=order_id]:contains("${ORDER}")`,
        },
        {
            content: "The line: 2 kettles",
            trigger: `.o_field_widget[name=line_ids] tr.o_data_row:has(td[name=order_line_id]:contains("${PRODUCT}")) td[name=quantity]:contains("2.00")`,
        },
        {
            content: "The line's reason",
            trigger: `.o_field_widget[name=line_ids] tr.o_data_row td[name=reason_id]:contains("${REASON}")`,
        },
        {
            content: "The line's gross amount",
            trigger: ".o_field_widget[name=line_ids] tr.o_data_row td[name=amount]:contains('80.00')",
        },
        {
            content: "The line's restocking fee",
            trigger: ".o_field_widget[name=line_ids] tr.o_data_row td[name=fee_amount]:contains('8.00')",
        },
        {
            content: "The line's net refund",
            trigger: ".o_field_widget[name=line_ids] tr.o_data_row td[name=refund_amount]:contains('72.00')",
        },
        {
            content: "No transfer yet",
            trigger: ".o_form_view:not(:has(.oe_stat_button[name=action_view_pickings]))",
        },
        {
            content: "The customer's request is in the chatter",
            trigger: ".o-mail-Message-body:contains('Not the colour I wanted')",
        },
        // Approve
        {
            content: "Approve the return",
            trigger: ".o_statusbar_buttons button[name=action_approve]:enabled",
            run: "click",
        },
        currentStatus("Approved"),
        {
            content: "The return transfer was created",
            trigger: ".oe_stat_button[name=action_view_pickings] .o_stat_value:contains('1')",
        },
        {
            content: "Approve is done; Resolve waits for the goods",
            trigger:
                ".o_statusbar_buttons:not(:has(button[name=action_approve])):not(:has(button[name=action_done]))",
        },
        // Receive
        {
            content: "Receive the goods",
            trigger: ".o_statusbar_buttons button[name=action_receive]:enabled",
            run: "click",
        },
        {
            content: "The return transfer is ready to receive",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Ready')",
        },
        {
            content: "The transfer belongs to the return",
            trigger: ".o_form_view .o_field_widget[name=origin] input:value('RET/')",
        },
        {
            content: "The transfer links back to the return",
            trigger: ".oe_stat_button[name=action_view_sale_return]",
        },
        {
            content: "It brings the kettles back",
            trigger: `.o_field_widget[name=move_ids_without_package] tr.o_data_row:contains("${PRODUCT}")`,
        },
        {
            content: "Validate the receipt",
            trigger: ".o_statusbar_buttons button[name=button_validate]:enabled",
            run: "click",
        },
        currentStatus("Done"),
        {
            content: "Back to the return",
            trigger: ".o_breadcrumb .breadcrumb-item:not(.active) a:contains('RET/')",
            run: "click",
        },
        currentStatus("Received"),
        {
            content: "2 kettles received",
            trigger: ".o_field_widget[name=line_ids] tr.o_data_row td[name=qty_received]:contains('2.00')",
        },
        // Resolve
        {
            content: "Resolve the return",
            trigger: ".o_statusbar_buttons button[name=action_done]:enabled",
            run: "click",
        },
        currentStatus("Done"),
        {
            content: "The line is resolved",
            trigger:
                ".o_field_widget[name=line_ids] tr.o_data_row td[name=resolved] input:checked",
        },
        {
            content: "The chatter links the credit note",
            trigger:
                ".o-mail-Message-body:contains('Resolved:') a[data-oe-model='account.move']",
        },
        {
            content: "One credit note",
            trigger: ".oe_stat_button[name=action_view_credit_notes] .o_stat_value:contains('1')",
        },
        {
            content: "Open the credit note",
            trigger: ".oe_stat_button[name=action_view_credit_notes]",
            run: "click",
        },
        {
            content: "It is a credit note",
            trigger: ".o_form_view .o_field_widget[name=move_type]:contains('Credit Note'), .o_form_view .oe_title:contains('Credit Note')",
        },
        {
            content: "It refunds the kettles",
            trigger: `.o_field_widget[name=invoice_line_ids] tr.o_data_row:has(td[name=product_id]:contains("${PRODUCT}")):has(td[name=quantity]:contains("2.00")) td[name=price_subtotal]:contains("80.00")`,
        },
        {
            content: "It deducts the restocking fee",
            trigger:
                ".o_field_widget[name=invoice_line_ids] tr.o_data_row:has(td[name=product_id] textarea:value('Restocking fee')) td[name=price_subtotal]:contains('-8.00')",
        },
        {
            content: "It pays back 72.00",
            trigger: ".o_field_widget[name=tax_totals]:contains('72.00')",
        },
        {
            content: "Open the credit note's other information",
            trigger: ".o_notebook .nav-link[name=other_info]",
            run: "click",
        },
        {
            content: "It refers to the return",
            trigger:
                ".o_form_view .o_field_widget[name=ref] input:value('Return RET/'), .o_form_view .o_field_widget[name=ref]:contains('Return RET/')",
        },
    ],
});
