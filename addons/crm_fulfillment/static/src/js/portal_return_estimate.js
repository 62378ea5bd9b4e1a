/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * The portal's return form: the refund a customer can expect, updated as
 * they choose quantities and a reason. The same rule as the server's
 * (tools/returns.py refund_split): the fee is the reason's percentage of what
 * was paid, taxes included, and an exchange has none.
 */
publicWidget.registry.CrmReturnEstimate = publicWidget.Widget.extend({
    selector: "form.o_return_form",
    events: {
        "input .o_return_qty": "_update",
        "change #reason_id": "_update",
        "change #resolution": "_update",
    },

    start() {
        this._update();
        return this._super(...arguments);
    },

    _format(amount) {
        const data = this.el.dataset;
        const digits = parseInt(data.currencyDigits || "2", 10);
        const text = amount.toFixed(digits);
        return data.currencyPosition === "before"
            ? `${data.currencySymbol}\u00a0${text}`
            : `${text}\u00a0${data.currencySymbol}`;
    },

    _update() {
        let gross = 0;
        for (const input of this.el.querySelectorAll(".o_return_qty")) {
            const qty = parseFloat(input.value) || 0;
            // A quantity the form refuses to send (more than can be
            // returned) estimates nothing.
            if (qty > 0 && input.checkValidity()) {
                gross += qty * (parseFloat(input.dataset.unitPrice) || 0);
            }
        }
        const reason = this.el.querySelector("#reason_id");
        const option = reason && reason.selectedOptions[0];
        const resolution = this.el.querySelector("#resolution");
        const exchange = resolution && resolution.value === "exchange";
        const percent = exchange ? 0 : parseFloat((option && option.dataset.feePercent) || "0") || 0;
        const fee = Math.round(gross * percent) / 100;
        const box = this.el.querySelector(".o_return_estimate");
        box.classList.toggle("d-none", gross <= 0 || exchange);
        box.querySelector(".o_return_estimate_net").textContent = this._format(gross - fee);
        box.querySelector(".o_return_estimate_gross").textContent = this._format(gross);
        box.querySelector(".o_return_estimate_fee").textContent = this._format(fee);
        box.querySelector(".o_return_estimate_fee_text").classList.toggle("d-none", fee <= 0);
    },
});

export default publicWidget.registry.CrmReturnEstimate;
