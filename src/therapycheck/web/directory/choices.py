"""The fixed lists a profile chooses from, so the directory can filter on them.

Approaches are the project's modality ids (core/checkup/modalities.yaml) and concerns the
check-up's concern options (the `concerns` question in core/checkup/questions.yaml): the
same ids the check-up and the matching use, read from there, never copied.
"""

from __future__ import annotations

from functools import cache

from django.db import models

from therapycheck.core.checkup.bank import question_bank
from therapycheck.core.checkup.modalities import modalities


@cache
def approach_choices() -> tuple[tuple[str, str], ...]:
    return tuple((key, a.name) for key, a in modalities().approaches.items())


@cache
def concern_choices() -> tuple[tuple[str, str], ...]:
    question = question_bank().get("concerns")
    if question is None:  # the bank is validated at load; this only satisfies the types
        return ()
    return tuple((str(o.id), str(o.label)) for o in question.options)


POPULATION_CHOICES: tuple[tuple[str, str], ...] = (
    ("children", "Children (under 13)"),
    ("teens", "Teenagers (13 to 17)"),
    ("adults", "Adults"),
    ("older_adults", "Older adults (65 and over)"),
    ("couples", "Couples"),
    ("families", "Families"),
    ("lgbtq", "LGBTQ+ people"),
    ("neurodivergent", "Neurodivergent people"),
    ("disabled", "Disabled people"),
    ("veterans", "Veterans and service families"),
    ("students", "Students"),
)

# How a specialist may describe themself, if they choose to (opt-in, shown on the profile,
# used only when a person asks for it; never guessed). Written to follow "describes themself
# as"; forms show them with a capital letter (identity_choices). Our own list, after the
# identity filters directories such as Psychology Today offer (gender, sexuality,
# ethnicity, faith), kept short and in plain words.
IDENTITY_PHRASES: tuple[tuple[str, str], ...] = (
    ("woman", "a woman"),
    ("man", "a man"),
    ("non_binary", "non-binary"),
    ("lgbtq", "LGBTQ+"),
    ("person_of_colour", "a person of colour"),
    ("disabled", "disabled or living with a long-term condition"),
    ("neurodivergent", "neurodivergent"),
    ("christian", "Christian"),
    ("muslim", "Muslim"),
    ("jewish", "Jewish"),
    ("hindu", "Hindu"),
    ("buddhist", "Buddhist"),
    ("sikh", "Sikh"),
)


def identity_choices() -> tuple[tuple[str, str], ...]:
    return tuple((key, phrase[0].upper() + phrase[1:]) for key, phrase in IDENTITY_PHRASES)


# ISO 639 codes. A short list of the languages sessions are most often held in here; a
# clinic that needs another asks for it to be added.
LANGUAGE_CHOICES: tuple[tuple[str, str], ...] = (
    ("en", "English"),
    ("ar", "Arabic"),
    ("bn", "Bengali"),
    ("zh", "Chinese"),
    ("fr", "French"),
    ("de", "German"),
    ("el", "Greek"),
    ("gu", "Gujarati"),
    ("hi", "Hindi"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("fa", "Persian (Farsi)"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("pa", "Punjabi"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("so", "Somali"),
    ("es", "Spanish"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("ur", "Urdu"),
    ("cy", "Welsh"),
    ("bfi", "British Sign Language"),
    ("ase", "American Sign Language"),
)

CURRENCY_CHOICES: tuple[tuple[str, str], ...] = (
    ("GBP", "£ (GBP)"),
    ("EUR", "€ (EUR)"),
    ("USD", "$ (USD)"),
    ("CAD", "$ (CAD)"),
    ("AUD", "$ (AUD)"),
)
CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "CAD": "CA$", "AUD": "A$"}


class Format(models.TextChoices):
    ONLINE = "online", "Online"
    IN_PERSON = "in_person", "In person"
    BOTH = "both", "Online and in person"


class Checked(models.TextChoices):
    """What a clinic admin checked; the badge names exactly this."""

    LICENCE = "licence", "Licence"
    LICENCE_AND_IDENTITY = "licence_identity", "Licence and identity"
    LICENCE_AND_QUALIFICATIONS = "licence_qualifications", "Licence and qualifications"


def labels(choices: tuple[tuple[str, str], ...], ids: list[str]) -> list[str]:
    names = dict(choices)
    return [names[i] for i in ids if i in names]
