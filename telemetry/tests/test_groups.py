"""The installation group PostHog receives: a keyed hash of the install id, never the id."""

from __future__ import annotations

from typing import Any

import pytest

from analytics import identity
from telemetry import groups
from telemetry.models import Installation


@pytest.mark.django_db
def test_the_group_key_is_a_keyed_hash_of_the_install_id(settings: Any) -> None:
    install_id = str(Installation.objects.get_solo().install_id)
    key_of, facts = groups.installation_group()
    key = key_of["installation"]
    assert key == identity.group_key(install_id)
    assert install_id not in key
    assert len(key) == 64
    assert set(facts) == set(groups.payload.FACT_KEYS)
    settings.ANALYTICS_ID_SECRET = "another secret of this installation"
    assert groups.installation_group()[0]["installation"] != key
