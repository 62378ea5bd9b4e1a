{
    "name": "E-commerce Customer Intelligence",
    "summary": "RFM segments, explainable customer and lead scores, "
    "cross-sell suggestions, churn and win-back, marketing consent, targeted campaigns",
    "version": "18.0.1.4.1",
    "category": "Sales/CRM",
    "author": "CRM E-commerce Team",
    "website": "https://github.com/crm-ecommerce/crm-ecommerce",
    "license": "LGPL-3",
    "depends": ["sale_crm", "portal", "mass_mailing_sale", "sale_loyalty"],
    "data": [
        "security/crm_ecommerce_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/crm_scoring_rule_data.xml",
        "data/crm_winback_data.xml",
        "data/crm_rfm_segment_data.xml",
        "views/res_partner_views.xml",
        "views/res_partner_clv_views.xml",
        "views/crm_clv_fit_views.xml",
        "views/crm_scoring_rule_views.xml",
        "views/crm_scoring_group_views.xml",
        "views/crm_lead_views.xml",
        "views/sale_order_views.xml",
        "views/crm_campaign_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/sale_order_demo.xml",
        "demo/shop_history_demo.xml",
    ],
    "post_init_hook": "post_init_hook",
    "assets": {
        "web.assets_backend": [
            "crm_ecommerce/static/src/views/*",
        ],
        "web.assets_tests": [
            "crm_ecommerce/static/tests/tours/*.js",
        ],
    },
}
