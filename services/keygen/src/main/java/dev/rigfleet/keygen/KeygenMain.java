package dev.rigfleet.keygen;

import io.quarkus.logging.Log;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.List;

/** Runs once per install and upgrade (the chart's hook Job): exit 0 when every key is in the Secret. */
@QuarkusMain
public class KeygenMain implements QuarkusApplication {

    private final KeySecret secret;
    private final KeygenConfig config;

    KeygenMain(KeySecret secret, KeygenConfig config) {
        this.secret = secret;
        this.config = config;
    }

    @Override
    public int run(String... args) {
        String where = config.namespace() + "/" + config.secret();
        try {
            List<String> added = secret.ensure(config.namespace(), config.secret());
            if (added.isEmpty()) {
                Log.infof("Secret %s holds every key already; nothing changed", where);
            } else {
                Log.infof("Secret %s: generated %s", where, String.join(", ", added));
            }
            return 0;
        } catch (RuntimeException e) {
            // The Job's pod log is where the operator looks; the hook then fails the install or upgrade.
            Log.errorf(e, "Could not complete the Secret %s: %s", where, e.getMessage());
            return 1;
        }
    }
}
