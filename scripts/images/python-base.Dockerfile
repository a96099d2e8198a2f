# Python base for Meadow's services on machines that cannot pull images: FROM a Debian rootfs
# made by debootstrap (scripts/build-local-images), with the host's CA bundle so that pip works
# behind an intercepting TLS proxy. Because it trusts that proxy, never push this image.
ARG ROOTFS_IMAGE
FROM ${ROOTFS_IMAGE}
COPY ca-certificates.crt /etc/ssl/certs/meadow-host-ca.crt
ENV PIP_CERT=/etc/ssl/certs/meadow-host-ca.crt \
    SSL_CERT_FILE=/etc/ssl/certs/meadow-host-ca.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/meadow-host-ca.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8
RUN ln -s /usr/bin/python3 /usr/local/bin/python
CMD ["python3"]
