# syntax=docker/dockerfile:1
# The booking API image: one image for the Fargate task (uvicorn) and the Lambda functions
# (entrypoint `python -m awslambdaric <handler>`, set by infra/constructs/api_image.py).
#
# Cross-builds without emulation: the deps stage runs on the build platform and downloads wheels for
# the target platform; the final stage has no RUN step, so an x86 laptop can build the arm64 image.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM --platform=$BUILDPLATFORM ${PYTHON_IMAGE} AS deps
ARG TARGETARCH
WORKDIR /build
# The API's packages only (requirements/image.txt, written by `make lock`): the versions the tests run
# against, each wheel checked against its sha256 (the lock carries arm64 and amd64 hashes).
# tests/infra/test_container.py checks that every third-party import of api/ is in that lock.
COPY requirements/image.txt /build/
RUN case "${TARGETARCH:-arm64}" in \
      arm64) ARCH=aarch64 ;; \
      amd64) ARCH=x86_64 ;; \
      *) echo "unsupported TARGETARCH ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && pip install --no-cache-dir --disable-pip-version-check --target /deps \
      --platform "manylinux_2_28_${ARCH}" --platform "manylinux2014_${ARCH}" \
      --implementation cp --python-version 3.11 --only-binary=:all: \
      --require-hashes -r /build/image.txt
COPY api /app/api
COPY contracts /app/contracts
# Bytecode is platform-independent for one Python version: compile here, the final FS is read-only.
RUN python -m compileall -q /deps /app

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="labctl booking-api" \
      org.opencontainers.image.source="labctl"
ENV PYTHONPATH=/opt/deps:/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STORE=dynamodb
COPY --from=deps /deps /opt/deps
COPY --from=deps /app /app
WORKDIR /app
# A numeric non-root user needs no useradd (so no RUN in this stage).
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=3).status == 200 else 1)"]
# --timeout-graceful-shutdown (25 s) < ECS stopTimeout (30 s); the ALB drains for 30 s before SIGTERM.
# No `server: uvicorn` banner; an idle keep-alive connection is closed after 5 s (the ALB's idle timeout is 60 s,
# and it opens its own connections: a client's slow connection ends at the ALB, docs/security.md).
CMD ["python", "-m", "uvicorn", "--factory", "api.http.app:create_app", \
     "--host", "0.0.0.0", "--port", "8080", "--loop", "uvloop", "--http", "httptools", \
     "--proxy-headers", "--forwarded-allow-ips", "*", "--timeout-graceful-shutdown", "25", \
     "--no-server-header", "--timeout-keep-alive", "5"]
