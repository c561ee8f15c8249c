# kampmo: the service image. Build: docker build -t kampmo .
# Run: docker run -p 8000:8000 -e KAMPMO_DATABASE_URL=postgresql+psycopg://... kampmo
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KAMPMO_DATABASE_URL=sqlite:////data/kampmo.db

# CJK font for Chinese labels in exported figures
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/kampmo
# dependencies first (cached while only the code changes)
COPY pyproject.toml README.md LICENSE ./
COPY app/__init__.py app/__init__.py
COPY wbs/__init__.py wbs/__init__.py
COPY gantt/__init__.py gantt/__init__.py
RUN pip install .  && pip uninstall -y kampmo

COPY . .
# editable: `kampmo db upgrade` finds the Alembic scripts in /srv/kampmo/alembic
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /srv/kampmo kampmo \
    && mkdir -p /data && chown kampmo /data

USER kampmo
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health')"

CMD ["sh", "-c", "kampmo db upgrade && exec kampmo serve --host 0.0.0.0 --port 8000 --workers ${KAMPMO_WORKERS:-1}"]
