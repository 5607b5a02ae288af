package dev.rigfleet.agent.apps;

import java.util.Set;

/** A CDI event: a new target state changed the ioFog configuration of these services (their uuids). */
public record ConfigsChanged(Set<String> serviceUuids) {}
