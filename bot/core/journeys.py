"""The journeys one Application runs, and the hooks they declare, collected once per application.

A journey is a module of `handlers/` that may declare, besides its `HANDLERS`:
- `PRIVATE_FALLBACK`: `async (update, context) -> bool`, offered a private message no flow took;
- `PRIVACY_EXPORT`: `async (db, user_id) -> (section name, value)` for /datasaya;
- `PRIVACY_ERASE`: `async (tx, user_id) -> None` for /hapusdata, given the one erase transaction;
- `STAFF_DETAIL`: `async (context, user_id) -> dict` of lines for /staf;
- `PRIVATE_COMMANDS` / `STAFF_COMMANDS`: names for the command menus;
- conversation-flow steps, marked with `flow(name)` (below);
- `FLOW_CANCELLED`: {flow name: template} for what /batal says when it ends that flow (the
  truth for that flow: kept answers, a cancelled deletion), instead of "nothing was changed";
- `setup(app)` / `teardown(app)`: delivery hooks and jobs only (services are built in bot/app.py).

`bot/app.py` builds one `Journeys` per Application (`build_application(settings, journeys=...)`),
so two applications in one process share no registry. Telegram-free: hooks are plain callables.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

Hook = Callable[..., Awaitable[Any]]
FLOW_MARK = "_journey_flows"


def flow(name: str) -> Callable[[Hook], Hook]:
    """Mark a coroutine as the step handler of the conversation flow `name`; the journey's
    registry finds it (no module-level table, so nothing is shared between applications)."""
    def mark(handler: Hook) -> Hook:
        names = getattr(handler, FLOW_MARK, ())
        setattr(handler, FLOW_MARK, (*names, name))
        return handler
    return mark


def _declared(modules: tuple[ModuleType, ...], name: str) -> tuple:
    return tuple(getattr(m, name) for m in modules if hasattr(m, name))


def _flows(modules: tuple[ModuleType, ...]) -> dict[str, Hook]:
    found: dict[str, Hook] = {}
    for module in modules:
        for value in vars(module).values():
            if getattr(value, "__module__", None) != module.__name__:
                continue  # imported from elsewhere: its own module registers it
            for name in getattr(value, FLOW_MARK, ()):
                if name in found and found[name] is not value:
                    raise RuntimeError(f"flow {name!r} registered twice")
                found[name] = value
    return found


def _names(modules: tuple[ModuleType, ...], attribute: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for m in modules for n in getattr(m, attribute, ())))


@dataclass(frozen=True)
class Journeys:
    modules: tuple[ModuleType, ...]
    private_fallbacks: tuple[Hook, ...] = ()
    export_sections: tuple[Hook, ...] = ()
    erase_steps: tuple[Hook, ...] = ()
    staff_details: tuple[Hook, ...] = ()
    flows: dict[str, Hook] = field(default_factory=dict)
    private_commands: tuple[str, ...] = ()
    staff_commands: tuple[str, ...] = ()
    cancel_texts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, modules: tuple[ModuleType, ...] | list[ModuleType]) -> "Journeys":
        modules = tuple(modules)
        return cls(modules=modules,
                   private_fallbacks=_declared(modules, "PRIVATE_FALLBACK"),
                   export_sections=_declared(modules, "PRIVACY_EXPORT"),
                   erase_steps=_declared(modules, "PRIVACY_ERASE"),
                   staff_details=_declared(modules, "STAFF_DETAIL"),
                   flows=_flows(modules),
                   cancel_texts={k: v for m in modules for k, v in getattr(m, "FLOW_CANCELLED", {}).items()},
                   private_commands=_names(modules, "PRIVATE_COMMANDS"),
                   staff_commands=_names(modules, "STAFF_COMMANDS"))


__all__ = ["FLOW_MARK", "Hook", "Journeys", "flow"]
