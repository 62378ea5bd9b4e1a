def post_init_hook(env):
    """Give existing orders their stage, shipped date and a history rebuilt
    from their documents' dates: no email, activity or late flag for what
    happened before the install (see sale.order._fulfillment_rebuild_history)."""
    env["sale.order"]._fulfillment_rebuild_history()
