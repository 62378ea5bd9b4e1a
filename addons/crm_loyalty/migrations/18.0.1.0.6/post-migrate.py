def migrate(cr, version):
    """Store credit written before 18.0.1.0.6 names its return only in the
    entry's reason ("Store credit for return RMA/0001", in the language of
    whoever resolved it): link each such entry to its return, so that the
    return shows the credit it gave. One statement; the entries' reasons
    and points stay as they are."""
    if not version:
        return
    cr.execute(
        """
        UPDATE loyalty_ledger l
           SET sale_return_id = r.id
          FROM sale_return r
         WHERE l.sale_return_id IS NULL
           AND l.kind = 'adjust'
           AND l.order_id = r.order_id
           AND right(l.reason, length(r.name) + 1) = ' ' || r.name
           AND EXISTS (SELECT 1 FROM sale_return_line rl
                        WHERE rl.return_id = r.id AND rl.resolution = 'credit')
        """
    )
