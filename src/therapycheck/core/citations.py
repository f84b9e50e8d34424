"""The one table of real citations that every source shown to a person points to.

FACTORS.md principle 5: "where the idea comes from" is a real citation (author or
organisation, title, year, link), never an internal file name. Rules, actions and the
modality map name works by id; the works themselves live in `data/citations.yaml`, which
is validated here on first use (pydantic; a bad edit fails loudly and names the entry).

Design decisions:
- A year is required unless it could not be confirmed; such an entry must be marked
  `verified: false` and say why in `note`, and `text()` shows "n.d." for it.
- A DOI, when given, is the link: `url` must then be `https://doi.org/<doi>`.
- No year may lie after the year the file was reviewed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from therapycheck.core.datafile import load_mapping

CitationKind = Literal["research", "guideline", "ethics_code", "manual", "instrument", "article"]

# Vancouver style: list up to six authors, then "et al.".
_MAX_AUTHORS_SHOWN = 6
_DOI_RESOLVER = "https://doi.org/"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _CitationData(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    authors: tuple[str, ...] = ()
    et_al: bool = False
    organisation: str | None = Field(default=None, min_length=2)
    title: str = Field(min_length=3)
    year: int | None = Field(ge=1900)
    journal: str | None = Field(default=None, min_length=2)
    publisher: str | None = Field(default=None, min_length=2)
    url: str = Field(pattern=r"^https://\S+$")
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    kind: CitationKind
    verified: bool
    note: str = ""

    @field_validator("authors")
    @classmethod
    def _authors_named(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not name.strip() for name in value):
            raise ValueError("an author name is empty")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> _CitationData:
        if bool(self.authors) == bool(self.organisation):
            raise ValueError(f"{self.id}: give exactly one of `authors` or `organisation`")
        if self.et_al and not self.authors:
            raise ValueError(f"{self.id}: `et_al` needs `authors`")
        if self.doi is not None and self.url != _DOI_RESOLVER + self.doi:
            raise ValueError(f"{self.id}: with a DOI, the url must be {_DOI_RESOLVER}{self.doi}")
        if not self.verified and not self.note.strip():
            raise ValueError(
                f"{self.id}: an unverified entry must say in `note` what is unconfirmed"
            )
        if self.year is None and self.verified:
            raise ValueError(f"{self.id}: an entry without a confirmed year cannot be verified")
        return self


class _CitationFile(_Strict):
    reviewed: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    citations: tuple[_CitationData, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_and_plausible(self) -> _CitationFile:
        seen: set[str] = set()
        for entry in self.citations:
            if entry.id in seen:
                raise ValueError(f"citation id {entry.id!r} appears twice")
            seen.add(entry.id)
        latest = int(self.reviewed[:4])
        late = [c.id for c in self.citations if c.year is not None and c.year > latest]
        if late:
            raise ValueError(f"years after the review year {latest}: {', '.join(late)}")
        return self


@dataclass(frozen=True)
class Citation:
    """One published work: who wrote it, what it is called, when, and where to read it."""

    id: str
    title: str
    url: str
    kind: CitationKind
    verified: bool
    authors: tuple[str, ...] = ()
    et_al: bool = False
    organisation: str | None = None
    year: int | None = None
    journal: str | None = None
    publisher: str | None = None
    doi: str | None = None
    note: str = ""

    @property
    def by(self) -> str:
        """The authors (Vancouver style) or the organisation."""
        if self.organisation is not None:
            return self.organisation
        shown = self.authors[:_MAX_AUTHORS_SHOWN]
        names = ", ".join(shown)
        if self.et_al or len(self.authors) > len(shown):
            names += ", et al."
        return names

    @property
    def source(self) -> str | None:
        """Where it appeared: the journal, else a publisher other than the organisation."""
        if self.journal is not None:
            return self.journal
        if self.publisher is not None and self.publisher != self.organisation:
            return self.publisher
        return None

    def text(self) -> str:
        """One plain line, e.g. 'Flückiger C, Del Re AC, ... (2018). Title. Journal. https://...'."""
        year = str(self.year) if self.year is not None else "n.d."
        parts = [f"{self.by} ({year}).", _sentence(self.title)]
        if self.source is not None:
            parts.append(_sentence(self.source))
        parts.append(self.url)
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "authors": list(self.authors),
            "et_al": self.et_al,
            "organisation": self.organisation,
            "by": self.by,
            "title": self.title,
            "year": self.year,
            "journal": self.journal,
            "publisher": self.publisher,
            "url": self.url,
            "doi": self.doi,
            "kind": self.kind,
            "verified": self.verified,
            "note": self.note,
            "text": self.text(),
        }


def _sentence(text: str) -> str:
    """End a title or journal name with a full stop unless it already ends a sentence."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _citation(data: _CitationData) -> Citation:
    return Citation(
        id=data.id,
        title=data.title.strip(),
        url=data.url,
        kind=data.kind,
        verified=data.verified,
        authors=data.authors,
        et_al=data.et_al,
        organisation=data.organisation,
        year=data.year,
        journal=data.journal,
        publisher=data.publisher,
        doi=data.doi,
        note=data.note.strip(),
    )


@cache
def _data() -> _CitationFile:
    return _CitationFile.model_validate(load_mapping("therapycheck.core.data", "citations.yaml"))


@cache
def _by_id() -> dict[str, Citation]:
    return {entry.id: _citation(entry) for entry in _data().citations}


def all_citations() -> tuple[Citation, ...]:
    """Every citation, in the order of the data file."""
    return tuple(_by_id().values())


def citation(citation_id: str) -> Citation:
    """The citation with this id; KeyError (naming the id) for an unknown one."""
    try:
        return _by_id()[citation_id]
    except KeyError:
        raise KeyError(f"unknown citation id {citation_id!r}") from None


def citations(ids: Iterable[str]) -> tuple[Citation, ...]:
    """The citations for these ids, in the order given, each once; KeyError for an unknown id."""
    seen: set[str] = set()
    found: list[Citation] = []
    for citation_id in ids:
        if citation_id not in seen:
            seen.add(citation_id)
            found.append(citation(citation_id))
    return tuple(found)


def reviewed_on() -> str:
    """The date the citation data was last reviewed."""
    return _data().reviewed


def known_citations() -> frozenset[str]:
    """Every citation id, for data files that refer to citations to check on load."""
    return frozenset(_by_id())


def check_cited(ids: Iterable[str], where: str) -> None:
    """Raise ValueError naming any id that is not a citation (for data files' validators)."""
    unknown = [i for i in ids if i not in known_citations()]
    if unknown:
        raise ValueError(f"{where}: unknown citation ids {unknown}")
