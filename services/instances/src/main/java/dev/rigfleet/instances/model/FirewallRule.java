package dev.rigfleet.instances.model;

/** One rule of an instance's firewall chain, as {@code GET /firewall/:id} shows it and the tunnel enforces it. */
public record FirewallRule(String source, String action) {}
