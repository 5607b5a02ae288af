#!/usr/bin/env bash
# Builds the base of rigfleet's images (make images): a Debian bookworm minbase root file system made with
# debootstrap (no registry), holding Debian's openjdk-17-jre-headless and the user `rigfleet` (uid and gid 185, the
# chart's runAsUser), saved as a docker-archive tarball that Jib reads as `tar://…` (quarkus.jib.base-jvm-image).
# The tarball is cached as ${XDG_CACHE_HOME:-$HOME/.cache}/rigfleet/jre-base-<hash>.tar, where <hash> is the first 12
# hex digits of the sha256 of this script (change the recipe, get a new base); when it exists, nothing is done. Prints
# the tarball's path as the last line of stdout; everything else goes to stderr.
#
# Usage: scripts/base-image.sh            (as root, or with sudo available)
#   RIGFLEET_DEBIAN_MIRROR=http://... overrides the mirror (see debian_mirror in lib.sh).
source "$(dirname "$0")/lib.sh"
exec 3>&1 1>&2 # stdout is for the tarball's path only

hash="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/rigfleet"
tarball="$cache/jre-base-$hash.tar"
image="localhost/rigfleet-jre-base:$hash"

if [ -s "$tarball" ]; then
  printf '%s\n' "$tarball" >&3
  exit 0
fi

ensure_image_tools

mirror="$(debian_mirror)"
mkdir -p "$cache"
rootfs="$(mktemp -d "${TMPDIR:-/tmp}/rigfleet-jre-rootfs.XXXXXX")"
trap 'as_root rm -rf "$rootfs"; rm -f "$tarball.part"' EXIT
say "Building the images' base (Debian bookworm with openjdk-17-jre-headless) with debootstrap from $mirror (minutes)"
as_root debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$rootfs" "$mirror" >/dev/null
# The user the services run as, and nothing of the build left behind: no package caches, no machine id.
as_root chroot "$rootfs" sh -c 'groupadd -g 185 rigfleet && useradd -u 185 -g 185 -d /deployments -M -s /usr/sbin/nologin rigfleet
  rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/*; : > /etc/machine-id'
[ -x "$rootfs/usr/lib/jvm/java-17-openjdk-amd64/bin/java" ] || fail "the root file system lacks Java 17"

say "Saving it as $tarball"
as_root tar --numeric-owner -C "$rootfs" -cf - . \
  | as_root podman import --message "rigfleet images' base $hash" \
      --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' --change 'ENV LANG=C.UTF-8' - "$image" >/dev/null
as_root podman save --format docker-archive -o "$tarball.part" "$image" >/dev/null
as_root podman rmi "$image" >/dev/null
as_root chown "$(id -u):$(id -g)" "$tarball.part"
mv "$tarball.part" "$tarball"
printf '%s\n' "$tarball" >&3
