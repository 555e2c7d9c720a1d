"""The use cases: one module per job, each a shop (settings, database, clock) and inputs in and a
`result.Result` out. Every face calls these: the command line (cli/), `daily`, and any Python
caller. No Typer and no printing here; what a person should read beside the rows is in
`Result.notes`.

    from shoptool.jobs import Shop, stock_check

    with Shop(db="shop/shoptool.db", now="2026-11-21 10:00") as shop:
        result = stock_check.run(shop)
    print(result.exit_code, result.summary)
"""

from .shop import Shop

__all__ = ["Shop"]
