"""The words of the domain, in one place: offices and areas, platforms, documents, fields,
subject and filing types, and the outcome codes with their shared Chinese words.

Pure data and enums; this package imports only the standard library, and `parsers`, `routing`
and `notifications` take their words from it and keep no copies.

- `vocabulary.offices`: the 21 offices (`Office`, `OFFICES`) and look-ups by code and mailbox.
- `vocabulary.areas`: county names old and new, weak names, the city's and the development
  zone's names, the townships of the former 邢台县, ID region codes, area labels.
- `vocabulary.platforms`: the notice's 12 platforms and their aliases.
- `vocabulary.documents`: `DocumentKind`, `MissingDocument`, `AttachmentProblem`.
- `vocabulary.fields`: field keys, required fields per subject type, Chinese labels.
- `vocabulary.subjects`: `SubjectType`, `FilingType` and the words that signal them.
- `vocabulary.outcomes`: `FilingStatus`, `ReplyKind`, `Problem` and their Chinese words.

Disputed words, answered once: a 个体工商户 holds a business licence, so it is an organisation
for the documents it must send (the licence and the operations manager's ID card); 法人 and
社会团体 are organisations too (see `vocabulary.subjects`).
"""

from vocabulary.areas import (
    AREA_LABELS,
    CITY_NAMES,
    COUNTY_NAMES,
    DEVELOPMENT_ZONE_NAMES,
    RENAMES_2020,
    WEAK_COUNTY_NAMES,
    XINGTAI_COUNTY_TOWNSHIPS,
)
from vocabulary.documents import AttachmentProblem, DocumentKind, MissingDocument
from vocabulary.fields import (
    ACCOUNT_FIELDS,
    FIELD_LABELS,
    OPERATOR_FIELDS,
    REQUIRED_ACCOUNT_FIELDS,
    REQUIRED_OPERATOR_FIELDS,
    invalid_field,
    missing_field,
)
from vocabulary.offices import (
    CITY_OFFICE,
    DEVELOPMENT_ZONE_OFFICE,
    OFFICE_CODES,
    OFFICE_NAMES,
    OFFICES,
    Office,
    office_by_code,
    office_by_mailbox,
)
from vocabulary.outcomes import (
    REPLY_KIND_WORDS,
    STATUS_WORDS,
    FilingStatus,
    Problem,
    ReplyKind,
)
from vocabulary.platforms import KNOWN_OTHER_PLATFORMS, OTHER_PLATFORM, PLATFORM_NAMES
from vocabulary.subjects import (
    INDIVIDUAL_WORDS,
    ORGANIZATION_WORDS,
    SUBJECT_TYPE_WORDS,
    FilingType,
    SubjectType,
)

__all__ = [
    "ACCOUNT_FIELDS",
    "AREA_LABELS",
    "CITY_NAMES",
    "CITY_OFFICE",
    "COUNTY_NAMES",
    "DEVELOPMENT_ZONE_NAMES",
    "DEVELOPMENT_ZONE_OFFICE",
    "FIELD_LABELS",
    "INDIVIDUAL_WORDS",
    "KNOWN_OTHER_PLATFORMS",
    "OFFICES",
    "OFFICE_CODES",
    "OFFICE_NAMES",
    "OPERATOR_FIELDS",
    "ORGANIZATION_WORDS",
    "OTHER_PLATFORM",
    "PLATFORM_NAMES",
    "RENAMES_2020",
    "REPLY_KIND_WORDS",
    "REQUIRED_ACCOUNT_FIELDS",
    "REQUIRED_OPERATOR_FIELDS",
    "STATUS_WORDS",
    "SUBJECT_TYPE_WORDS",
    "WEAK_COUNTY_NAMES",
    "XINGTAI_COUNTY_TOWNSHIPS",
    "AttachmentProblem",
    "DocumentKind",
    "FilingStatus",
    "FilingType",
    "MissingDocument",
    "Office",
    "Problem",
    "ReplyKind",
    "SubjectType",
    "invalid_field",
    "missing_field",
    "office_by_code",
    "office_by_mailbox",
]
