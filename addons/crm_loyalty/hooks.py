def post_init_hook(env):
    """Open the ledger of existing loyalty cards with their current balance,
    so that the invariant (card points = sum of available entries) holds
    from the start."""
    cards = env["loyalty.card"].search(
        [("program_id.program_type", "=", "loyalty"), ("points", "!=", 0)]
    )
    # sudo: the install hook's environment already is the superuser's; the
    # opening balances are the ledger's own entries.
    env["loyalty.ledger"].sudo().create(
        [
            {
                "card_id": card.id,
                "kind": "adjust",
                "points": card.points,
                "reason": env._("Opening balance when the ledger was installed"),
            }
            for card in cards
        ]
    )
