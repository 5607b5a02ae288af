package dev.rigfleet.coordinator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Set;

/**
 * What Coder's server leaves out of an agent's listening ports, so that the list holds what a user might open in a
 * browser: ports below {@value #MINIMUM_PORT} (Coder's agent keeps them for itself) and the well-known ports of
 * services that do not speak HTTP (file transfer, shells, mail, DNS, directories, databases, remote desktops). To
 * Coder's list rigfleet adds Redis, which runs beside PostgreSQL wherever rigfleet does.
 */
final class ListeningPortFilter {

    static final int MINIMUM_PORT = 9;

    private static final Set<Integer> NOT_HTTP = Set.of(
            20, 21, // ftp
            22, // ssh
            23, // telnet
            25, 465, 587, // smtp
            53, // dns over tcp
            110, 995, // pop3
            143, 993, // imap
            179, // bgp
            389, 636, // ldap
            989, 990, // ftps
            3306, // mysql
            3389, // rdp
            5432, // postgresql
            6379, // redis: rigfleet's addition
            27017, 27018, 27019, 28017); // mongodb

    private ListeningPortFilter() {}

    /** The agent's {@code {"ports": [...]}} without those ports; a body of another shape is passed on as it came. */
    static byte[] filter(ObjectMapper json, byte[] body) {
        JsonNode answer;
        try {
            answer = json.readTree(body);
        } catch (IOException e) {
            return body;
        }
        if (!(answer instanceof ObjectNode object) || !(object.get("ports") instanceof ArrayNode ports)) {
            return body;
        }
        ArrayNode kept = json.createArrayNode();
        ports.forEach(port -> {
            if (shown(port.path("port").asInt(-1))) {
                kept.add(port);
            }
        });
        object.set("ports", kept);
        try {
            return json.writeValueAsBytes(object);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean shown(int port) {
        return port >= MINIMUM_PORT && port <= 65535 && !NOT_HTTP.contains(port);
    }
}
