# Praktijkbank: CPU-only image.
#
#   docker build -t praktijkbank .
#   docker run -p 8000:8000 -v praktijkbank-data:/data praktijkbank
#
# Without PRAKTIJKBANK_DATABASE_URL / PRAKTIJKBANK_QDRANT_URL the container keeps a SQLite file and the embedded
# index in /data; compose.yaml shows the PostgreSQL + Qdrant server set-up.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------------------------
# Builder: one virtualenv in /opt/venv, copied as a whole into the runtime stage (same path, so the console-script
# shebangs stay valid; same base image, so the venv's python symlink stays valid).
# ---------------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

# (Bytecode is left on here: pip precompiles the venv, which is read-only for the app user at run time.)
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# 1. CPU-only torch from the PyTorch index, before anything else, so that resolving the project later finds it
#    installed and never pulls the (much larger) CUDA build from PyPI. --no-deps: torch's own dependencies
#    (filelock, sympy, networkx, jinja2, fsspec, ...) come from PyPI in step 2, pinned by constraints.txt.
RUN pip install --no-deps --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

# 2. The project's dependencies, from pyproject.toml alone, pinned by constraints.txt. This layer is rebuilt only
#    when pyproject.toml or constraints.txt change, not when the source does.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print(*deps, sep=chr(10))" \
        > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt

# 3. The project itself (non-editable). Its dependencies are all satisfied by now, so this only builds the wheel.
COPY . .
RUN pip install -c constraints.txt . \
    && pip check

# 4. What the default models build on first use (the e5 encoder graph), built into the image, not at every start.
ENV PRAKTIJKBANK_MODEL_CACHE=/opt/praktijkbank-models
RUN HF_HUB_OFFLINE=1 praktijkbank models

# ---------------------------------------------------------------------------------------------------------------
# Runtime
# ---------------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG APP_UID=10001
ARG APP_GID=10001

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PRAKTIJKBANK_DATA_DIR=/data \
    PRAKTIJKBANK_HOST=0.0.0.0 \
    PRAKTIJKBANK_PORT=8000 \
    PRAKTIJKBANK_SEED_DIR=/app/seed_practices \
    PRAKTIJKBANK_MODEL_CACHE=/opt/praktijkbank-models

# Non-root user with a home (the Hugging Face / torch libraries may want ~/.cache) and the data folder it owns.
# /data is created and chowned before VOLUME, so a fresh named volume starts out owned by this user.
RUN groupadd --gid "${APP_GID}" praktijkbank \
    && useradd --uid "${APP_UID}" --gid praktijkbank --no-log-init --create-home --home-dir /home/praktijkbank \
        --shell /usr/sbin/nologin praktijkbank \
    && mkdir -p /data \
    && chown praktijkbank:praktijkbank /data

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/praktijkbank-models /opt/praktijkbank-models

WORKDIR /app
# The package is installed non-editable, so the seed data is not next to it: PRAKTIJKBANK_SEED_DIR points here.
COPY seed_practices/ /app/seed_practices/

USER praktijkbank

VOLUME ["/data"]
EXPOSE 8000

# No curl in the slim image: probe with the standard library. Liveness only (/healthz); /readyz also checks the
# database and the index.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PRAKTIJKBANK_PORT', '8000'), timeout=4)"]

CMD ["praktijkbank", "serve"]
