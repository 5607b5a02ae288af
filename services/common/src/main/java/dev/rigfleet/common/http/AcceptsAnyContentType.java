package dev.rigfleet.common.http;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a resource method (or every method of a resource class) whose request body is read as JSON whatever {@code
 * Content-Type} the request gives, none included; elsewhere a body that is not declared as JSON gets 415 ({@link
 * ContentTypes}).
 *
 * <p>Only for the spec's routes that the rerobots clients call with a JSON body and no {@code Content-Type} ({@code
 * POST /new}, {@code POST /firewall}); docs/api.md lists them. The body must still be valid JSON.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface AcceptsAnyContentType {}
