{
    "name": "E-commerce Fulfilment and Returns",
    "summary": "Fulfilment stages with history, SLA and lateness, customer "
    "notifications, and returns (RMA) with refunds, exchanges and store credit",
    "version": "18.0.1.0.3",
    "category": "Sales/Sales",
    "author": "CRM E-commerce Team",
    "website": "https://github.com/crm-ecommerce/crm-ecommerce",
    "license": "LGPL-3",
    "depends": ["sale_management", "sale_stock", "portal"],
    "data": [
        "security/crm_fulfillment_security.xml",
        "security/ir.model.access.csv",
        "data/sale_fulfillment_stage_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "data/sale_return_data.xml",
        "report/sale_return_report.xml",
        "views/sale_fulfillment_stage_views.xml",
        "views/sale_fulfillment_event_views.xml",
        "views/sale_order_views.xml",
        "views/sale_return_views.xml",
        "views/res_config_settings_views.xml",
        "views/sale_portal_templates.xml",
        "views/sale_return_portal_templates.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/sale_order_demo.xml",
    ],
    "post_init_hook": "post_init_hook",
    "assets": {
        "web.assets_tests": [
            "crm_fulfillment/static/tests/tours/*.js",
        ],
    },
}
