# The Inngest server built from its Go module (scripts/build-local-images), laid out like the
# official image: the binary at /bin/inngest, run as the unprivileged user "inngest" (uid 1000).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# wget: the Compose health check probes /health with it, as busybox's wget in the official image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends wget tzdata \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && groupadd --gid 1000 inngest \
    && useradd --uid 1000 --gid inngest --shell /usr/sbin/nologin --create-home inngest
COPY inngest /bin/inngest
USER inngest
WORKDIR /home/inngest
EXPOSE 8288 8289
CMD ["inngest"]
