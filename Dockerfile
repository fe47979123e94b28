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
# Runtime dependencies of `api` only (pyproject.toml also lists labctl's); pinned for reproducibility.
# tests/infra/test_container.py checks that every third-party import of api/ is listed here.
RUN case "${TARGETARCH:-arm64}" in \
      arm64) PLAT=manylinux2014_aarch64 ;; \
      amd64) PLAT=manylinux2014_x86_64 ;; \
      *) echo "unsupported TARGETARCH ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && pip install --no-cache-dir --disable-pip-version-check --target /deps \
      --platform "${PLAT}" --implementation cp --python-version 3.11 --only-binary=:all: \
      fastapi==0.165.0 \
      starlette==1.10.0 \
      uvicorn==0.54.0 \
      uvloop==0.23.0 \
      httptools==0.9.0 \
      pydantic==2.14.4 \
      pydantic-settings==2.16.3 \
      aiobotocore==3.10.0 \
      aiodynamo==26.4 \
      aiohttp==3.14.5 \
      yarl==1.25.1 \
      orjson==3.13.0 \
      aws-lambda-powertools==3.37.0 \
      mangum==0.22.0 \
      awslambdaric==4.2.2
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
CMD ["python", "-m", "uvicorn", "--factory", "api.http.app:create_app", \
     "--host", "0.0.0.0", "--port", "8080", "--loop", "uvloop", "--http", "httptools", \
     "--proxy-headers", "--forwarded-allow-ips", "*", "--timeout-graceful-shutdown", "25"]
