# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=crms.settings CRMS_VAR_DIR=/app/var PYTHONPATH=/app
WORKDIR /app

RUN useradd --create-home --uid 1000 crms
COPY pyproject.toml requirements.lock README.md ./
COPY crms crms
COPY risk_engine risk_engine
COPY rif rif
COPY pca pca
COPY workbench workbench
COPY indicators indicators
RUN pip install -c requirements.lock .
COPY . .
# Static files are collected at build time with a throw-away key; nothing else needs secrets here.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build/build REDIS_URL=redis://build:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var && chown -R crms /app/var
USER crms
EXPOSE 8000
CMD ["gunicorn", "crms.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--limit-request-line", "8190"]
