"""Reads for the learner's pages, each in a fixed number of queries whatever the catalogue's size."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from lms.core.db import db
from lms.core.text import fold
from lms.courses.models import PUBLISHED, Course, CourseVersion, Enrolment, Module, ModuleProgress, module_tracks
from lms.orgs.models import Track


def _is_assigned(cadre, course) -> bool:
    from lms.plans.queries import is_assigned

    return is_assigned(cadre, course)


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


def catalogue(cadre, q: str = "") -> list[CatalogueItem]:
    """Published courses with at least one module for the cadre's track, with the cadre's progress: 4 queries."""
    query = (
        select(CourseVersion).where(CourseVersion.status == PUBLISHED)
        .options(selectinload(CourseVersion.course)).order_by(CourseVersion.title)
    )
    key = fold(q)
    if key:
        query = query.where(CourseVersion.search_key.contains(key))
    versions = db.session.scalars(query).all()
    course_ids = [v.course_id for v in versions]
    enrolments: dict[int, Enrolment] = {}
    if course_ids:
        for e in db.session.scalars(
            select(Enrolment).where(Enrolment.cadre_id == cadre.id, Enrolment.course_id.in_(course_ids))
            .order_by(Enrolment.enrolled_at, Enrolment.id)
        ):
            enrolments[e.course_id] = e  # the latest enrolment wins
    version_ids = {v.id for v in versions} | {e.version_id for e in enrolments.values()}
    counts = {
        vid: (n, int(minutes or 0)) for vid, n, minutes in db.session.execute(
            select(Module.version_id, func.count(Module.id), func.sum(Module.duration_minutes))
            .where(Module.version_id.in_(version_ids), _visible(cadre.track)).group_by(Module.version_id)
        )
    } if version_ids else {}
    done = dict(db.session.execute(
        select(ModuleProgress.enrolment_id, func.count()).where(
            ModuleProgress.enrolment_id.in_([e.id for e in enrolments.values()]), ModuleProgress.completed_at.is_not(None))
        .group_by(ModuleProgress.enrolment_id)
    ).all()) if enrolments else {}
    closed = [v.course for v in versions if not v.course.is_open and v.course_id not in enrolments]
    assigned = {c.id for c in closed if _is_assigned(cadre, c)} if closed else set()
    items = []
    for version in versions:
        enrolment = enrolments.get(version.course_id)
        shown = enrolment.version_id if enrolment else version.id
        n, minutes = counts.get(shown, (0, 0))
        if n == 0 or (not version.course.is_open and enrolment is None and version.course_id not in assigned):
            continue
        items.append(CatalogueItem(version.course, version, n, minutes, enrolment, done.get(enrolment.id, 0) if enrolment else 0))
    return items


@dataclass
class Outline:
    course: Course
    version: CourseVersion
    modules: list[Module]
    done: set[str]
    enrolment: Enrolment | None

    @property
    def percent(self) -> int:
        keys = {m.key for m in self.modules}
        return round(100 * len(keys & self.done) / len(keys)) if keys else 0

    @property
    def minutes(self) -> int:
        return sum(m.duration_minutes for m in self.modules)

    def next_after(self, module: Module) -> Module | None:
        index = [m.key for m in self.modules].index(module.key)
        return self.modules[index + 1] if index + 1 < len(self.modules) else None

    def previous_before(self, module: Module) -> Module | None:
        index = [m.key for m in self.modules].index(module.key)
        return self.modules[index - 1] if index > 0 else None

    def resume_module(self) -> Module | None:
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
    """The modules a learner sees in a version (their enrolled one, else the latest published), with progress."""
    from lms.courses.operations import latest, open_enrolment

    if cadre is not None and enrolment is None:
        enrolment = open_enrolment(cadre, course)
    if version is None:
        version = enrolment.version if enrolment else latest(course, PUBLISHED)
    if version is None:
        return Outline(course, None, [], set(), None)
    modules = db.session.scalars(
        select(Module).options(selectinload(Module.tracks)).where(Module.version_id == version.id)
        .order_by(Module.position)
    ).all()
    learner_track = cadre.track if cadre is not None else track
    visible = [m for m in modules if m.visible_to(learner_track)]
    done = set()
    if enrolment is not None:
        done = set(db.session.scalars(select(ModuleProgress.module_key).where(
            ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.completed_at.is_not(None))))
    return Outline(course, version, visible, done, enrolment)


def my_courses(cadre) -> list[CatalogueItem]:
    """The cadre's enrolments, in progress first."""
    return sorted((i for i in catalogue(cadre) if i.enrolment is not None),
                  key=lambda i: (i.enrolment.completed_at is not None, -(i.enrolment.last_seen_at or i.enrolment.enrolled_at).timestamp()))

