package dev.rigfleet.registry.odata;

import dev.rigfleet.registry.model.Fleet;

/** A fleet as the OData API shows it: balena's application. */
public record ApplicationRow(Fleet fleet) {}
