package dev.rigfleet.coordinator.service;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.common.net.Ipv4Block;
import java.util.List;

/**
 * A tunnel's firewall chain: rules in order, the first whose source matches a new connection's address decides; a
 * connection that none matches is dropped, as the spec's empty chain drops everything. IPv4 only, as the spec.
 */
public record Firewall(List<Rule> rules) {

    public enum Action {
        ACCEPT,
        DROP,
        REJECT
    }

    /** {@code source} is an IPv4 address or CIDR block. */
    public record Rule(String source, Action action) {

        @JsonCreator
        public Rule(@JsonProperty("source") String source, @JsonProperty("action") Action action) {
            if (action == null || Ipv4Block.parse(source).isEmpty()) {
                throw new IllegalArgumentException("a rule is {source: an IPv4 address or CIDR block, action}");
            }
            this.source = source;
            this.action = action;
        }

        boolean matches(Ipv4Block address) {
            return Ipv4Block.parse(source).orElseThrow().contains(address);
        }
    }

    /** Everyone: the chain an instance starts with. */
    public static final Firewall OPEN = new Firewall(List.of(new Rule("0.0.0.0/0", Action.ACCEPT)));

    public Firewall {
        rules = List.copyOf(rules);
    }

    /** What the chain does with a connection from {@code source} (an IPv4 address; anything else is dropped). */
    public Action decide(String source) {
        Ipv4Block address = Ipv4Block.parse(source).orElse(null);
        if (address == null || address.prefix() != 32) {
            return Action.DROP;
        }
        return rules.stream()
                .filter(rule -> rule.matches(address))
                .map(Rule::action)
                .findFirst()
                .orElse(Action.DROP);
    }
}
