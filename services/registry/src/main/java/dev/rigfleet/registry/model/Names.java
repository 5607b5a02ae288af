package dev.rigfleet.registry.model;

/** The shapes of the names the registry accepts, and how to say what is wrong with one. */
public final class Names {

    public static final String FLEET = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";
    public static final String FLEET_RULE =
            "must be 1-64 of A-Z, a-z, 0-9, '.', '_', '-', starting with a letter or digit";
    public static final String DEVICE = FLEET;
    public static final String DEVICE_RULE = FLEET_RULE;
    public static final String SERVICE = "[a-z0-9][a-z0-9_-]{0,62}";
    public static final String SERVICE_RULE = "must be 1-63 of a-z, 0-9, '_', '-', starting with a letter or digit";
    public static final String ENV = "[A-Za-z_][A-Za-z0-9_]{0,127}";
    public static final String ENV_RULE = "must be 1-128 of A-Z, a-z, 0-9, '_', not starting with a digit";
    public static final String TAG = "[A-Za-z0-9._-]{1,64}";
    public static final String TAG_RULE = "must be 1-64 of A-Z, a-z, 0-9, '.', '_', '-'";
    public static final String COMMIT = "[A-Za-z0-9._-]{1,64}";

    private Names() {}
}
