/** @odoo-module **/

import { Component, onWillStart } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { formatMonetary } from "@web/views/fields/formatters";

/**
 * The figures above the Customer Insights views: the predicted 12-month
 * value of the company's customers and the value at risk (that of the
 * customers below the churn threshold), or why there are no predictions.
 */
export class InsightsDashboard extends Component {
    static template = "crm_ecommerce.InsightsDashboard";
    static props = {};

    setup() {
        this.orm = useService("orm");
        onWillStart(async () => {
            this.data = await this.orm.call("res.partner", "retrieve_clv_dashboard", []);
        });
    }

    money(value) {
        return formatMonetary(value, { currencyId: this.data.currency_id });
    }

    showAtRisk() {
        this.env.searchModel.splitAndAddDomain(this.data.risk_domain);
    }
}
