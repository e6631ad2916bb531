"""Every write to uploads and datasets goes through here: views, the API, the worker task and
commands call it. One module per job:

- `uploads`: step 1, files checked and kept as an `Upload` until mapped; discard; the TTL sweep.
- `ingest`: step 2, the mapping submitted, every row checked by a worker, and then either a ready
  `Dataset` or the upload back on its mapping page with the problems.
- `datasets`: reading one's own dataset, rename, delete.
- `demo`: the demo dataset `make run` seeds.
"""

from webapp.datasets.services.datasets import (
    DatasetInUse,
    delete_dataset,
    get_dataset_for_user,
    problem_dict,
    rename_dataset,
)
from webapp.datasets.services.demo import seed_rotten_tomatoes
from webapp.datasets.services.ingest import process_upload, resend_lost_processing, submit_mapping
from webapp.datasets.services.uploads import (
    UPLOAD_TTL,
    IncomingFile,
    UploadBusy,
    discard_upload,
    get_upload_for_user,
    stage_upload,
    suggested_mapping,
    sweep_stale_uploads,
)

__all__ = [
    "UPLOAD_TTL",
    "DatasetInUse",
    "IncomingFile",
    "UploadBusy",
    "delete_dataset",
    "discard_upload",
    "get_dataset_for_user",
    "get_upload_for_user",
    "problem_dict",
    "process_upload",
    "rename_dataset",
    "resend_lost_processing",
    "seed_rotten_tomatoes",
    "stage_upload",
    "submit_mapping",
    "suggested_mapping",
    "sweep_stale_uploads",
]
