#!/usr/bin/env bash
# Builds the image of the agent's container instance runtime: a Debian bookworm minbase root file system made with
# debootstrap (no registry), holding OpenSSH's server (with sftp-server) and iptables, imported into podman's store
# as rigfleet-instance:<hash>, where <hash> is the first 12 hex digits of the sha256 of this script (change the
# recipe, get a new name). The image holds no SSH host keys: each instance makes its own into a directory mounted
# at /etc/ssh/keys. The root file system tarball is cached as
# ${XDG_CACHE_HOME:-$HOME/.cache}/rigfleet/instance-image-<hash>.tar, so a fresh clone imports it again without
# debootstrap; when the image already exists, nothing is done. Prints the image name as the last line of stdout;
# everything else goes to stderr.
#
# Usage: scripts/instance-image.sh            (as root, or with sudo available)
#   RIGFLEET_DEBIAN_MIRROR=http://... overrides the mirror (default: the first URIs line of
#   /etc/apt/sources.list.d/debian.sources, else the first `deb` line of /etc/apt/sources.list).
source "$(dirname "$0")/lib.sh"
exec 3>&1 1>&2 # stdout is for the image name only

hash="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
image="rigfleet-instance:$hash"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/rigfleet"
tarball="$cache/instance-image-$hash.tar"

ensure_image_tools

if as_root podman image exists "$image"; then
  printf '%s\n' "$image" >&3
  exit 0
fi

if [ ! -s "$tarball" ]; then
  mirror="$(debian_mirror)"
  mkdir -p "$cache"
  rootfs="$(mktemp -d "${TMPDIR:-/tmp}/rigfleet-rootfs.XXXXXX")"
  trap 'as_root rm -rf "$rootfs"; rm -f "$tarball.part"' EXIT
  say "Building the instance root file system with debootstrap from $mirror (about a minute)"
  as_root debootstrap --variant=minbase --include=openssh-server,iptables bookworm "$rootfs" "$mirror" >/dev/null
  # No host keys in the image (each instance makes its own), no package caches, no machine id.
  as_root sh -c 'rm -f "$1"/etc/ssh/ssh_host_*; rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*;
    : > "$1"/etc/machine-id' sh "$rootfs"
  [ -x "$rootfs/usr/sbin/sshd" ] && [ -x "$rootfs/usr/lib/openssh/sftp-server" ] && [ -x "$rootfs/usr/sbin/iptables" ] \
    || fail "the root file system lacks sshd, sftp-server or iptables"
  ! ls "$rootfs"/etc/ssh/ssh_host_* >/dev/null 2>&1 || fail "host keys are still in the root file system"
  as_root tar --numeric-owner -C "$rootfs" -cf - . > "$tarball.part"
  mv "$tarball.part" "$tarball"
  as_root rm -rf "$rootfs"
  trap - EXIT
fi

say "Importing $tarball as $image"
as_root podman import --message "rigfleet instance image $hash" "$tarball" "$image" >/dev/null
printf '%s\n' "$image" >&3
