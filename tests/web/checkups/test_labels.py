"""Factor names come from the core; learn-more links land on sections that exist."""

from __future__ import annotations

import pytest
from django.test import Client

from therapycheck.core import plan as core_plan
from therapycheck.core.checkup.bank import question_bank
from therapycheck.core.checkup.model import FACTOR_IDS
from therapycheck.web.checkups import labels


def test_factor_names_are_the_cores_own_labels() -> None:
    for factor in FACTOR_IDS:
        core = core_plan.factor_label(factor)
        assert labels.factor_title(factor) == core[:1].upper() + core[1:]


def test_an_unknown_factor_still_gets_a_readable_name() -> None:
    assert labels.factor_title("brand_new_factor") == "Brand new factor"


def _links() -> list[tuple[str, str]]:
    approach = question_bank().get("approach")
    assert approach is not None
    found = {labels.learn_link(f, {}) for f in FACTOR_IDS}
    found |= {labels.learn_link("modality_fit", {"approach": o.id}) for o in approach.options}
    return sorted(link for link in found if link is not None)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "text"), _links())
def test_every_learn_more_link_lands_on_a_section_that_exists(
    client: Client, url: str, text: str
) -> None:
    path, _, anchor = url.partition("#")
    response = client.get(path)
    assert response.status_code == 200
    if anchor:
        assert f'id="{anchor}"' in response.content.decode()
