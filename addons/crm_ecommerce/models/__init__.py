from . import (
    crm_customer_score_snapshot,
    crm_lead_scoring,
    crm_product_affinity,
    crm_score_factor,
    crm_scoring_group,
    crm_scoring_rule,
    res_company,
    res_config_settings,
    res_partner_consent,
    res_partner_rfm,
    res_partner_winback,
    sale_order_suggestion,
)
