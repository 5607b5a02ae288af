package dev.rigfleet.keygen;

import io.smallrye.config.ConfigMapping;

@ConfigMapping(prefix = "rigfleet.keygen")
public interface KeygenConfig {

    /** The Secret the keys are kept in: the chart's {@code <release>-keys}. */
    String secret();

    /** The namespace of that Secret: the release's (the chart's Job takes it from its own pod). */
    String namespace();
}
