#!/usr/bin/env bash
# make images: an OCI image of every service, the agent and the chart's key Job, built by Jib (Quarkus's
# container-image-jib) on the base that scripts/base-image.sh makes (no registry is reached), and the instances' VPN
# server's (scripts/vpn-image.sh), written as target/images/rigfleet-<module>.tar (OCI archives; `podman load -i` or `skopeo copy oci-archive:` reads them).
# Jib hands each image to podman's store (quarkus.jib.docker-executable-name=podman), from which it is saved.
#
# Usage: scripts/images.sh [maven arguments...]     e.g. -Dquarkus.container-image.tag=1.2.0
source "$(dirname "$0")/lib.sh"

MODULES=(workspaces registry instances coordinator agent keygen)
MVN="${MVN:-./mvnw -B -ntp}"
base="$("$ROOT/scripts/base-image.sh" | tail -n 1)"
out="$ROOT/target/images"
# The project's version (the root pom's first <version>), as Quarkus tags images by default.
tag="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$ROOT/pom.xml" | head -n 1)"
for arg in "$@"; do
  case "$arg" in -Dquarkus.container-image.tag=*) tag="${arg#*=}" ;; esac
done

say "Building the images of ${MODULES[*]} (tag $tag) on $base"
projects="$(printf 'services/%s,' "${MODULES[@]}")"
(cd "$ROOT" && $MVN package -DskipTests -Dspotless.check.skip=true -pl "${projects%,}" -am \
  -Dquarkus.container-image.build=true -Dquarkus.jib.base-jvm-image="tar://$base" \
  -Dquarkus.jib.docker-executable-name=podman -Dquarkus.container-image.tag="$tag" "$@")

mkdir -p "$out"
for module in "${MODULES[@]}"; do
  image="rigfleet/rigfleet-$module:$tag"
  as_root podman save --format oci-archive -o "$out/rigfleet-$module.tar.part" "$image" >/dev/null
  mv "$out/rigfleet-$module.tar.part" "$out/rigfleet-$module.tar"
  say "$out/rigfleet-$module.tar ($image, $(du -m "$out/rigfleet-$module.tar" | cut -f1) MB)"
done
"$ROOT/scripts/vpn-image.sh" "$tag"
