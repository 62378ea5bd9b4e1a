def post_init_hook(env):
    """Give existing orders their stage, shipped date and a history rebuilt
    from their documents' dates: no email, activity or late flag for what
    happened before the install (see sale.order._fulfillment_rebuild_history).

    Orders that already have a history keep it: those the addon's own demo
    data made, loaded just before this hook, lived their stages with the
    addon, and a rebuilt history would repeat every stage change and move
    them back to the stage their documents alone say."""
    env["sale.order"]._fulfillment_rebuild_history(only_without_events=True, keep_stage=False)
