package dev.rigfleet.coordinator.service;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

        private static final Pattern CIDR =
                Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?");

        @JsonCreator
        public Rule(@JsonProperty("source") String source, @JsonProperty("action") Action action) {
            if (source == null || action == null || parse(source) == null) {
                throw new IllegalArgumentException("a rule is {source: an IPv4 address or CIDR block, action}");
            }
            this.source = source;
            this.action = action;
        }

        boolean matches(long address) {
            long[] block = parse(source);
            long mask = block[1] == 0 ? 0 : (0xFFFFFFFFL << (32 - block[1])) & 0xFFFFFFFFL;
            return (address & mask) == (block[0] & mask);
        }

        /** {address, prefix length}, or null when it is no IPv4 address or CIDR block. */
        static long[] parse(String text) {
            Matcher matcher = CIDR.matcher(text);
            if (!matcher.matches()) {
                return null;
            }
            long address = 0;
            for (int octet = 1; octet <= 4; octet++) {
                int value = Integer.parseInt(matcher.group(octet));
                if (value > 255) {
                    return null;
                }
                address = (address << 8) | value;
            }
            int prefix = matcher.group(5) == null ? 32 : Integer.parseInt(matcher.group(5));
            return prefix > 32 ? null : new long[] {address, prefix};
        }
    }

    /** Everyone: the chain an instance starts with. */
    public static final Firewall OPEN = new Firewall(List.of(new Rule("0.0.0.0/0", Action.ACCEPT)));

    public Firewall {
        rules = List.copyOf(rules);
    }

    /** What the chain does with a connection from {@code source} (an IPv4 address; anything else is dropped). */
    public Action decide(String source) {
        long[] address = Rule.parse(source);
        if (address == null || address[1] != 32) {
            return Action.DROP;
        }
        return rules.stream()
                .filter(rule -> rule.matches(address[0]))
                .map(Rule::action)
                .findFirst()
                .orElse(Action.DROP);
    }
}
