"""Decisions a careful clerk makes about a filing, as pure functions with no I/O.

Number and value checks (`identity`, `credit_code`, `phones`, `dates`, `values`), platform names
(`platforms`), the form's printed choices (`form_choices`), jurisdiction and scope (`jurisdiction`,
`scope`), lateness (`lateness`), completeness and cross-checks (`completeness`), which filing a
mail joins (`threading_rules`, `references`), mail that is no filing (`not_a_filing`) and the
combined decision (`decision`). The words and codes they use are those of the top-level
`vocabulary` package (re-exported here for the pipeline).

This package imports only the standard library and `vocabulary`; the pipeline feeds it plain
values.
"""

from routing.completeness import Completeness, DocumentFacts, check_completeness
from routing.credit_code import CreditCodeCheck, check_credit_code, check_org_code, check_uscc
from routing.dates import DateReading, parse_date
from routing.decision import Decision, FilingFacts, decide
from routing.identity import IdNumberCheck, check_id_number
from routing.jurisdiction import (
    CountyMatch,
    JurisdictionBasis,
    JurisdictionDecision,
    address_to_office,
    county_to_office,
    decide_office,
)
from routing.lateness import Lateness, check_lateness
from routing.not_a_filing import IgnoreReason, MailKind, MailNature, classify_mail
from routing.phones import PhoneCheck, check_phone
from routing.platforms import PlatformMatch, normalise_platform
from routing.references import Reference, find_references, format_reference, parse_reference
from routing.scope import in_scope
from routing.threading_rules import (
    CandidateFiling,
    IncomingMail,
    ThreadMatch,
    ThreadRule,
    choose_filing,
)
from routing.values import EmailCheck, FollowerCount, check_email, parse_followers
from vocabulary import (
    DocumentKind,
    FilingStatus,
    FilingType,
    MissingDocument,
    Problem,
    ReplyKind,
    SubjectType,
)
from vocabulary.offices import OFFICES, Office, office_by_code, office_by_mailbox

__all__ = [
    "OFFICES",
    "CandidateFiling",
    "Completeness",
    "CountyMatch",
    "CreditCodeCheck",
    "DateReading",
    "Decision",
    "DocumentFacts",
    "DocumentKind",
    "EmailCheck",
    "FilingFacts",
    "FilingStatus",
    "FilingType",
    "FollowerCount",
    "IdNumberCheck",
    "IgnoreReason",
    "IncomingMail",
    "JurisdictionBasis",
    "JurisdictionDecision",
    "Lateness",
    "MailKind",
    "MailNature",
    "MissingDocument",
    "Office",
    "PhoneCheck",
    "PlatformMatch",
    "Problem",
    "Reference",
    "ReplyKind",
    "SubjectType",
    "ThreadMatch",
    "ThreadRule",
    "address_to_office",
    "check_completeness",
    "check_credit_code",
    "check_email",
    "check_id_number",
    "check_lateness",
    "check_org_code",
    "check_phone",
    "check_uscc",
    "choose_filing",
    "classify_mail",
    "county_to_office",
    "decide",
    "decide_office",
    "find_references",
    "format_reference",
    "in_scope",
    "normalise_platform",
    "office_by_code",
    "office_by_mailbox",
    "parse_date",
    "parse_followers",
    "parse_reference",
]
