# The platform's server image: web (gunicorn), worker and beat all run from it.

# The web UI is built in its own stage; only its output goes into the image.
FROM node:20-slim AS web-ui
WORKDIR /ui
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./
RUN npm run build

FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LLMOPS_DATA_DIR=/data \
    LLMOPS_STATIC_ROOT=/app/static

WORKDIR /app
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY sdk ./sdk
COPY evals ./evals
COPY llmops ./llmops
COPY manage.py ./
COPY --from=web-ui /ui/dist ./frontend/dist
# The SDK and the evaluation library are this repository's own packages, installed from here.
RUN pip install ./sdk "./evals[llm,embeddings]" . \
    && useradd --system --uid 10001 --home-dir /app llmops \
    && mkdir -p /data \
    && chown llmops /data
# Static files (the API docs page) are collected at build time; this key only exists for that
# step and is not in the final environment.
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput --verbosity 0

USER llmops
EXPOSE 8000
# --preload imports the platform once, before the workers fork, so they share its pages: half
# the web's memory (benchmarks/ingest_server.py). Nothing opens a connection at import time.
CMD ["gunicorn", "llmops.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--preload", \
     "--access-logfile", "-"]
