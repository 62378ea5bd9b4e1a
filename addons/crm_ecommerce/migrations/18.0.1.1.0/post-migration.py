def migrate(cr, version):
    """Scoring rules saved before a domain was read with its author's
    rights: read them with the rights of whoever saved them last (the
    superuser for rules loaded from data files)."""
    cr.execute(
        "UPDATE crm_scoring_rule SET domain_user_id = COALESCE(write_uid, create_uid)"
        " WHERE domain_user_id IS NULL"
    )
