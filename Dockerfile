# microcred at scale: one image for the web (gunicorn) and scheduler services of docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MICROCRED_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY offerings offerings
COPY harvesters harvesters
COPY indexer indexer
COPY search_ui search_ui
COPY config config
COPY microcred microcred
# The UI's message catalogues are checked in as .po; the image carries them compiled (package data).
RUN pip install --no-cache-dir 'babel>=2.14,<3' && pybabel compile -d search_ui/translations
RUN pip install --no-cache-dir '.[postgres,opensearch,elasticsearch,server]'
# /prometheus: PROMETHEUS_MULTIPROC_DIR of docker-compose.yml, a volume the web workers and the scheduler share
# (a new named volume takes the owner of the image's folder, so the unprivileged user can write to it).
RUN useradd --create-home microcred && mkdir -p /data /prometheus && chown microcred /data /prometheus
USER microcred
EXPOSE 8000
# The export streams the whole catalogue in one answer (a minute at 100,000 offerings): a sync worker busy that
# long must not be taken for a hung one at gunicorn's 30 s default (docs/api.md, the export in constant memory).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--timeout", "900", "--access-logfile", "-", "search_ui:create_app()"]
