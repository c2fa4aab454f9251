"""`crm customer|contact duplicates` and `crm customer|contact merge`: one record per real thing.

Registered on the `customer` and `contact` groups by crmcli/cli/app.py. In a
terminal, `duplicates` offers to walk the pairs (merge / skip / not duplicates);
"not duplicates" is remembered so the pair is not offered again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from crmcli import render
from crmcli.cli.options import Json, Limit, Yes
from crmcli.cli.session import Session, confirm, session

DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what the merge would do; change nothing.")]
Take = Annotated[list[str] | None, typer.Option(
    "--take", metavar="FIELD",
    help="Where both records differ, take OTHER's value of this field (repeatable), e.g. --take tier.")]

KINDS = {"customer": "customers", "contact": "contacts"}
DEFAULT_SHOWN = 20  # groups in a table unless --limit says otherwise


# -- duplicates --------------------------------------------------------------
def _porcelain(groups: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [{"score": g["score"], "ids": g["ids"], KINDS[kind]: g["records"],
             "pairs": [{"a": p["a"], "b": p["b"], "score": p["score"], "reasons": p["reasons"]}
                       for p in g["pairs"]]}
            for g in groups]


def _show_groups(groups: list[dict[str, Any]], kind: str) -> None:
    columns = ([("id", "ID"), ("name", "Name"), ("city", "City"), ("phone", "Phone"), ("email", "Email"),
                ("stage", "Stage"), ("last_contact", "Last contact")] if kind == "customer" else
               [("id", "ID"), ("name", "Name"), ("customer", "Customer"), ("role", "Role"),
                ("phone", "Phone"), ("email", "Email"), ("last_contact", "Last contact")])
    for n, g in enumerate(groups, 1):
        render.table(g["records"], columns, title=f"Group {n} (score {g['score']:.2f})")
        for p in g["pairs"]:
            render.line(f"  #{p['a']} ~ #{p['b']}  {p['score']:.2f}  {', '.join(p['reasons'])}")
        render.line()


def _list(ctx: typer.Context, kind: str, json_: bool, limit: int | None) -> None:
    s = session(ctx)
    from crmcli.store import duplicates

    find = duplicates.customer_duplicates if kind == "customer" else duplicates.contact_duplicates
    # A person reading gets the best groups first, a screenful; scripts get them all.
    shown = limit if (limit or json_) else DEFAULT_SHOWN
    found = find(s.db, limit=shown or None)
    groups = found.groups
    if json_:
        render.emit_json(_porcelain(groups, kind))
        return
    if not groups:
        render.line(f"No likely duplicate {KINDS[kind]}.")
        return
    _show_groups(groups, kind)
    more = (f" (showing the best {len(groups)}; --limit N, 0 for all)"
            if len(groups) < found.total_groups else "")
    render.note(f"{found.total_groups} group(s), {found.total_pairs} pair(s){more}. "
                f"Merge with `crm {kind} merge KEEP OTHER`.")
    if render.is_interactive():
        import questionary

        if questionary.confirm("Walk through the pairs now?", default=True).ask():
            walk(s, kind, groups, _ask_pair)


def customer_duplicates(ctx: typer.Context, limit: Limit = None, json_: Json = False) -> None:
    """Likely duplicate customers, grouped, with why each pair matched and a score."""
    _list(ctx, "customer", json_, limit)


def contact_duplicates(ctx: typer.Context, limit: Limit = None, json_: Json = False) -> None:
    """Stakeholders that look like one person (same email, phone or name)."""
    _list(ctx, "contact", json_, limit)


# -- the walk ------------------------------------------------------------------
def _ask_pair(kind: str, pair: dict[str, Any]) -> str:
    import questionary

    a, b = f"#{pair['a']} {pair['a_name']}", f"#{pair['b']} {pair['b_name']}"
    answer = questionary.select(
        f"{a}  ~  {b}  ({pair['score']:.2f}: {', '.join(pair['reasons'])})",
        choices=[
            questionary.Choice(f"Merge {b} into {a}", value="keep-a"),
            questionary.Choice(f"Merge {a} into {b}", value="keep-b"),
            questionary.Choice("Skip for now", value="skip"),
            questionary.Choice("Not duplicates (do not offer again)", value="not"),
            questionary.Choice("Stop", value="stop"),
        ],
    ).ask()
    return answer or "stop"


def walk(s: Session, kind: str, groups: list[dict[str, Any]],
         choose: Callable[[str, dict[str, Any]], str]) -> dict[str, int]:
    """Offer each pair; merge, skip or remember 'not duplicates'. Counts of each answer."""
    from crmcli.store import backup, duplicates, merge

    table = "customer" if kind == "customer" else "stakeholder"
    done = {"merged": 0, "skipped": 0, "dismissed": 0}
    backed_up = False
    for g in groups:
        for pair in g["pairs"]:
            alive = s.db.value(f"SELECT count(*) FROM {table} WHERE id IN (:a, :b)",
                               {"a": pair["a"], "b": pair["b"]})
            if alive < 2:  # one side was merged away earlier in this walk
                continue
            answer = choose(kind, pair)
            if answer == "stop":
                return done
            if answer == "skip":
                done["skipped"] += 1
            elif answer == "not":
                duplicates.dismiss(s.db, kind, pair["a"], pair["b"])
                done["dismissed"] += 1
            elif answer in ("keep-a", "keep-b"):
                keep, other = (pair["a"], pair["b"]) if answer == "keep-a" else (pair["b"], pair["a"])
                if not backed_up:
                    _note_backup(backup.automatic(s.db, "before-merge"))
                    backed_up = True
                run = merge.merge_customers if kind == "customer" else merge.merge_contacts
                plan = run(s.db, keep, other, s.cadences, s.today.isoformat())
                _show_plan(plan, kind, dry_run=False)
                done["merged"] += 1
    return done


# -- merge ---------------------------------------------------------------------
def _note_backup(path) -> None:
    if path is not None:
        render.note(f"Backup of the book before the change: {path}")


MOVED = {
    "contacts": ("contact", "contacts"), "interactions": ("contact logged", "contacts logged"),
    "follow_ups": ("follow-up", "follow-ups"), "deals": ("deal", "deals"),
    "purchases": ("purchase", "purchases"), "facts": ("fact", "facts"),
    "stage_changes": ("stage change", "stage changes"), "owner_changes": ("owner change", "owner changes"),
    "level_changes": ("level change", "level changes"),
}


def _moved_text(moved: dict[str, int]) -> str:
    parts = [f"{n} {MOVED.get(key, (key, key))[n != 1]}" for key, n in moved.items() if n]
    return ", ".join(parts) or "nothing else"


def _show_plan(plan: dict[str, Any], kind: str, *, dry_run: bool) -> None:
    keep, other = plan["keep"], plan["other"]
    verb = "Would merge" if dry_run else "Merged"
    render.line(f"{verb} {kind} #{other['id']} {other['name']} into #{keep['id']} {keep['name']}.")
    render.line(f"  moved: {_moved_text(plan['moved'])}")
    for p in plan.get("people_merged", []):
        render.line(f"  same person: contact #{p['other']} {p['other_name']} merged into "
                    f"#{p['keep']} {p['keep_name']}")
    if plan.get("tags_added"):
        render.line(f"  tags added: {', '.join(plan['tags_added'])}")
    for f in plan["filled"]:
        render.line(f"  filled: {f['field']} = {f['value']}")
    for d in plan["differ"]:
        mark = "taken from OTHER" if d["taken"] == "other" else "KEEP's value stays"
        render.line(f"  differs: {d['field']}: KEEP {d['keep']!s} / OTHER {d['other']!s} ({mark})")
    if dry_run and any(d["taken"] == "keep" for d in plan["differ"]):
        render.note("Use --take FIELD to take OTHER's value of a differing field.")


def _merge(ctx: typer.Context, kind: str, keep_ref: str, other_ref: str, take: list[str] | None,
           dry_run: bool, yes: bool, json_: bool) -> None:
    s = session(ctx)
    from crmcli.store import backup, merge

    find = s.customer if kind == "customer" else s.stakeholder
    keep, other = find(keep_ref), find(other_ref)
    planner = merge.customer_plan if kind == "customer" else merge.contact_plan
    plan = planner(s.db, keep["id"], other["id"], take)
    if dry_run:
        if json_:
            render.emit_json({**_plain(plan), "dry_run": True, "backup": None})
        else:
            _show_plan(plan, kind, dry_run=True)
        return
    confirm(f"Merge {kind} #{other['id']} {other['name']} into #{keep['id']} {keep['name']}? "
            f"#{other['id']} will be deleted.", yes)
    saved = backup.automatic(s.db, "before-merge")
    run = merge.merge_customers if kind == "customer" else merge.merge_contacts
    plan = run(s.db, keep["id"], other["id"], s.cadences, s.today.isoformat(), take)
    if json_:
        render.emit_json({**_plain(plan), "dry_run": False, "backup": str(saved) if saved else None})
        return
    _show_plan(plan, kind, dry_run=False)
    _note_backup(saved)


def _plain(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as JSON: field names as a rep types them, no column internals."""
    return {k: v for k, v in plan.items() if k != "values"}


def customer_merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The customer that stays (id or name).")],
    other: Annotated[str, typer.Argument(help="The customer merged into KEEP, then deleted.")],
    take: Take = None, dry_run: DryRun = False, yes: Yes = False, json_: Json = False,
) -> None:
    """Merge customer OTHER into KEEP: contacts, log, follow-ups, deals, purchases, facts, history, tags."""
    _merge(ctx, "customer", keep, other, take, dry_run, yes, json_)


def contact_merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The contact that stays (id or name).")],
    other: Annotated[str, typer.Argument(help="The contact merged into KEEP, then deleted.")],
    take: Take = None, dry_run: DryRun = False, yes: Yes = False, json_: Json = False,
) -> None:
    """Merge contact OTHER into KEEP: logged contacts, follow-ups, deals, facts, level history."""
    _merge(ctx, "contact", keep, other, take, dry_run, yes, json_)
