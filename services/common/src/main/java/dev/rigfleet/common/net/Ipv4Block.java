package dev.rigfleet.common.net;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 address or CIDR block as the firewall spec writes it ({@code 10.0.0.0/8}, or {@code 10.1.2.3} for a
 * {@code /32}): the instances service checks users' rules with it, the coordinator's tunnels match connections.
 */
public record Ipv4Block(long address, int prefix) {

    private static final Pattern TEXT =
            Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?");

    /** The block, or empty when the text is no IPv4 address or CIDR block. */
    public static Optional<Ipv4Block> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher matcher = TEXT.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        long address = 0;
        for (int octet = 1; octet <= 4; octet++) {
            int value = Integer.parseInt(matcher.group(octet));
            if (value > 255) {
                return Optional.empty();
            }
            address = (address << 8) | value;
        }
        int prefix = matcher.group(5) == null ? 32 : Integer.parseInt(matcher.group(5));
        return prefix > 32 ? Optional.empty() : Optional.of(new Ipv4Block(address, prefix));
    }

    /** Whether the single address {@code other} (a /32) lies in this block. */
    public boolean contains(Ipv4Block other) {
        long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        return (other.address & mask) == (address & mask);
    }
}
