"""Courses, their frozen versions, modules, assets, and learners' enrolments and progress.

A course's content lives in ``CourseVersion`` rows. A published version is frozen: editing a
published course creates a new draft version (a copy); learners are enrolled on a version and keep
it until they finish or a trainer moves them. Modules carry a ``key`` that stays the same from one
version to the next, so progress can follow a learner who is moved to a newer version.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, backref, column_property, mapped_column, relationship

from lms.core.cache import watch
from lms.core.db import UTCDateTime, db, utcnow
from lms.orgs.models import Track

DRAFT = "draft"
PUBLISHED = "published"
ARCHIVED = "archived"  # an earlier published version, still used by learners who started on it


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)  # cadres may enrol themselves
    # Certificates: the hours printed, how long one stays valid (None = no expiry), the template plugin.
    certificate_hours: Mapped[int | None] = mapped_column(Integer)
    validity_months: Mapped[int | None] = mapped_column(Integer)
    certificate_template: Mapped[str] = mapped_column(String(80), default="default", server_default="default")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner = relationship("User", foreign_keys=[owner_id])
    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", order_by="CourseVersion.number", foreign_keys="CourseVersion.course_id"
    )
    authors: Mapped[list[CourseAuthor]] = relationship(cascade="all, delete-orphan")


class CourseAuthor(db.Model):
    """A co-author: may edit the course like its owner."""

    __tablename__ = "course_authors"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user = relationship("User")


class CourseVersion(db.Model):
    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    title: Mapped[str] = mapped_column(String(300))
    # The folded title; once published, with the code and the lessons' titles (operations.catalogue_search_key).
    # TEXT on PostgreSQL; SQLite keeps text of any length in a VARCHAR (migration 0013).
    search_key: Mapped[str] = mapped_column(String(600).with_variant(Text(), "postgresql"), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    track_codes: Mapped[str] = mapped_column(String(200), default="")  # "business public": whom the course serves
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    sources: Mapped[str] = mapped_column(Text, default="")  # JSON list of {"title", "url"}
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="versions", foreign_keys=[course_id])
    modules: Mapped[list[Module]] = relationship(
        back_populates="version", order_by="Module.position", cascade="all, delete-orphan"
    )
    assets: Mapped[list[Asset]] = relationship(cascade="all, delete-orphan")

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT


module_tracks = db.Table(
    "module_tracks",
    db.Column("module_id", ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True),
    db.Column("track_id", ForeignKey("tracks.id"), primary_key=True),
)


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(120))  # stable across versions; the file name stem in a package
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text, default="")  # Markdown
    duration_minutes: Mapped[int] = mapped_column(Integer, default=10)
    is_common: Mapped[bool] = mapped_column(Boolean, default=True)

    version: Mapped[CourseVersion] = relationship(back_populates="modules")
    tracks: Mapped[list[Track]] = relationship(secondary=module_tracks, order_by=Track.position)

    def visible_to(self, track: Track | None) -> bool:
        """Common modules are for everyone; a track module only for cadres of that track."""
        return self.is_common or (track is not None and any(t.id == track.id for t in self.tracks))


class Blob(db.Model):
    """Uploaded bytes, content-addressed, stored under the instance folder (never in a served path)."""

    __tablename__ = "blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Asset(db.Model):
    """An image or attachment of a course version, referenced from Markdown as ``assets/<filename>``."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("version_id", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"))

    blob: Mapped[Blob] = relationship(lazy="joined")


class Enrolment(db.Model):
    """A cadre taking a course, pinned to the version they started on."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_module_key: Mapped[str | None] = mapped_column(String(120))
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    version: Mapped[CourseVersion] = relationship()
    cadre = relationship("Cadre")


class ModuleProgress(db.Model):
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "module_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    module_key: Mapped[str] = mapped_column(String(120))
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ModuleQuizSource(db.Model):
    """A module's quiz file as the trainer wrote it (GIFT or Aiken), kept verbatim so that a course
    package exports byte for byte; the quiz engine builds its questions from it."""

    __tablename__ = "module_quiz_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(20))  # gift | aiken
    text: Mapped[str] = mapped_column(Text)
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)  # percent
    # Questions drawn at random for each attempt, one rule a line: "<count> <category path>" (canonical,
    # lms.quizzes.draws); the file's questions in those categories join the draw instead of being fixed.
    draws: Mapped[str] = mapped_column(Text, default="", server_default="")

    module: Mapped[Module] = relationship(backref=backref("quiz_source", uselist=False, cascade="all, delete-orphan"))


# Whether a module has a quiz, without loading the quiz file's text (module pages only need to know).
Module.has_quiz = column_property(exists().where(ModuleQuizSource.module_id == Module.id).correlate_except(ModuleQuizSource))


# Per-process snapshots of published outlines, catalogue counts and course titles are keyed by this stamp.
watch("courses", Course, CourseVersion, Module, ModuleQuizSource)
