package dev.rigfleet.common.http;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a resource that serves routes of the rerobots workspaces and instances spec. There a wrong, expired or revoked
 * token is a 400 {@code wrong authorization token}, as the reference server answers: the rerobots Rust client reads
 * an error's message only from a 400, and the Python client matches the message whatever the status. Elsewhere it is
 * a 401.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RerobotsRoutes {}
