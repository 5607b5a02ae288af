package dev.rigfleet.workspaces.model;

import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/** What a token lets its bearer do; carried in the token's {@code groups} claim, so they are also its roles. */
public final class Scopes {

    /** Use the platform as a user: devices, workspaces, instances, own tokens. */
    public static final String USER = "user";
    /** Manage other users. */
    public static final String ADMIN = "admin";

    public static final Set<String> KNOWN = Set.of(USER, ADMIN);

    private Scopes() {}

    /** The space-separated form stored in the database. */
    public static String join(Collection<String> scopes) {
        return String.join(" ", new TreeSet<>(scopes));
    }

    public static Set<String> split(String joined) {
        return new TreeSet<>(Arrays.asList(joined.split(" ")));
    }
}
