{
    "name": "E-commerce Fulfilment and Returns",
    "summary": "Fulfilment stages with history, SLA and lateness, customer "
    "notifications, and returns (RMA) with refunds, exchanges and store credit",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "author": "CRM E-commerce Team",
    "website": "https://github.com/crm-ecommerce/crm-ecommerce",
    "license": "LGPL-3",
    "depends": ["sale_management", "sale_stock", "portal"],
    "data": [
        "security/crm_fulfillment_security.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/sale_order_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_fulfillment/static/tests/tours/*.js",
        ],
    },
}
