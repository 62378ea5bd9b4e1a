/** @odoo-module **/

import { registry } from "@web/core/registry";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { listView } from "@web/views/list/list_view";
import { ListRenderer } from "@web/views/list/list_renderer";
import { InsightsDashboard } from "./insights_dashboard";

export class InsightsListRenderer extends ListRenderer {
    static template = "crm_ecommerce.InsightsListRenderer";
    static components = { ...ListRenderer.components, InsightsDashboard };
}

export class InsightsKanbanRenderer extends KanbanRenderer {
    static template = "crm_ecommerce.InsightsKanbanRenderer";
    static components = { ...KanbanRenderer.components, InsightsDashboard };
}

registry.category("views").add("crm_insights_list", { ...listView, Renderer: InsightsListRenderer });
registry
    .category("views")
    .add("crm_insights_kanban", { ...kanbanView, Renderer: InsightsKanbanRenderer });
