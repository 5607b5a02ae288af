package dev.rigfleet.instances.vpn;

import dev.rigfleet.common.net.Ipv4Block;

/** One instance's VPN addresses, a /24: the server has .1, the instance .2, the users' machines .10 to .254. */
public record Network(Ipv4Block block) {

    public Network {
        if (block.prefix() != 24 || (block.address() & 0xFF) != 0) {
            throw new IllegalArgumentException("a VPN network is a /24 on its boundary");
        }
    }

    public String server() {
        return address(1);
    }

    public String instance() {
        return address(2);
    }

    String firstPooled() {
        return address(10);
    }

    String last() {
        return address(254);
    }

    String mask() {
        return "255.255.255.0";
    }

    @Override
    public String toString() {
        return address(0) + "/24";
    }

    private String address(int host) {
        long value = block.address() + host;
        return ((value >> 24) & 0xFF) + "." + ((value >> 16) & 0xFF) + "." + ((value >> 8) & 0xFF) + "."
                + (value & 0xFF);
    }
}
