"""The frozen T5 checkpoints that prompts are trained for and run on.

Every other app stands above this one: datasets measure their inputs in each base model's
tokens, prompts belong to one, jobs train on one.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tuning_core.hub import is_hub_id


class BaseModel(models.Model):
    """A frozen T5 checkpoint (hub id or local directory) that prompts are trained for.

    A prompt only runs on the base model it was trained on: its width `d_model`
    and embedding space belong to that checkpoint.
    """

    name = models.CharField(max_length=120, unique=True)
    source = models.CharField(max_length=500, help_text="Hub id (google/t5-base-lm-adapt), local directory, or s3://bucket/prefix")
    d_model = models.PositiveIntegerField(help_text="Embedding width: a prompt is a [p, d_model] matrix")
    num_layers = models.PositiveIntegerField()
    num_parameters = models.BigIntegerField()
    vocab_size = models.PositiveIntegerField()
    random_weights = models.BooleanField(
        default=False, help_text="A locally built model with random weights: mechanics only, no accuracy"
    )
    description = models.TextField(blank=True)
    # For a source in object storage (s3://bucket/prefix): each file's sha256 when it was registered,
    # which every machine checks its copy against.
    files = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        # The table was made when base models lived in the jobs app; the name stays.
        db_table = "jobs_basemodel"

    def __str__(self) -> str:
        return self.name

    @property
    def hub_id(self) -> str:
        """The source when it names a model on the Hugging Face hub; empty for a directory of this
        server's, which means nothing on anyone else's machine."""
        return self.source if is_hub_id(self.source) else ""

    @property
    def size_label(self) -> str:
        n = self.num_parameters
        for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
            if n >= scale:
                return f"{n / scale:.1f}{unit}"
        return str(n)
