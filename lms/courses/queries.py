"""Reads for the learner's pages, each in a fixed number of queries whatever the catalogue's size."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import Integer, String, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from lms.core.cache import StampedCache
from lms.core.db import db
from lms.core.text import search_terms
from lms.courses.models import (
    DRAFT, PUBLISHED, Course, CourseVersion, Enrolment, Module, ModuleProgress, module_tracks,
)
from lms.orgs.models import Track


def _assigned_course_ids(cadre) -> set[int]:
    from lms.plans.queries import assigned_course_ids

    return assigned_course_ids(cadre)


def _visible(track: Track | None):
    """SQL condition: a module is common or of the given track."""
    if track is None:
        return Module.is_common.is_(True)
    return or_(
        Module.is_common.is_(True),
        exists().where(module_tracks.c.module_id == Module.id, module_tracks.c.track_id == track.id),
    )


@dataclass
class CatalogueItem:
    course: Course
    version: CourseVersion
    modules: int
    minutes: int
    enrolment: Enrolment | None
    done: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.modules) if self.modules else 0


@functools.cache
def _published_versions():
    """Published versions with their courses, by title (built once: every catalogue and home page runs it)."""
    return (select(CourseVersion).where(CourseVersion.status == PUBLISHED)
            .options(joinedload(CourseVersion.course)).order_by(CourseVersion.title))


@functools.cache
def _enrolments_with_progress():
    """A cadre's (``cadre_id``) enrolments in ``course_ids``, each with its completed modules, oldest first."""
    completed = (select(func.count()).where(ModuleProgress.enrolment_id == Enrolment.id,
                                            ModuleProgress.completed_at.is_not(None))
                 .correlate(Enrolment).scalar_subquery())
    return (select(Enrolment, completed)
            .where(Enrolment.cadre_id == bindparam("cadre_id", type_=Integer),
                   Enrolment.course_id.in_(bindparam("course_ids", type_=Integer, expanding=True)))
            .order_by(Enrolment.enrolled_at, Enrolment.id))


def catalogue(cadre, q: str = "") -> list[CatalogueItem]:
    """Published courses with at least one module for the cadre's track, with the cadre's progress.

    Two queries (versions with their courses, enrolments with their progress) and the module counts from
    the per-process cache; one more when a closed course might be assigned to the cadre.
    """
    query = _published_versions()
    if q:
        query = query.where(*search_terms(CourseVersion.search_key, q))
    versions = db.session.scalars(query).all()
    course_ids = [v.course_id for v in versions]
    enrolments: dict[int, Enrolment] = {}
    done: dict[int, int] = {}
    if course_ids:
        for e, n in db.session.execute(_enrolments_with_progress(), {"cadre_id": cadre.id, "course_ids": course_ids}):
            enrolments[e.course_id] = e  # the latest enrolment wins
            done[e.id] = n
    version_ids = {v.id for v in versions} | {e.version_id for e in enrolments.values()}
    counts = module_counts(version_ids, cadre.track)
    closed = [v.course for v in versions if not v.course.is_open and v.course_id not in enrolments]
    assigned = _assigned_course_ids(cadre) if closed else set()
    items = []
    for version in versions:
        enrolment = enrolments.get(version.course_id)
        shown = enrolment.version_id if enrolment else version.id
        n, minutes = counts.get(shown, (0, 0))
        if n == 0 or (not version.course.is_open and enrolment is None and version.course_id not in assigned):
            continue
        items.append(CatalogueItem(version.course, version, n, minutes, enrolment, done.get(enrolment.id, 0) if enrolment else 0))
    return items


# Published (and archived) versions never change: their module counts per track, their outlines and each
# course's published version are kept per process, rebuilt whenever any course content changes.
_courses_cache = StampedCache("courses")


def _count_modules(version_filter, track: Track | None) -> dict[int, tuple[int, int]]:
    return {
        vid: (n, int(minutes or 0)) for vid, n, minutes in db.session.execute(
            select(Module.version_id, func.count(Module.id), func.sum(Module.duration_minutes))
            .where(version_filter, _visible(track)).group_by(Module.version_id)
        )
    }


def module_counts(version_ids, track: Track | None) -> dict[int, tuple[int, int]]:
    """(modules, minutes) a learner of ``track`` sees in each version; versions without any are left out."""
    if not version_ids:
        return {}
    frozen = _courses_cache.get(("counts", track.id if track is not None else None), lambda: _frozen_counts(track))
    missing = [vid for vid in version_ids if vid not in frozen]
    counts = {vid: frozen[vid] for vid in version_ids if frozen.get(vid, (0, 0))[0]}
    if missing:  # drafts, never cached
        counts.update(_count_modules(Module.version_id.in_(missing), track))
    return counts


def _frozen_counts(track: Track | None) -> dict[int, tuple[int, int]]:
    """Counts of every published or archived version, (0, 0) for those without a module for ``track``."""
    frozen = select(CourseVersion.id).where(CourseVersion.status != DRAFT)
    counts = dict.fromkeys(db.session.scalars(frozen), (0, 0))
    counts.update(_count_modules(Module.version_id.in_(frozen), track))
    return counts


@dataclass(frozen=True)
class TrackInfo:
    id: int
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class ModuleInfo:
    """A module as learners' pages read it (plain data, shared by every request of the process)."""

    id: int
    version_id: int
    key: str
    position: int
    title: str
    content: str
    duration_minutes: int
    is_common: bool
    has_quiz: bool
    tracks: tuple[TrackInfo, ...]

    def visible_to(self, track) -> bool:
        """Common modules are for everyone; a track module only for cadres of that track."""
        return self.is_common or (track is not None and any(t.id == track.id for t in self.tracks))


@dataclass(frozen=True)
class VersionInfo:
    id: int
    course_id: int
    number: int
    status: str
    title: str
    description: str
    track_codes: str
    reviewed_on: dt.date | None
    sources: str
    published_at: dt.datetime | None

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT


@dataclass(frozen=True)
class VersionOutline:
    version: VersionInfo
    modules: tuple[ModuleInfo, ...]


def _load_outline(version_id: int) -> VersionOutline | None:
    version = db.session.get(CourseVersion, version_id)
    if version is None:
        return None
    modules = db.session.scalars(
        select(Module).options(selectinload(Module.tracks)).where(Module.version_id == version_id)
        .order_by(Module.position)
    ).all()
    return VersionOutline(
        VersionInfo(version.id, version.course_id, version.number, version.status, version.title,
                    version.description, version.track_codes, version.reviewed_on, version.sources,
                    version.published_at),
        tuple(ModuleInfo(m.id, m.version_id, m.key, m.position, m.title, m.content, m.duration_minutes,
                         m.is_common, bool(m.has_quiz),
                         tuple(TrackInfo(t.id, t.code, t.name, t.name_en) for t in m.tracks))
              for m in modules),
    )


def version_outline(version_id: int) -> VersionOutline | None:
    """A version with its modules in order (cached per process unless it is a draft)."""
    return _courses_cache.get(("outline", version_id), lambda: _load_outline(version_id),
                              keep=lambda value: value is not None and not value.version.is_draft)


def published_version_id(course_id: int) -> int | None:
    """The id of the course's latest published version (cached per process)."""
    return _courses_cache.get(("published", course_id), lambda: db.session.scalar(
        select(CourseVersion.id).where(CourseVersion.course_id == course_id, CourseVersion.status == PUBLISHED)
        .order_by(CourseVersion.number.desc()).limit(1)))


@dataclass
class Outline:
    course: Course
    version: VersionInfo | None
    modules: list[ModuleInfo]
    done: set[str]
    enrolment: Enrolment | None

    @property
    def percent(self) -> int:
        keys = {m.key for m in self.modules}
        return round(100 * len(keys & self.done) / len(keys)) if keys else 0

    @property
    def minutes(self) -> int:
        return sum(m.duration_minutes for m in self.modules)

    def next_after(self, module: ModuleInfo) -> ModuleInfo | None:
        index = [m.key for m in self.modules].index(module.key)
        return self.modules[index + 1] if index + 1 < len(self.modules) else None

    def previous_before(self, module: ModuleInfo) -> ModuleInfo | None:
        index = [m.key for m in self.modules].index(module.key)
        return self.modules[index - 1] if index > 0 else None

    def resume_module(self) -> ModuleInfo | None:
        """Where the learner stopped, else the first module not done, else the first."""
        if self.enrolment and self.enrolment.last_module_key:
            for module in self.modules:
                if module.key == self.enrolment.last_module_key:
                    return module
        return next((m for m in self.modules if m.key not in self.done), self.modules[0] if self.modules else None)


def course_by_code(code: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.code == code))


def outline(course: Course, cadre, version: CourseVersion | None = None, track: Track | None = None,
            enrolment: Enrolment | None = None) -> Outline:
    """The modules a learner sees in a version (their enrolled one, else the latest published), with progress.

    The version's modules come from the per-process cache: a learner's page costs the enrolment and
    the progress queries only.
    """
    from lms.courses.operations import open_enrolment

    if cadre is not None and enrolment is None:
        enrolment = open_enrolment(cadre, course)
    return _outline(course, cadre, enrolment, version, track)


def learner_outline(code: str, cadre) -> Outline | None:
    """:func:`outline` of the course with this code for ``cadre``, None without such a course.

    The course and the cadre's latest enrolment on it are one query.
    """
    if cadre is None:
        course = course_by_code(code)
        return outline(course, None) if course is not None else None
    row = db.session.execute(_course_with_latest_enrolment(), {"cadre_id": cadre.id, "code": code}).first()
    if row is None:
        return None
    return _outline(row[0], cadre, row[1])


@functools.cache
def _course_with_latest_enrolment():
    """The course ``code`` with the latest enrolment of ``cadre_id`` on it, if any (built once)."""
    latest = (select(Enrolment.id)
              .where(Enrolment.cadre_id == bindparam("cadre_id", type_=Integer), Enrolment.course_id == Course.id)
              .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc()).limit(1)
              .correlate(Course).scalar_subquery())
    return (select(Course, Enrolment).outerjoin(Enrolment, Enrolment.id == latest)
            .where(Course.code == bindparam("code", type_=String)))


def _outline(course: Course, cadre, enrolment: Enrolment | None, version: CourseVersion | None = None,
             track: Track | None = None) -> Outline:
    if version is not None:
        version_id = version.id
    elif enrolment is not None:
        version_id = enrolment.version_id
    else:
        version_id = published_version_id(course.id)
    snapshot = version_outline(version_id) if version_id is not None else None
    if snapshot is None:
        return Outline(course, None, [], set(), None)
    learner_track = cadre.track if cadre is not None else track
    visible = [m for m in snapshot.modules if m.visible_to(learner_track)]
    done = set()
    if enrolment is not None:
        done = set(db.session.scalars(_completed_keys(), {"enrolment_id": enrolment.id}))
    return Outline(course, snapshot.version, visible, done, enrolment)


@functools.cache
def _completed_keys():
    """Keys of the modules completed in enrolment ``enrolment_id`` (built once)."""
    return select(ModuleProgress.module_key).where(
        ModuleProgress.enrolment_id == bindparam("enrolment_id", type_=Integer), ModuleProgress.completed_at.is_not(None))


def my_courses(cadre) -> list[CatalogueItem]:
    """The cadre's enrolments, in progress first."""
    return sorted((i for i in catalogue(cadre) if i.enrolment is not None),
                  key=lambda i: (i.enrolment.completed_at is not None, -(i.enrolment.last_seen_at or i.enrolment.enrolled_at).timestamp()))



# -- a course's learners, for its editors --------------------------------------------------------

@dataclass
class LearnerRow:
    """A cadre's latest enrolment in a course, with the modules they completed of those their track sees."""

    enrolment: Enrolment
    done: int
    modules: int

    @property
    def cadre(self):
        return self.enrolment.cadre

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.modules)) if self.modules else 0


@dataclass
class LearnerSummary:
    enrolled: int
    completed: int

    @property
    def learning(self) -> int:
        return self.enrolled - self.completed


def _latest_of_its_cadre():
    """SQL condition: the enrolment is its cadre's latest in its course (a re-training cycle enrols a cadre again)."""
    later = aliased(Enrolment)
    return ~exists().where(later.course_id == Enrolment.course_id, later.cadre_id == Enrolment.cadre_id,
                           later.id > Enrolment.id)


def course_learners(course: Course, q: str = "", status: str = "", page: int = 1,
                    per_page: int | None = 50):
    """The course's learners (each cadre's latest enrolment), by given name, with their progress, and
    the counts of the whole course: ``(Page of LearnerRow, LearnerSummary)``.

    ``q`` searches names without accents (or a cadre code), ``status`` is "learning", "completed" or
    empty; ``per_page`` None gives every row on one page (the exports). Three queries, and the module
    counts per track from the per-process cache.
    """
    from lms.cadres.models import Cadre
    from lms.cadres.queries import Page, cadre_search
    from lms.orgs.models import Unit

    latest = (Enrolment.course_id == course.id, _latest_of_its_cadre())
    summary = db.session.execute(select(func.count(), func.count(Enrolment.completed_at)).where(*latest)).one()
    completed = (select(func.count()).where(ModuleProgress.enrolment_id == Enrolment.id,
                                            ModuleProgress.completed_at.is_not(None))
                 .correlate(Enrolment).scalar_subquery())
    query = select(Enrolment, completed).join(Cadre, Cadre.id == Enrolment.cadre_id).where(*latest)
    clause = cadre_search(q)
    if clause is not None:
        query = query.where(clause)
    if status == "completed":
        query = query.where(Enrolment.completed_at.is_not(None))
    elif status == "learning":
        query = query.where(Enrolment.completed_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    query = (query.options(joinedload(Enrolment.version),
                           joinedload(Enrolment.cadre).joinedload(Cadre.unit).lazyload(Unit.level),
                           joinedload(Enrolment.cadre).joinedload(Cadre.track_override))
             .order_by(Cadre.sort_key, Cadre.id))
    if per_page is not None:
        query = query.limit(per_page).offset((page - 1) * per_page)
    found = db.session.execute(query).unique().all()
    version_ids = {enrolment.version_id for enrolment, _done in found}
    counts: dict = {}  # per track: the modules its learners see in each version (cached per process)
    rows = []
    for enrolment, done in found:
        track = enrolment.cadre.track
        if track not in counts:
            counts[track] = module_counts(version_ids, track)
        rows.append(LearnerRow(enrolment, done, counts[track].get(enrolment.version_id, (0, 0))[0]))
    args = {k: v for k, v in {"q": q, "status": status}.items() if v}
    return (Page(rows, page, per_page or max(total, 1), total, args),
            LearnerSummary(enrolled=summary[0], completed=summary[1]))
