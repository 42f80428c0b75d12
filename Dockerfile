# ibasho server image: build with the Rust toolchain, run on a small Debian.
#
#   docker build -t ibasho .
#   docker run -p 8080:8080 -v ibasho-data:/data ibasho

# ---- build ---------------------------------------------------------------
FROM rust:1 AS builder
WORKDIR /src
# Everything the workspace needs; .dockerignore keeps target/ and data/ out.
COPY . .
RUN cargo build --release --locked --bin ibasho

# ---- run -----------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin ibasho \
 && mkdir /data && chown ibasho:ibasho /data

COPY --from=builder /src/target/release/ibasho /usr/local/bin/ibasho
COPY web-client /app/web-client
COPY rooms.toml /app/rooms.toml

# The database ibasho.db and the signing key signing.key live here: keep this volume.
VOLUME /data
ENV IBASHO_LISTEN=0.0.0.0:8080 \
    IBASHO_MEDIA_UDP=0.0.0.0:40000 \
    IBASHO_DATA=/data \
    IBASHO_ROOMS=/app/rooms.toml \
    IBASHO_WEB=/app/web-client
WORKDIR /app
USER ibasho
EXPOSE 8080
# Voice (WebRTC media); set IBASHO_MEDIA_ANNOUNCE to the address browsers reach it at.
EXPOSE 40000/udp
# `serve` is the default command; `docker exec … ibasho admin token …` mints tokens.
ENTRYPOINT ["/usr/local/bin/ibasho"]
