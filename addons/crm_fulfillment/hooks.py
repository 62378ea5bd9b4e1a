BATCH = 1000


def post_init_hook(env):
    """Give existing orders their current stage, without history or emails:
    the history starts with the first change after installation."""
    orders = env["sale.order"].with_context(fulfillment_no_event=True, fulfillment_no_notify=True)
    ids = orders.search([], order="id").ids
    for start in range(0, len(ids), BATCH):
        batch = orders.browse(ids[start : start + BATCH])
        batch._fulfillment_sync()
        batch.invalidate_recordset()
        env.flush_all()
