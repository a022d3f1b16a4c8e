"""One table per Canvas SIS file type, in Canvas's processing order (reference §1.4, §4).

Each `FileType` says how Canvas detects the file (`detect`: every group must have at least
one of its columns present; `absent`: none of these may be present), which columns it knows,
and the row checks in the order Canvas runs them. Adding a Canvas column is one line here.
"""
from __future__ import annotations

from dataclasses import dataclass

from .checks import (EXACT, Booleans, Dates, Defines, OneOf, Reference, Required,
                     Special, Status)


@dataclass(frozen=True)
class FileType:
    name: str                            # Canvas importer name ("user", "enrollment", …)
    plural: str                          # for sentences: "412 enrollments …"
    detect: tuple[tuple[str, ...], ...]  # all groups must match; a group matches on any column
    columns: tuple[str, ...]             # every column Canvas reads
    checks: tuple = ()
    absent: tuple[str, ...] = ()
    feature: str | None = None           # Canvas feature flag needed for detection

    def matches(self, header: set[str]) -> bool:
        return (all(any(c in header for c in group) for group in self.detect)
                and not any(c in header for c in self.absent))

    @property
    def trigger_columns(self) -> set[str]:
        return {c for group in self.detect for c in group}


ROLES = ("student", "teacher", "ta", "observer", "designer")
ENROLLMENT_TYPES = ("StudentEnrollment", "TeacherEnrollment", "TaEnrollment",
                    "DesignerEnrollment")
EXISTING = ("existing_user_id", "existing_integration_id", "existing_canvas_user_id")

FILE_TYPES: tuple[FileType, ...] = (
    FileType("change_sis_id", "change_sis_id rows", (("old_id", "old_integration_id"),),
             ("old_id", "new_id", "old_integration_id", "new_integration_id", "type"), (
        Required(("type",), "No type given for change_sis_id"),
        Required(("old_id", "old_integration_id"),
                 "No old_id or old_integration_id given for change_sis_id"),
        Required(("new_id", "new_integration_id"),
                 "No new_id or new_integration_id given for change_sis_id"),
        OneOf("type", ("account", "term", "course", "section", "group", "group_category",
                       "user"), "Invalid type '{type_lower}' for change_sis_id",
              case_sensitive=False),
        Special("change_sis_id"),
        Special("change_sis_id_unique"),
    )),
    FileType("account", "accounts", (("account_id",), ("parent_account_id",)),
             ("account_id", "parent_account_id", "name", "status", "integration_id"), (
        Required(("account_id",), "No account_id given for an account"),
        Special("account"),
        Defines("account_id", "account"),
    )),
    FileType("term", "terms", (("term_id",), ("name",)),
             ("term_id", "name", "status", "integration_id", "start_date", "end_date",
              "date_override_enrollment_type"), (
        Required(("term_id",), "No term_id given for a term"),
        Status("status", ("active", "deleted"), 'Improper status "{status}" for term {term_id}'),
        Special("term_name", "No name given for term {term_id}"),
        OneOf("date_override_enrollment_type", ENROLLMENT_TYPES,
              "Invalid date_override_enrollment_type"),
        Dates(("start_date", "end_date"), "Bad date format for term {term_id}"),
        Defines("term_id", "term"),
    )),
    FileType("abstract_course", "abstract courses", (("abstract_course_id",), ("short_name",)),
             ("abstract_course_id", "short_name", "long_name", "status", "account_id",
              "fallback_account_id", "term_id"), (
        Required(("abstract_course_id",), "No abstract_course_id given for an abstract course"),
        Required(("short_name",), "No short_name given for abstract course {abstract_course_id}"),
        Required(("long_name",), "No long_name given for abstract course {abstract_course_id}"),
        Status("status", ("active", "deleted"),
               'Improper status "{status}" for abstract course {abstract_course_id}'),
        Reference("account_id", "account"),
        Reference("term_id", "term"),
        Defines("abstract_course_id", "abstract_course"),
    ), absent=("course_id",)),
    FileType("course", "courses", (("course_id",), ("short_name",)),
             ("course_id", "short_name", "long_name", "account_id", "term_id", "status",
              "integration_id", "start_date", "end_date", "course_format",
              "blueprint_course_id", "grade_passback_setting", "homeroom_course",
              "friendly_name", "abstract_course_id", "fallback_account_id"), (
        Required(("course_id",), "No course_id given for a course"),
        Required(("short_name", "abstract_course_id"), "No short_name given for course {course_id}"),
        Required(("long_name", "abstract_course_id"), "No long_name given for course {course_id}"),
        Status("status", ("active", "deleted", "completed", "unpublished", "published"),
               'Improper status "{status}" for course {course_id}'),
        OneOf("course_format", ("on_campus", "online", "blended", "not_set"),
              'Invalid course_format "{course_format}" for course {course_id}',
              case_sensitive=False),
        OneOf("grade_passback_setting", ("nightly_sync", "disabled", "not_set"),
              'Invalid grade_passback_setting "{grade_passback_setting}" for course {course_id}'),
        Dates(("start_date", "end_date"), "Bad date format for course {course_id}",
              allow_delete=True),
        Booleans(("homeroom_course",)),
        Reference("account_id", "account"),
        Reference("term_id", "term"),
        Reference("abstract_course_id", "abstract_course"),
        Reference("blueprint_course_id", "course", skip_values=("dissociate",)),
        Defines("course_id", "course"),
    )),
    FileType("section", "sections", (("section_id",), ("name",)),
             ("section_id", "course_id", "name", "status", "start_date", "end_date",
              "integration_id"), (
        Required(("section_id",), "No section_id given for a section in course {course_id}"),
        Required(("course_id",), "No course_id given for a section {section_id}"),
        Required(("name",), "No name given for section {section_id} in course {course_id}",
                 when=("status", "active")),
        Status("status", ("active", "deleted"),
               'Improper status "{status}" for section {section_id} in course {course_id}'),
        Dates(("start_date", "end_date"), "Bad date format for section {section_id}"),
        Reference("course_id", "course"),
        Defines("section_id", "section"),
    )),
    FileType("xlist", "cross-listings", (("xlist_course_id",), ("section_id",)),
             ("xlist_course_id", "section_id", "status"), (
        Required(("xlist_course_id",), "No xlist_course_id given for a cross-listing"),
        Required(("section_id",), "No section_id given for a cross-listing"),
        Status("status", ("active", "deleted"), 'Improper status "{status}" for a cross-listing',
               match=EXACT),
        Reference("section_id", "section"),
        Special("xlist"),
        Defines("xlist_course_id", "course"),
    )),
    FileType("user", "users", (("user_id",), ("login_id",)),
             ("user_id", "login_id", "status", "integration_id", "password", "ssha_password",
              "authentication_provider_id", "first_name", "last_name", "full_name",
              "sortable_name", "short_name", "email", "pronouns", "declared_user_type",
              "canvas_password_notification", "home_account"), (
        Required(("user_id",), "No user_id given for a user"),
        Required(("login_id",), "No login_id given for user {user_id}"),
        Status("status", ("active", "suspended", "deleted"), "Improper status for user {user_id}",
               blank_message="No status given for user {user_id}"),
        Special("nul", "Some of the fields contain NULL character"),
        Special("login_id"),
        Special("claimed_login"),
        Special("email"),
        OneOf("declared_user_type", ("administrative", "observer", "staff", "student",
                                     "student_other", "teacher", "<delete>"),
              "declared_user_type \"{declared_user_type}\" is not one of Canvas's values "
              "(administrative, observer, staff, student, student_other, teacher, <delete>); "
              "Canvas's reaction is not documented", notice=True, skip=False),
        Booleans(("canvas_password_notification", "home_account")),
        Defines("user_id", "user"),
    ), absent=EXISTING),
    FileType("login", "logins", (EXISTING,),
             ("user_id", "login_id", "existing_user_id", "existing_integration_id",
              "existing_canvas_user_id", "integration_id", "password", "ssha_password",
              "authentication_provider_id", "email", "root_account"), (
        Required(("user_id",), "No user_id given for a user"),
        Required(("login_id",), "No login_id given for user {user_id}"),
        Required(EXISTING, "No existing user provided for login with SIS ID {user_id}"),
        Special("login_id"),
        Special("claimed_login"),
        Special("login_match", "An existing user does not match existing user ids provided "
                "for login with SIS ID {user_id}, skipping"),
        Reference("existing_user_id", "user"),
        Reference("existing_integration_id", "user_integration"),
        Defines("user_id", "user"),
    )),
    FileType("enrollment", "enrollments",
             (("section_id", "course_id"), ("user_id", "user_integration_id")),
             ("course_id", "section_id", "user_id", "user_integration_id", "role", "role_id",
              "status", "associated_user_id", "start_date", "end_date",
              "limit_section_privileges", "notify", "root_account",
              "temporary_enrollment_source_user_id"), (
        Required(("course_id", "section_id"), "No course_id or section_id given for an enrollment"),
        Required(("user_id", "user_integration_id"), "No user_id given for an enrollment"),
        Status("status", ("active", "deleted", "completed", "inactive", "deleted_last_completed"),
               'Improper status "{status}" for an enrollment'),
        Special("role"),
        Special("enrollment_dates", "Bad date format for user {user_id} in course {course_id}"),
        Booleans(("limit_section_privileges", "notify")),
        Special("enrollment_refs"),
        Reference("associated_user_id", "user"),
        Reference("temporary_enrollment_source_user_id", "user"),
    )),
    FileType("admin", "admins", (("account_id",), ("user_id",)),
             ("user_id", "account_id", "role", "role_id", "status", "root_account"), (
        Required(("user_id",), "No user_id given for admin"),
        Required(("status",), "No status given for admin"),
        Required(("role_id", "role"), "No role_id or role given for admin"),
        Status("status", ("active", "deleted"), "Invalid status {status} for admin", match=EXACT),
        Special("admin_role"),
        Reference("user_id", "user"),
        Reference("account_id", "account"),
    )),
    FileType("group_category", "group categories", (("group_category_id",), ("category_name",)),
             ("group_category_id", "category_name", "status", "account_id", "course_id"), (
        Required(("group_category_id",), "No sis_id given for a group category"),
        Required(("category_name",), "No name given for group category {group_category_id}"),
        Status("status", ("active", "deleted"),
               'Improper status "{status}" for group category {group_category_id}, skipping',
               blank_message="No status given for group category {group_category_id}"),
        Special("two_contexts", "Only one context is allowed and both course_id and account_id "
                "where provided for group category {group_category_id}."),
        Reference("account_id", "account"),
        Reference("course_id", "course"),
        Special("group_category_name", "A group category did not pass validation (group "
                "category: {group_category_id}, error: Name {category_name} is already in use.)"),
        Defines("group_category_id", "group_category"),
    )),
    FileType("differentiation_tag_set", "differentiation tag sets",
             (("tag_set_id",), ("set_name",)), ("tag_set_id", "course_id", "set_name", "status"), (
        Required(("tag_set_id",), "No sis_id given for a differentiation tag set"),
        Required(("set_name",), "No name given for differentiation tag set {tag_set_id}"),
        Required(("course_id",), "No course_id given for differentiation tag set {tag_set_id}"),
        Status("status", ("active", "deleted"), 'Improper status "{status}" for differentiation '
               "tag set {tag_set_id}, skipping"),
        Reference("course_id", "course"),
        Defines("tag_set_id", "differentiation_tag_set"),
    )),
    FileType("group", "groups", (("group_id",), ("name",)),
             ("group_id", "name", "status", "group_category_id", "account_id", "course_id"), (
        Required(("group_id",), "No group_id given for a group."),
        Required(("name",), "No name given for group {group_id}."),
        Status("status", ("available", "closed", "completed", "deleted"),
               'Improper status "{status}" for group {group_id}.'),
        Special("two_contexts", "Only one context is allowed and both course_id and account_id "
                "where provided for group {group_id}."),
        Reference("account_id", "account"),
        Reference("course_id", "course"),
        Reference("group_category_id", "group_category"),
        Defines("group_id", "group"),
    )),
    FileType("differentiation_tag", "differentiation tags", (("tag_id",), ("name",)),
             ("tag_id", "name", "status", "tag_set_id", "course_id"), (
        Required(("tag_id",), "No tag_id given for a differentiation tag."),
        Required(("name",), "No name given for differentiation tag {tag_id}."),
        Status("status", ("available", "deleted"),
               'Improper status "{status}" for differentiation tag {tag_id}.'),
        Special("tag_context", "No tag_set_id or course_id given for differentiation tag {tag_id}. "
                "At least one is required for new tags."),
        Reference("course_id", "course"),
        Reference("tag_set_id", "differentiation_tag_set"),
        Defines("tag_id", "differentiation_tag"),
    )),
    FileType("group_membership", "group memberships", (("group_id",), ("user_id",)),
             ("group_id", "user_id", "status"), (
        Required(("group_id",), "No group_id given for a group user"),
        Required(("user_id",), "No user_id given for a group user"),
        Status("status", ("accepted", "deleted"), 'Improper status "{status}" for a group user'),
        Reference("group_id", "group"),
        Reference("user_id", "user"),
    )),
    FileType("differentiation_tag_membership", "differentiation tag memberships",
             (("tag_id",), ("user_id",)), ("tag_id", "user_id", "status"), (
        Required(("tag_id",), "No tag_id given for a differentiation tag user"),
        Required(("user_id",), "No user_id given for a differentiation tag user"),
        Status("status", ("accepted", "deleted"),
               'Improper status "{status}" for a differentiation tag user'),
        Reference("tag_id", "differentiation_tag"),
        Reference("user_id", "user"),
    )),
    FileType("institutional_tag_category", "institutional tag categories",
             (("category_id",), ("name",)), ("category_id", "name", "description", "status"), (
        Required(("category_id",), "No category_id given for an institutional tag category"),
        Required(("name",), "No name given for institutional tag category {category_id}"),
        Status("status", ("active", "deleted"),
               'Improper status "{status}" for institutional tag category {category_id}',
               blank_message="No status given for institutional tag category {category_id}"),
        Defines("category_id", "institutional_tag_category"),
    ), absent=("tag_id", "institutional_tag_id"), feature="institutional_tags"),
    FileType("institutional_tag", "institutional tags",
             (("institutional_tag_id",), ("category_id",), ("name",)),
             ("institutional_tag_id", "category_id", "name", "description", "status"), (
        Required(("institutional_tag_id",), "No institutional_tag_id given for an institutional tag"),
        Required(("category_id",), "No category_id given for institutional tag {institutional_tag_id}"),
        Required(("name",), "No name given for institutional tag {institutional_tag_id}"),
        Required(("description",), "No description given for institutional tag {institutional_tag_id}"),
        Status("status", ("active", "deleted"),
               'Improper status "{status}" for institutional tag {institutional_tag_id}',
               blank_message="No status given for institutional tag {institutional_tag_id}"),
        Reference("category_id", "institutional_tag_category"),
        Defines("institutional_tag_id", "institutional_tag"),
    ), feature="institutional_tags"),
    FileType("institutional_tag_association", "institutional tag associations",
             (("institutional_tag_id",), ("user_id",)),
             ("institutional_tag_id", "user_id", "status"), (
        Required(("institutional_tag_id",),
                 "No institutional_tag_id given for an institutional tag association"),
        Required(("user_id",), "No user_id given for institutional tag association with tag "
                 "{institutional_tag_id}"),
        Status("status", ("active", "deleted"), 'Improper status "{status}" for institutional tag '
               "association (tag: {institutional_tag_id}, user: {user_id})",
               blank_message="No status given for institutional tag association "
               "(tag: {institutional_tag_id}, user: {user_id})"),
        Reference("institutional_tag_id", "institutional_tag"),
        Reference("user_id", "user"),
    ), feature="institutional_tags"),
    FileType("grade_publishing_results", "grade publishing results",
             (("enrollment_id",), ("grade_publishing_status",)),
             ("enrollment_id", "grade_publishing_status", "message"), (
        Required(("enrollment_id",), "No enrollment_id given"),
        Status("grade_publishing_status", ("published", "error"),
               'Improper grade_publishing_status "{grade_publishing_status}" for enrollment '
               "{enrollment_id}", match=EXACT,
               blank_message="No grade_publishing_status given for enrollment {enrollment_id}"),
    )),
    FileType("user_observer", "user observers", (("observer_id",), ("student_id",)),
             ("observer_id", "student_id", "status"), (
        Required(("observer_id",), "No observer_id given for a user observer"),
        Required(("student_id",), "No user_id given for a user observer"),
        Special("self_observation", "Can't observe yourself user {student_id}"),
        Status("status", ("active", "deleted"), 'Improper status "{status}" for a user_observer',
               match=EXACT),
        Reference("observer_id", "user"),
        Reference("student_id", "user"),
    )),
)

BY_NAME = {t.name: t for t in FILE_TYPES}
ORDER = {t.name: i for i, t in enumerate(FILE_TYPES)}

# How a reference kind reads in sentences, and which file type can supply it.
KIND_WORDS = {
    "account": "accounts", "term": "terms", "abstract_course": "abstract courses",
    "course": "courses", "section": "sections", "user": "users",
    "user_integration": "users (by integration_id)", "group_category": "group categories",
    "group": "groups", "differentiation_tag_set": "differentiation tag sets",
    "differentiation_tag": "differentiation tags",
    "institutional_tag_category": "institutional tag categories",
    "institutional_tag": "institutional tags",
}
