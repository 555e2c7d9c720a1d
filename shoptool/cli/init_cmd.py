"""`shoptool init`: a shop folder with a commented shoptool.toml and an owner-only database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import columns as K
from ..config import CONFIG_NAME, render_toml
from ..errors import UsageError
from ..output import Result
from .app import app
from .options import FormatOpt, Shop, finish, options

COLUMNS = [K.Column("file", "文件", "File"), K.Column("action", "操作", "Action")]


@app.command("init")
def init_command(
    folder: Annotated[Path, typer.Argument(help="The shop folder to set up.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing shoptool.toml.")] = False,
    fmt: FormatOpt = "auto",
) -> None:
    """Set up a shop folder: shoptool.toml with every default (commented) and shoptool.db."""
    opts = options(fmt)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / CONFIG_NAME
    rows = []
    if config.exists() and not force:
        raise UsageError(f"{config} already exists", hint="pass --force to overwrite it with the defaults")
    action = "overwritten" if config.exists() else "created"
    config.write_text(render_toml(), encoding="utf-8")
    rows.append({"file": str(config), "action": action})
    shop = Shop(config=config)
    existed = shop.settings.db_path.exists()
    shop.db  # creates it owner-only and runs the migrations
    rows.append({"file": str(shop.settings.db_path), "action": "kept" if existed else "created"})
    finish(Result("init", COLUMNS, rows, {"created": sum(r["action"] == "created" for r in rows)},
                  summary_line=f"shop folder ready: {folder.resolve()}"), opts, shop)
