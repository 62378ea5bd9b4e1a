{
    "name": "E-commerce Loyalty Tiers and Points Ledger",
    "summary": "Loyalty tiers with multipliers, a points ledger with pending "
    "points, expiry, reversal on returns, safe redemption and a portal page",
    "version": "18.0.1.0.12",
    "category": "Sales/Sales",
    "author": "CRM E-commerce Team",
    "website": "https://github.com/crm-ecommerce/crm-ecommerce",
    "license": "LGPL-3",
    "depends": ["sale_loyalty", "crm_fulfillment"],
    "data": [
        "security/crm_loyalty_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/loyalty_ledger_views.xml",
        "views/loyalty_program_views.xml",
        "views/loyalty_card_views.xml",
        "views/res_partner_views.xml",
        "views/sale_return_views.xml",
        "wizards/loyalty_ledger_adjust_views.xml",
        "wizards/loyalty_card_transfer_views.xml",
        "views/portal_templates.xml",
        "views/sale_return_portal_templates.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/loyalty_program_demo.xml",
    ],
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_tests": [
            "crm_loyalty/static/tests/tours/*.js",
        ],
    },
}
