"""The package and `broadcast.voice` load their public names on first use: every listed name
resolves, unknown names are errors, and producing from cached clips does not load the chain."""

from __future__ import annotations

import subprocess
import sys

import pytest

import broadcast
import broadcast.voice


@pytest.mark.parametrize("module", [broadcast, broadcast.voice])
def test_every_public_name_resolves(module):
    assert sorted(module.__all__) == sorted(module._WHERE)
    for name in module.__all__:
        assert getattr(module, name) is not None
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_settings_and_production_do_not_load_the_voice_chain_or_the_main_job():
    code = (
        "import sys, broadcast.config, broadcast.production.produce;"
        "print(sorted(m for m in ('broadcast.voice.chain', 'broadcast.pipeline') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
