"""The one way to schedule work (style.md #8): every job is named, scheduling a name replaces
the job of that name, and the database stays the source of truth, so a journey's `setup()`
rebuilds its jobs from stored rows at every start."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

log = logging.getLogger(__name__)

JobCallback = Callable[[ContextTypes.DEFAULT_TYPE], Awaitable[Any]]
# A late run (busy loop, suspended host) still runs, once; never two at the same time.
_JOB_KWARGS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


def cancel(app: Application, name: str) -> None:
    """Remove every job of that name (no error when there is none)."""
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(name):
            job.schedule_removal()


def _queue(app: Application, name: str):
    if app.job_queue is None:
        log.warning("no job queue (install python-telegram-bot[job-queue]): %s is not scheduled", name)
        return None
    cancel(app, name)
    return app.job_queue


def every(app: Application, name: str, callback: JobCallback, interval: float, first: float = 0.1,
          data: Any = None) -> None:
    """A repeating job; it runs first `first` seconds after start."""
    if (queue := _queue(app, name)) is not None:
        queue.run_repeating(callback, interval=interval, first=first, name=name, data=data, job_kwargs=_JOB_KWARGS)


def once(app: Application, name: str, callback: JobCallback, when: datetime | timedelta | float,
         data: Any = None) -> None:
    """A job that runs once at `when` (a time in the past runs at once: the caller decides
    whether that is right, because APScheduler would otherwise drop it silently)."""
    if (queue := _queue(app, name)) is not None:
        queue.run_once(callback, when=when, name=name, data=data, job_kwargs={"misfire_grace_time": None})


def daily(app: Application, name: str, callback: JobCallback, at: time, days: tuple[int, ...] = tuple(range(7)),
          data: Any = None) -> None:
    """A job every day (or on `days`, 0 = Sunday as PTB counts) at a wall-clock time; give `at`
    a tzinfo for the clinic's zone."""
    if (queue := _queue(app, name)) is not None:
        queue.run_daily(callback, time=at, days=days, name=name, data=data, job_kwargs=_JOB_KWARGS)


__all__ = ["cancel", "every", "once", "daily", "JobCallback"]
