/** @odoo-module **/

import { registry } from "@web/core/registry";
import { parseDate } from "@web/core/l10n/dates";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The data comes from addons/crm_ecommerce/tests/test_tours.py: five
// customers scored from their orders (Tour Champion: 5 orders of 100, the
// last 5 days ago), a newcomer scored by a first order of 150 with a second
// order of 400 since, and an opportunity with an email, a phone number and
// 5,000 expected.
const FACTORS = ".o_field_widget[name=score_factor_ids]";

/** The exact text of a field of the form. */
function field(name, text, content) {
    return { content, trigger: `.o_form_view .o_field_widget[name=${name}]:contains(/^${text}$/)` };
}

/** Row ``index`` of the breakdown ``list``: its sentence and its points. */
function factor(list, index, sentence, points) {
    return {
        content: `why: "${sentence}", ${points} points`,
        trigger: `${list} .o_data_row:eq(${index}):has(td[name=name]:contains("${sentence}")):has(td[name=points]:contains(/^${points}$/))`,
    };
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

/** The customer's card in the column of ``segment``, with ``score``. */
function inColumn(segment, customer, score) {
    return {
        content: `${customer} is in the ${segment} column, with a score of ${score}`,
        trigger: `.o_kanban_group:has(.o_column_title:contains("${segment}")) .o_kanban_record:contains("${customer}") .badge:contains(/^${score}$/)`,
    };
}

function openInsights() {
    return [
        {
            trigger: '.o_main_navbar [data-menu-xmlid="crm_ecommerce.menu_customer_intelligence"]',
            run: "click",
        },
        {
            trigger: '.o-dropdown-item[data-menu-xmlid="crm_ecommerce.menu_customer_insights"]',
            run: "click",
        },
        { trigger: ".o_breadcrumb:contains('Customer Insights')" },
    ];
}

function openCustomer(name) {
    return [
        { trigger: `.o_kanban_record:contains("${name}")`, run: "click" },
        { trigger: `.o_breadcrumb .active:contains("${name}")` },
        { trigger: "a.nav-link[name=customer_intelligence]", run: "click" },
    ];
}

registry.category("web_tour.tours").add("crm_ecommerce_customer_score", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open CRM"),

        // A lead's score at a glance, then why.
        {
            content: "the pipeline card shows the lead's score",
            trigger: ".o_kanban_record:contains('Tour Big Deal') .o_lead_score_badge:contains('Score 80')",
        },
        { trigger: ".o_kanban_record:contains('Tour Big Deal')", run: "click" },
        {
            content: "the form shows the score badge, red for a hot lead",
            trigger: ".o_form_view .o_lead_score_badge.text-bg-danger:contains('Score 80')",
        },
        { trigger: "a.nav-link[name=crm_score]", run: "click" },
        field("lead_score_band", "Hot", "the band is Hot"),
        assertCount(`${FACTORS} .o_data_row`, 4, "four reasons"),
        factor(FACTORS, 0, "Tour: left an email", 20),
        factor(FACTORS, 1, "Tour: left a phone number", 20),
        factor(FACTORS, 2, "Tour: expected revenue over 1,000", 50),
        factor(FACTORS, 3, "Tour contact details: capped at 30", -10),
        {
            content: "the reasons add up to the score",
            trigger: `${FACTORS} tfoot:contains(/^\\s*80\\s*$/)`,
        },

        // The customers by segment.
        ...openInsights(),
        inColumn("Champions", "Tour Champion", 80),
        inColumn("Champions", "Tour Regular", 60),
        inColumn("Needs attention", "Tour Fading", 40),
        inColumn("Hibernating", "Tour Sleeper", 20),
        {
            content: "Odoo opens the first 10 columns: the 11th, Lost, is folded; open it",
            trigger: '.o_kanban_group.o_column_folded:has(.o_column_title:contains("Lost"))',
            run: "click",
        },
        inColumn("Lost", "Tour Lost", 0),
        inColumn("Potential loyalist", "Tour Newcomer", 50),

        // Why Tour Champion scores 80.
        ...openCustomer("Tour Champion"),
        field("rfm_segment", "Champions", "the segment"),
        field("customer_score", "80", "the score"),
        field("rfm_recency_score", "5", "recency 5/5"),
        field("rfm_frequency_score", "5", "frequency 5/5"),
        field("rfm_monetary_score", "5", "monetary 5/5"),
        field("rfm_recency_days", "5", "the last order was 5 days ago"),
        field("rfm_frequency", "5", "5 orders in the window"),
        assertCount(`${FACTORS} .o_data_row`, 3, "three reasons"),
        {
            content: "why: the recency line names the day of the last order",
            trigger: `${FACTORS} .o_data_row:eq(0) td[name=points]:contains(/^32$/)`,
            run() {
                const shown = document
                    .querySelector(".o_field_widget[name=rfm_last_order_date]")
                    .textContent.trim();
                const expected = `Recency 5/5: last order on ${parseDate(shown).toISODate()}`;
                const line = document
                    .querySelector(`${FACTORS} .o_data_row td[name=name]`)
                    .textContent.trim();
                if (line !== expected) {
                    throw new Error(`expected "${expected}", found "${line}"`);
                }
            },
        },
        factor(FACTORS, 1, "Frequency 5/5: 5 orders in the window", 24),
        factor(FACTORS, 2, "Monetary 5/5: 500.00 $ net revenue", 24),
        {
            content: "the reasons add up to the score",
            trigger: `${FACTORS} tfoot:contains(/^\\s*80\\s*$/)`,
        },

        // The newcomer: scored by their first order; Compute counts the second.
        { trigger: ".o_breadcrumb a:contains('Customer Insights')", run: "click" },
        ...openCustomer("Tour Newcomer"),
        field("customer_score", "50", "the score of the first order"),
        factor(FACTORS, 1, "Frequency 2/5: 1 order in the window", 6),
        factor(FACTORS, 2, "Monetary 3/5: 150.00 $ net revenue", 12),
        {
            content: "compute the newcomer's score now",
            trigger: "button[name=action_crm_compute_customer]",
            run: "click",
        },
        field("customer_score", "62", "the score counts both orders"),
        field("rfm_frequency", "2", "2 orders in the window"),
        field("rfm_segment", "Potential loyalist", "the segment"),
        assertCount(`${FACTORS} .o_data_row`, 3, "three reasons"),
        factor(FACTORS, 0, "Recency 5/5: last order on ", 32),
        factor(FACTORS, 1, "Frequency 2/5: 2 orders in the window", 6),
        factor(FACTORS, 2, "Monetary 5/5: 550.00 $ net revenue", 24),
        {
            content: "the reasons add up to the new score",
            trigger: `${FACTORS} tfoot:contains(/^\\s*62\\s*$/)`,
        },
        { trigger: ".o_breadcrumb a:contains('Customer Insights')", run: "click" },
        inColumn("Potential loyalist", "Tour Newcomer", 62),
    ],
});
