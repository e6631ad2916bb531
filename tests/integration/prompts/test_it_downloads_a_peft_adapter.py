"""A version downloads as a PEFT prompt-tuning adapter (a zip) that PEFT and our importer read back
as the same matrix; strangers get 404."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
import torch
from django.test import Client
from safetensors.torch import load_file

from tuning_core.export import import_peft

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_adapter_holds_the_version_s_prompt(alice, lineage_versions, tiny_model_dir, tmp_path) -> None:
    v1 = lineage_versions[0]
    response = logged_in(alice).get(f"/prompts/versions/{v1.pk}/download-peft.zip")
    assert response.status_code == 200
    assert 'filename="sentiment-v1-peft.zip"' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert sorted(archive.namelist()) == ["sentiment-v1-peft/adapter_config.json",
                                              "sentiment-v1-peft/adapter_model.safetensors"]
        archive.extractall(tmp_path)
    adapter = tmp_path / "sentiment-v1-peft"
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert config["peft_type"] == "PROMPT_TUNING"
    assert config["num_virtual_tokens"] == 4
    # A directory of this server's means nothing elsewhere: the adapter names the model instead.
    assert config["base_model_name_or_path"] == "tiny-t5"
    assert str(tiny_model_dir) not in json.dumps(config)
    prompt, _ = import_peft(adapter)
    torch.testing.assert_close(prompt, load_file(str(v1.tensor_path))["prompt"])


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_strangers_get_404(request, lineage_versions, stranger) -> None:
    v1 = lineage_versions[0]
    client = logged_in(request.getfixturevalue(stranger))
    assert client.get(f"/prompts/versions/{v1.pk}/download-peft.zip").status_code == 404
