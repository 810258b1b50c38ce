# Klinik Koperasi bot: one container, the database and its backups on the volume /data.
#   docker build -t klinik-koperasi .
#   docker run -d --name klinik --env-file .env -v klinik-data:/data klinik-koperasi
# See docs/OPERATIONS.md (compose.yaml does the same with a restart policy).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_PATH=/data/klinik.sqlite3 \
    BACKUP_DIR=/data/backups

# An unprivileged user owns the data; the code stays root-owned and read-only to it.
RUN groupadd --system --gid 10001 klinik \
    && useradd --system --uid 10001 --gid klinik --home-dir /data --shell /usr/sbin/nologin klinik \
    && mkdir -p /data/backups \
    && chown -R klinik:klinik /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge ./knowledge
COPY storage ./storage
RUN pip install --no-cache-dir . \
    && python -m bot kb check

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]

# Healthy = the bot holds its run lock and the database reads (a stuck outbox is told to the
# admins instead: a restart would not fix it). No token needed.
HEALTHCHECK --interval=60s --timeout=30s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "status", "--check"]

# SIGTERM: stop taking updates, let in-flight deliveries finish (at most 10 s), exit 0.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
