"""The one place that decides who may do what.

Views, templates and commands ask ``can(user, action, obj)``; ``require`` turns a refusal into
HTTP 403. Rules are small functions registered per action, so every area's rules sit here side
by side and a test can walk them all.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import abort
from flask_login import current_user

from lms.accounts.models import ROLE_CADRE, ROLE_FEDERATION_ADMIN, ROLE_TRAINER, ROLE_UNION_ADMIN

Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}


def rule(*actions: str):
    def register(fn: Rule) -> Rule:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"two rules for {action!r}")
            RULES[action] = fn
        return fn

    return register


def can(user, action: str, obj: Any = None) -> bool:
    """True when ``user`` may do ``action`` (on ``obj`` where the action is about one object)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    check = RULES.get(action)
    if check is None:
        raise KeyError(f"no policy rule for {action!r}")
    return bool(check(user, obj))


def require(action: str, obj: Any = None) -> None:
    if not current_user.is_authenticated:
        abort(401)
    if not can(current_user, action, obj):
        abort(403)


# -- helpers -----------------------------------------------------------------------------------

def is_federation_admin(user) -> bool:
    return user.role == ROLE_FEDERATION_ADMIN


def is_union_admin(user) -> bool:
    return user.role == ROLE_UNION_ADMIN and user.unit is not None


def in_scope(user, unit) -> bool:
    """Whether ``unit`` lies in the part of the tree ``user`` administers."""
    if unit is None:
        return False
    if is_federation_admin(user):
        return True
    if is_union_admin(user):
        return unit.path.startswith(user.unit.path)
    return False


def is_admin(user) -> bool:
    return is_federation_admin(user) or is_union_admin(user)


# -- rules -------------------------------------------------------------------------------------

@rule("home.view", "account.own")
def _authenticated(user, obj) -> bool:
    return True


@rule("admin.area", "orgs.list", "cadres.list", "reports.overview")
def _any_admin(user, obj) -> bool:
    return is_admin(user)


@rule("orgs.view", "orgs.create_child", "orgs.edit")
def _unit_in_scope(user, unit) -> bool:
    return in_scope(user, unit)


@rule("orgs.restructure")
def _restructure(user, unit) -> bool:
    """Move, merge or dissolve: a union admin may not restructure the root of their own scope."""
    if is_federation_admin(user):
        return True
    return in_scope(user, unit) and unit.id != user.unit_id


@rule("cadres.view")
def _view_cadre(user, cadre) -> bool:
    if cadre is None:
        return False
    if user.cadre_id is not None and user.cadre_id == cadre.id:
        return True
    if is_federation_admin(user):
        return True  # also cadres whose unit was dissolved (no current unit)
    return in_scope(user, cadre.unit)


@rule("cadres.edit")
def _edit_cadre(user, cadre) -> bool:
    if cadre is not None and cadre.unit is None:  # their unit was dissolved: the federation places them
        return is_federation_admin(user)
    return cadre is not None and in_scope(user, cadre.unit)


@rule("cadres.create")
def _create_cadre(user, unit) -> bool:
    return in_scope(user, unit) if unit is not None else is_admin(user)


@rule("cadres.import", "users.manage_all", "settings.edit", "plans.outbox_details")
def _federation_only(user, obj) -> bool:
    return is_federation_admin(user)


@rule("users.manage")
def _manage_user(user, target) -> bool:
    """Federation admins manage every account; union admins the cadre accounts of their subtree."""
    if is_federation_admin(user):
        return True
    if target is None:
        return is_union_admin(user)
    return (
        is_union_admin(user)
        and target.role == ROLE_CADRE
        and target.cadre is not None
        and in_scope(user, target.cadre.unit)
    )


@rule("trainer.area")
def _trainer(user, obj) -> bool:
    return user.role in (ROLE_TRAINER, ROLE_FEDERATION_ADMIN)


@rule("learner.area", "courses.learn")
def _learner(user, obj) -> bool:
    return user.cadre_id is not None


@rule("courses.author")
def _author(user, obj) -> bool:
    """Create courses and import packages."""
    return user.role in (ROLE_TRAINER, ROLE_FEDERATION_ADMIN)


@rule("courses.edit")
def _edit_course(user, course) -> bool:
    """Owners and co-authors edit their courses; federation admins edit all."""
    if course is None:
        return False
    if is_federation_admin(user):
        return True
    if user.role != ROLE_TRAINER:
        return False
    return course.owner_id == user.id or any(a.user_id == user.id for a in course.authors)


@rule("courses.view_version")
def _view_version(user, version) -> bool:
    """Published content (and its assets) is for every logged-in user; drafts for the course's editors."""
    if version is None:
        return False
    if version.status != "draft":
        return True
    return _edit_course(user, version.course)


@rule("courses.manage_authors")
def _manage_authors(user, course) -> bool:
    """Removing co-authors: the owner and federation admins (any editor may add one)."""
    return course is not None and (is_federation_admin(user) or course.owner_id == user.id)


# -- quizzes -----------------------------------------------------------------------------------

def _attempt_course(attempt):
    return attempt.quiz.module.version.course


@rule("quizzes.attempt")
def _own_attempt(user, attempt) -> bool:
    """Taking an attempt (answering, submitting): only the cadre whose attempt it is."""
    return attempt is not None and user.cadre_id is not None and attempt.cadre_id == user.cadre_id


@rule("quizzes.manage")
def _manage_quizzes(user, course) -> bool:
    """A course's question bank, imports, quiz settings, attempts, grading and statistics: its editors."""
    return _edit_course(user, course)


@rule("quizzes.review")
def _review_attempt(user, attempt) -> bool:
    """An attempt's result page: its cadre, and the editors of the course (who grade it)."""
    if attempt is None:
        return False
    return _own_attempt(user, attempt) or _edit_course(user, _attempt_course(attempt))


# -- training records and in-person classes -----------------------------------------------------

@rule("records.view")
def _view_record(user, cadre) -> bool:
    """A training record: the cadre's own; union admins by the cadre's current unit; federation admins all.

    A cadre whose unit was dissolved (no current unit) is in no union admin's scope.
    """
    if cadre is None:
        return False
    if user.cadre_id is not None and user.cadre_id == cadre.id:
        return True
    return is_federation_admin(user) or in_scope(user, cadre.unit)


@rule("records.own")
def _own_record(user, obj) -> bool:
    return user.cadre_id is not None


@rule("records.manage")
def _manage_record(user, cadre) -> bool:
    """Add or remove external training (with evidence) on a record: admins whose scope holds the cadre."""
    if cadre is None:
        return False
    return is_federation_admin(user) or in_scope(user, cadre.unit)


@rule("classes.list", "classes.create")
def _class_organiser(user, obj) -> bool:
    return user.role == ROLE_TRAINER or is_admin(user)


@rule("classes.organise_in")
def _organise_in(user, unit) -> bool:
    """The organiser unit of a class: any active unit for trainers and federation admins, the subtree for union admins."""
    if unit is None or not unit.is_active:
        return False
    if user.role == ROLE_TRAINER or is_federation_admin(user):
        return True
    return in_scope(user, unit)


@rule("classes.manage")
def _manage_class(user, training_class) -> bool:
    """Edit a class and its attendance: federation admins all; union admins their subtree's; trainers their own."""
    if training_class is None:
        return False
    if is_federation_admin(user):
        return True
    if user.role == ROLE_TRAINER:
        return training_class.created_by_id == user.id
    return in_scope(user, training_class.organiser_unit)


# -- certificates ------------------------------------------------------------------------------

def _certificate_unit(certificate):
    """The cadre's CURRENT unit: scope follows the person, not where they were when it was issued."""
    return certificate.cadre.unit if certificate is not None and certificate.cadre is not None else None


@rule("certificates.mine")
def _own_certificates(user, obj) -> bool:
    return user.cadre_id is not None


@rule("certificates.view")
def _view_certificate(user, certificate) -> bool:
    """A certificate and its PDF: the cadre themself, admins whose scope holds the cadre's current unit."""
    if certificate is None:
        return False
    if user.cadre_id is not None and user.cadre_id == certificate.cadre_id:
        return True
    return is_federation_admin(user) or in_scope(user, _certificate_unit(certificate))


@rule("certificates.manage")
def _manage_certificate(user, certificate) -> bool:
    """Revoke and re-issue: federation admins, union admins whose scope holds the cadre's current unit."""
    return certificate is not None and (is_federation_admin(user) or in_scope(user, _certificate_unit(certificate)))


@rule("certificates.register", "certificates.export")
def _certificate_register(user, obj) -> bool:
    """The register and bulk downloads: admins (each sees their own subtree)."""
    return is_admin(user)


@rule("certificates.issue")
def _issue_certificate(user, target) -> bool:
    """Issue by hand to a cadre (in scope), or for a class (organised in scope); no object: any admin."""
    if target is None:
        return is_admin(user)
    if is_federation_admin(user):
        return True
    unit = getattr(target, "organiser_unit", None) or getattr(target, "unit", None)
    return in_scope(user, unit)


# -- training plans, reminders and notifications -------------------------------------------------------

def _plan_scope(plan):
    return plan.scope_unit if plan is not None else None


@rule("plans.list", "plans.create", "plans.outbox")
def _plans_admin(user, obj) -> bool:
    """Plans and the failed-mail list: admins (union admins see their own subtree)."""
    return is_admin(user)


@rule("plans.view")
def _view_plan(user, plan) -> bool:
    """A plan: federation admins all; union admins their subtree's plans and the plans whose scope
    contains their unit (a federation-wide plan), of which they see only their own subtree's members."""
    if plan is None:
        return False
    if is_federation_admin(user):
        return True
    if not is_union_admin(user):
        return False
    scope = _plan_scope(plan)
    return scope is None or in_scope(user, scope) or user.unit.path.startswith(scope.path)


@rule("plans.manage")
def _manage_plan(user, plan) -> bool:
    """Assign courses to a plan's audience: federation admins; union admins for plans of their subtree."""
    if plan is None:
        return False
    if is_federation_admin(user):
        return True
    scope = _plan_scope(plan)
    return scope is not None and in_scope(user, scope)


@rule("plans.exempt")
def _exempt_cadre(user, cadre) -> bool:
    """Exempt a cadre from an assignment: admins whose scope holds the cadre (no object: any admin)."""
    if cadre is None:
        return is_admin(user)
    return is_federation_admin(user) or in_scope(user, cadre.unit)


@rule("plans.resend")
def _resend_mail(user, message) -> bool:
    """Put a failed e-mail back in the queue: federation admins; union admins for their subtree's."""
    if message is None:
        return False
    return is_federation_admin(user) or in_scope(user, message.unit)


@rule("notifications.view")
def _own_notifications(user, obj) -> bool:
    return True


# -- reports -----------------------------------------------------------------------------------

@rule("reports.unit")
def _report_unit(user, unit) -> bool:
    """The roll-up of a unit and its exports: admins whose subtree holds the unit."""
    return in_scope(user, unit)
