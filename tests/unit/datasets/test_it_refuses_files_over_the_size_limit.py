from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadhandler import StopUpload

from tuning_core.errors import DataError
from webapp.datasets.services import IncomingFile, stage_upload
from webapp.datasets.uploads import SizeLimitedUploadHandler, refused_problems


def test_it_refuses_a_staged_file_over_the_limit(tmp_path, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "big.csv"
    path.write_text("text,label\n" + "x" * 2000 + ",1\n")
    with pytest.raises(DataError) as info:
        stage_upload(SimpleNamespace(pk=1), "big", [IncomingFile("file", "big.csv", path, path.stat().st_size)])
    [problem] = info.value.problems
    assert problem.file == "big.csv"
    assert problem.message == "The file is 2.0 KB, over the size limit of 1 KB"
    assert not (tmp_path / "media").exists()


def test_the_handler_stops_reading_at_the_limit(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    request = SimpleNamespace(FILES={})
    handler = SizeLimitedUploadHandler(request, limit=1000)  # type: ignore[arg-type]
    handler.new_file("file", "big.csv", "text/csv", None)
    handler.receive_data_chunk(b"x" * 600, 0)
    temp_name = handler.file.temporary_file_path()
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 600, 600)
    assert request.refused_uploads == ["big.csv"]
    import os

    assert not os.path.exists(temp_name)
    [problem] = refused_problems(request)  # type: ignore[arg-type]
    assert problem.message == "The file is over the size limit of 1 MB; upload at most 1 MB"
