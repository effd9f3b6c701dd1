"""What the importers read out of a source document, before any database work.

Parsers are pure functions from a document's text to these records; the
loader (`postings.importers.loader`) turns records into rows. Keeping the two
apart lets tests check a parser against hand-verified expectations without a
database, and lets `import_seeds --check` report changes without writing.
"""

from dataclasses import dataclass, field, replace


class SourceError(Exception):
    """A source document does not have the shape its importer expects.

    The message names the file and the line, so whoever fixes the document
    knows where to look.
    """

    def __init__(self, document, line, message):
        self.document = document
        self.line = line
        self.message = message
        super().__init__(f"{document}, line {line}: {message}")


@dataclass(frozen=True)
class SourceSpan:
    """Where a record sits in its document: its row number and line range,
    and, in a document that collects several articles, the article's name."""

    document: str
    row: int | None
    first_line: int
    last_line: int
    article: str = ""

    @property
    def lines(self):
        if self.first_line == self.last_line:
            return str(self.first_line)
        return f"{self.first_line}-{self.last_line}"


@dataclass(frozen=True)
class RequirementItem:
    text: str
    is_preferred: bool = False
    section: str = ""


@dataclass(frozen=True)
class PostingRecord:
    """One opening as a source document states it."""

    employer: str
    title: str
    source: SourceSpan
    institution: str | None = None  # None: the employer itself recruits
    department: str | None = None
    grade: str = ""
    category: str = ""
    headcount: int | None = None
    locations: tuple[str, ...] = ()
    duties: tuple[str, ...] = ()
    requirements: tuple[RequirementItem, ...] = ()
    employer_note: str = ""
    # The employer's official site and seat (a place name in the gazetteer,
    # with why we know it), where known; see Institution.website and .seat.
    employer_website: str = ""
    employer_seat: str = ""
    employer_seat_evidence: str = ""


@dataclass(frozen=True)
class RoleItem:
    text: str
    weight: int | None = None  # scoring points (考评分值) where the source gives them


@dataclass(frozen=True)
class RoleRecord:
    """Reference description of a bank role; never an opening."""

    title: str
    source: SourceSpan
    organisation: str = ""
    department_name: str = ""
    summary: str = ""
    duties: tuple[RoleItem, ...] = ()
    requirements: tuple[str, ...] = ()


@dataclass(frozen=True)
class DepartmentRecord:
    """Reference description of what a kind of bank department does."""

    name: str
    source: SourceSpan
    organisation: str = ""
    office_tier: str = ""  # "front", "middle", "back" or ""
    summary: str = ""
    functions: tuple[str, ...] = field(default_factory=tuple)


def in_article(records, article):
    """The records, marked as read from the named article of a collection."""
    return [
        replace(record, source=replace(record.source, article=article))
        for record in records
    ]
