#!/usr/bin/env bash
# Builds the instances' VPN server image (make images): Debian bookworm minbase with Debian's openvpn, made with
# debootstrap (no registry), as target/images/rigfleet-vpn.tar (an OCI archive) and, in podman's store, as
# rigfleet/rigfleet-vpn:<tag>. It holds no entrypoint of rigfleet's: the pod that the instances service makes gives
# the command (dev.rigfleet.instances.vpn.VpnWorkloads.COMMAND) and the files. It runs as root: openvpn makes the
# pod's tun device and gives it its address (with NET_ADMIN only). The root file system is cached as
# ${XDG_CACHE_HOME:-$HOME/.cache}/rigfleet/vpn-rootfs-<hash>.tar, <hash> from this script, as base-image.sh does.
#
# Usage: scripts/vpn-image.sh <tag>       (as root, or with sudo available)
source "$(dirname "$0")/lib.sh"

tag="${1:?usage: scripts/vpn-image.sh <tag>}"
hash="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/rigfleet"
rootfs_tar="$cache/vpn-rootfs-$hash.tar"
image="rigfleet/rigfleet-vpn:$tag"
out="$ROOT/target/images"

if [ ! -s "$rootfs_tar" ]; then
  ensure_image_tools
  mirror="$(debian_mirror)"
  mkdir -p "$cache"
  rootfs="$(mktemp -d "${TMPDIR:-/tmp}/rigfleet-vpn-rootfs.XXXXXX")"
  trap 'as_root rm -rf "$rootfs"; rm -f "$rootfs_tar.part"' EXIT
  say "Building the VPN server's image (Debian bookworm with openvpn) with debootstrap from $mirror (a minute)"
  as_root debootstrap --variant=minbase --include=openvpn bookworm "$rootfs" "$mirror" >/dev/null
  as_root chroot "$rootfs" sh -c 'rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/*; : > /etc/machine-id'
  [ -x "$rootfs/usr/sbin/openvpn" ] || fail "the root file system lacks openvpn"
  as_root tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.part" .
  as_root chown "$(id -u):$(id -g)" "$rootfs_tar.part"
  mv "$rootfs_tar.part" "$rootfs_tar"
fi

as_root podman import --message "rigfleet VPN server $hash" --change 'CMD ["openvpn", "--version"]' \
  "$rootfs_tar" "$image" >/dev/null
mkdir -p "$out"
as_root podman save --format oci-archive -o "$out/rigfleet-vpn.tar.part" "$image" >/dev/null
mv "$out/rigfleet-vpn.tar.part" "$out/rigfleet-vpn.tar"
say "$out/rigfleet-vpn.tar ($image, $(du -m "$out/rigfleet-vpn.tar" | cut -f1) MB)"
