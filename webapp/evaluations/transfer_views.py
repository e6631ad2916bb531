"""The domain-transfer matrix page (`/prompts/transfer/`) and its one action, evaluating the
missing cells. The page only reads (webapp.evaluations.transfer); the action launches evaluation jobs
and comes back to the same query, where the cells fill in live."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from webapp.evaluations.transfer import Matrix, TransferForm, launch_missing_evaluations, transfer_matrix
from webapp.lib.http import render_live

PAGE = "evaluations/transfer.html"


def _query(matrix: Matrix) -> str:
    return urlencode([("v", v.pk) for v in matrix.versions] + [("d", d.pk) for d in matrix.datasets]
                     + [("split", matrix.split)])


def _matrix_of(form: TransferForm) -> Matrix | None:
    data = form.cleaned_data
    if not data.get("v") or not data.get("d"):
        return None
    return transfer_matrix(data["v"], data["d"], data["split"])


@login_required
def transfer(request: HttpRequest) -> HttpResponse:
    form = TransferForm(request.GET or None, user=request.user)
    matrix = _matrix_of(form) if form.is_valid() else None
    context = {"form": form, "matrix": matrix, "query": _query(matrix) if matrix else ""}
    return render_live(request, PAGE, "transfer-matrix", context,
                       status=400 if form.is_bound and not form.is_valid() else 200)


@login_required
@require_POST
def transfer_evaluate(request: HttpRequest) -> HttpResponse:
    """Queue one evaluation job for each missing cell that can be evaluated."""
    form = TransferForm(request.POST, user=request.user)
    matrix = _matrix_of(form) if form.is_valid() else None
    if matrix is None:
        return render(request, PAGE, {"form": form, "matrix": None, "query": ""}, status=400)
    launched, refused = launch_missing_evaluations(request.user, matrix)
    if launched:
        messages.success(request, f"Queued {len(launched)} evaluation{'s' if len(launched) != 1 else ''}: "
                                  "the cells fill in as they finish.")
    for problem in dict.fromkeys(refused):
        messages.error(request, f"Not evaluated: {problem}.")
    if not launched and not refused:
        messages.info(request, "No cell can be evaluated: every pair has a result, an evaluation under way, "
                               "or a reason it cannot be (written in its cell).")
    return redirect(reverse("evaluations:transfer") + "?" + _query(matrix))
