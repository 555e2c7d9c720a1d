"""Looking after the shop folder (PRODUCT §2, §13): init, doctor, backup and purge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .. import columns as K
from ..errors import ConfigError, UsageError
from ..result import Result
from .shop import Shop

INIT_COLUMNS = [K.Column("file", "文件", "File"), K.Column("action", "操作", "Action", labels="file_action")]
DOCTOR_COLUMNS = [
    K.Column("check", "检查项", "Check"),
    K.Column("status", "状态", "Status", labels="check_status"),
    K.Column("detail", "说明", "Detail"),
    K.Column("source", "来源", "Source"),
]
BACKUP_COLUMNS = [
    K.Column("file", "备份文件", "File"),
    K.Column("source", "数据库", "Database"),
    K.Column("bytes", "字节数", "Bytes", K.INT),
    K.Column("orders", "订单数", "Orders", K.INT),
    K.Column("integrity", "完整性", "Integrity"),
    K.Column("mode", "权限", "Mode"),
]
PURGE_COLUMNS = [
    K.Column("table", "数据表", "Table"),
    K.Column("rows", "行数", "Rows", K.INT),
    K.Column("action", "处理", "Action"),
]
PURGE_ACTIONS = {
    "orders": "收货人、电话、详细地址、买家会员名清空；留言与备注中的个人信息打码；extra 清空",
    "order_history": "地址、收货人、电话的变更记录清空（状态变更保留）",
    "shipments": "收货人、手机清空",
    "messages": "手机号、买家、模板参数清空；短信正文打码",
    "notes": "备注日志正文中的个人信息打码",
    "reviews": "买家昵称清空；评价正文中的个人信息打码",
    "merge_groups": "买家会员名清空",
    "order_items": "行备注打码；extra 清空",
    "members": "会员列表的收货人、手机、地址清空（同意营销凭证保留）",
    "refunds": "买家会员名清空；退货/发货物流信息与备注中的个人信息打码",
    "parcels": "最新轨迹中的个人信息打码",
    "parcel_events": "物流轨迹中的个人信息（签收人、电话）打码",
}


def init(folder: Path, *, force: bool = False, shop_name: str | None = None,
         ask: Callable[[str, str | None], str] | None = None) -> tuple[Result, Shop]:
    """A shop folder: shoptool.toml with every default (commented) and an owner-only database.
    The shop's name (used in texts and as the SMS sign) is `shop_name`, else the 店铺名称 of the
    orders already imported there when they agree, else `ask(question, suggestion)` when a person
    is at the terminal, else the example, with a warning. Returns the result and the new shop
    (open: the caller closes it)."""
    from ..config import CONFIG_NAME, render_toml
    from ..db.shop import shop_names_at
    from ..settings_defaults import default

    folder.mkdir(parents=True, exist_ok=True)
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise UsageError(f"{config} already exists", hint="pass --force to overwrite it with the defaults")
    action = "overwritten" if config.exists() else "created"
    example = default("shop.name")
    found = shop_names_at(folder / default("db")) or {}
    name, source = (shop_name or "").strip(), "--shop-name"
    if not name and len(found) == 1:
        name, source = next(iter(found)), "店铺名称 of the imported orders"
    if not name and ask is not None:
        name, source = ask("店铺名称 (used in texts and as the SMS sign)", next(iter(found), None)).strip(), "asked"
    notes = []
    if name:
        values = {"shop.name": name, "sms.sign_name": name}
        notes.append(("info", f"shop.name and sms.sign_name: {name} ({source})"))
    else:
        values = {}
        several = f"; the imported orders name {len(found)} shops: {', '.join(found)}" if len(found) > 1 else ""
        notes.append(("warning", f"shop.name and sms.sign_name are the example {example}: texts would go out signed "
                                 f"with it{several}. Run `shoptool init --force --shop-name NAME` or edit {config}"))
    config.write_text(render_toml(values), encoding="utf-8")
    rows = [{"file": str(config), "action": action}]
    shop = Shop(config=config)
    existed = shop.settings.db_path.exists()
    _ = shop.db  # opening creates it owner-only and runs the migrations
    rows.append({"file": str(shop.settings.db_path), "action": "kept" if existed else "created"})
    result = Result("init", INIT_COLUMNS, rows, {"created": sum(r["action"] == "created" for r in rows),
                                                 "shop_name": name or example},
                    title="初始化", summary_line=f"shop folder ready: {folder.resolve()}",
                    generated_at=shop.iso(shop.now()), notes=notes)
    return result, shop


def doctor(*, config: Path | None = None, db: Path | None = None, now: str | None = None,
           quick: bool = False) -> Result:
    """Every check of the setup, one row each; never creates or migrates the database. A settings
    error is a finding (a row), not a failure of the check."""
    import os
    import sqlite3

    from .. import __version__, clock
    from .. import doctor as D
    from ..config import load_settings
    from ..db.maintenance import facts
    from ..db.shop import shop_names_at

    versions = D.versions(__version__, sqlite3.sqlite_version, _version_of("sqlite-utils"))
    try:
        settings = load_settings(config, db)
    except ConfigError as exc:
        return _doctor_result([versions, D.check("config", D.ERROR, exc.message)],
                              clock.to_iso(datetime.now().astimezone(), None))
    shop = Shop(settings=settings, now=now)
    shop_now = shop.now()
    cut = shop.iso(shop_now - settings.duration("privacy.retention"))
    rows = D.checks(settings, versions=versions, env=os.environ, shop_now=shop_now,
                    machine_now=datetime.now().astimezone(),
                    db_facts=facts(settings.db_path, quick=quick, retention_cut=cut),
                    held=D.lock_state(settings.db_path), shop_names=shop_names_at(settings.db_path))
    return _doctor_result(rows, shop.iso(shop_now))


def _doctor_result(rows: list[dict], generated_at: str) -> Result:
    from .. import doctor as D

    counts = D.summary(rows)
    line = f"doctor: {counts['ok']} ok, {counts['warning']} warning(s), {counts['error']} error(s)"
    return Result("doctor", DOCTOR_COLUMNS, rows, counts, exit_code=D.exit_code(rows), title="设置检查",
                  summary_line=line, table_keys=("check", "status", "detail"), generated_at=generated_at)


def _version_of(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def backup(shop: Shop, file: Path, *, force: bool = False) -> Result:
    """A consistent, owner-only copy of the shop database, audited; the source is never migrated."""
    from ..db.connect import open_db
    from ..db.maintenance import backup as copy

    at = shop.iso(shop.now())
    source = open_db(shop.settings.db_path, create=False, migrate=False)
    try:
        row = copy(source, file, force=force, audit_at=at, staff=shop.operator())
    finally:
        source.close()
    return Result("backup", BACKUP_COLUMNS, [row], {"backed_up": 1, "bytes": row["bytes"]},
                  summary_line=f"backup: {row['file']} ({row['bytes']} bytes, integrity ok, mode {row['mode']})",
                  generated_at=at)


def purge_cut(shop: Shop, older_than: str | None) -> tuple[str, str]:
    """(the text of the retention, the ISO cut) for `purge --older-than`."""
    from .. import clock, purge

    text = older_than or shop.settings["privacy.retention"]
    try:
        cut = purge.cut_before(shop.now(), clock.parse_duration(text))
    except ValueError as exc:
        raise UsageError(f"--older-than: {exc}") from None
    return text, shop.iso(cut)


def purge_count(shop: Shop, older_than: str | None = None, staff: str | None = None) -> int:
    """How many finished orders a purge would anonymise (for asking a person first)."""
    from ..db.purge import purge as run_purge

    text, cut = purge_cut(shop, older_than)
    preview = run_purge(shop.db, apply=False, cut_iso=cut, at=shop.iso(shop.now()), staff=shop.operator(staff),
                        older_than=text)
    return sum(preview["by_status"].values())


def purge(shop: Shop, *, older_than: str | None = None, dry_run: bool = False, staff: str | None = None) -> Result:
    """Anonymise buyers' data of finished orders older than the retention, audited (PRODUCT §13)."""
    from ..db.purge import purge as run_purge

    text, cut = purge_cut(shop, older_than)
    at = shop.iso(shop.now())
    found = run_purge(shop.db, apply=not dry_run, cut_iso=cut, at=at, staff=shop.operator(staff), older_than=text)
    counts = found["rows"]
    rows = [{"table": table, "rows": counts[table], "action": action} for table, action in PURGE_ACTIONS.items()
            if table in counts]
    orders = sum(found["by_status"].values())
    wipe = found["wipe"] or {}
    summary = {"dry_run": dry_run, "cut": cut, "older_than": text, "orders": orders,
               "by_status": found["by_status"], "vacuumed": bool(wipe.get("vacuumed")),
               "wal_truncated": wipe.get("wal_truncated")}
    verb = "would anonymise" if dry_run else "anonymised"
    result = Result("purge", PURGE_COLUMNS, rows, summary, title="个人信息清理",
                    summary_line=f"purge: {verb} {orders} finished orders last active before {cut}", generated_at=at)
    if wipe and not wipe.get("wal_truncated"):
        result.warn("another process is reading the database, so its WAL file (shoptool.db-wal) could not be "
                    "emptied yet; run `shoptool purge --yes` again when it is done")
    return result
