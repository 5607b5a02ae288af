package dev.rigfleet.common.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a resource (class or method) that only rigfleet's own services may call, with a service token ({@link
 * ServiceTokens}); user and device tokens are refused. Every resource under {@code /internal} must carry it: one
 * that does not is refused to everyone ({@link InternalApiCheck}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface InternalApi {

    /** The services allowed to call, by {@link ServiceIdentityConfig#name()}. */
    String[] callers();
}
