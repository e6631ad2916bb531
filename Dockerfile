# One image for both the web process and the GPU worker.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/models/hf

WORKDIR /app
COPY requirements.txt requirements.lock ./
# The CPU wheel of torch is pinned for development machines; the GPU image
# installs the CUDA build of the same version from PyTorch's index.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
RUN pip install --no-cache-dir --extra-index-url "$TORCH_INDEX_URL" \
        -r requirements.txt -c requirements.lock

COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0

RUN useradd --create-home --uid 1000 app && mkdir -p /media /models && chown app /media /models
USER app
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "webapp.asgi:application"]
