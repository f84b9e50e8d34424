"""The learn pages: stable slugs, so findings and reports can link to them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LearnPage:
    slug: str
    title: str
    summary: str

    @property
    def template(self) -> str:
        return f"pages/learn/{self.slug}.html"

    @property
    def url(self) -> str:
        return f"/learn/{self.slug}/"


LEARN_PAGES: tuple[LearnPage, ...] = (
    LearnPage(
        "approaches",
        "Kinds of therapy",
        "What the main approaches do, and what they tend to help with.",
    ),
    LearnPage(
        "credentials",
        "Therapist training and titles",
        "What the letters after a name mean, and what to check.",
    ),
    LearnPage(
        "normal",
        "What is normal in therapy",
        "Feeling worse for a while, slow phases, and how long change usually takes.",
    ),
)

# Anchors on /learn/approaches/, one per approach, for deep links such as #cbt.
APPROACH_ANCHORS: tuple[str, ...] = (
    "cbt",
    "dbt",
    "emdr",
    "psychodynamic",
    "ipt",
    "act",
    "person-centred",
    "integrative",
    "exposure",
    "behavioural-activation",
)


def learn_page_or_none(slug: str) -> LearnPage | None:
    return next((page for page in LEARN_PAGES if page.slug == slug), None)
